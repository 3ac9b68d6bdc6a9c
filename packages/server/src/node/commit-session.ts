/**
 * Key-creation commit: after the DKG, every player stores its sealed share as `pending` and then
 * broadcasts the hash of the key's public output. A player activates the key only when every
 * player confirmed the same hash — so a key is never served by one node while another lost its
 * share (a node killed during key generation makes the key fail everywhere).
 *
 * It is a one-round protocol on the core engine (sender, session and duplicate checks included).
 */
import { ErrorCode, ProtocolError, Session, equalBytes, Reader, Writer, type InboundMessage, type Round } from '@opentsm/core';

class ConfirmRound implements Round<true> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly number[];
  readonly expectsDirectFrom: readonly number[] = [];
  constructor(
    peers: readonly number[],
    private readonly digest: Uint8Array,
  ) {
    this.expectsBroadcastFrom = peers;
  }
  verify(msg: InboundMessage): void {
    const r = new Reader(msg.payload);
    const d = r.fixed(32);
    r.end();
    if (!equalBytes(d, this.digest))
      throw new ProtocolError(ErrorCode.PUBLIC_OUTPUT_MISMATCH, `party ${msg.from} committed a different key`, [msg.from]);
  }
  store(): void {}
  finalize() {
    return { out: [], result: true as const };
  }
}

export function createCommitSession(opts: { sessionId: Uint8Array; self: number; parties: readonly number[]; digest: Uint8Array }): Session<true> {
  const peers = opts.parties.filter((p) => p !== opts.self);
  return new Session<true>({
    sessionId: opts.sessionId,
    protocol: 'key-commit/v1',
    self: opts.self,
    parties: opts.parties,
    start: () => ({ out: [{ to: 'all', payload: new Writer().fixed(opts.digest).finish() }], next: new ConfirmRound(peers, opts.digest) }),
  });
}
