/**
 * Presignature selection: before an honest-majority ECDSA signature, the 2t+1 players agree on
 * which stored presignature to use. Each broadcasts a few candidate ids it holds (and has reserved
 * for this request); the agreed id is the smallest id every player listed. None in common →
 * `undefined` (the caller falls back to presign-then-sign).
 *
 * One broadcast round on the core engine (sender, session and duplicate checks included; the
 * ids are public — they are hashes of the presigning session id and index).
 */
import { ErrorCode, ProtocolError, Reader, Session, Writer, type InboundMessage, type Round } from '@opentsm/core';

const MAX_CANDIDATES = 16;
const ID_RE = /^[0-9a-f]{16,128}$/;

function encode(ids: readonly string[]): Uint8Array {
  const w = new Writer().u8(ids.length);
  for (const id of ids) w.bytes(new TextEncoder().encode(id));
  return w.finish();
}

function decode(payload: Uint8Array, from: number): string[] {
  const r = new Reader(payload);
  const n = r.u8();
  if (n > MAX_CANDIDATES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'too many candidates', [from]);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = new TextDecoder().decode(r.bytes(128));
    if (!ID_RE.test(id)) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'malformed presignature id', [from]);
    ids.push(id);
  }
  r.end();
  return ids;
}

class SelectRound implements Round<string | undefined> {
  readonly number = 1;
  readonly expectsDirectFrom: readonly number[] = [];
  private readonly lists = new Map<number, string[]>();
  constructor(
    readonly expectsBroadcastFrom: readonly number[],
    private readonly mine: readonly string[],
  ) {}
  verify(msg: InboundMessage): void {
    decode(msg.payload, msg.from);
  }
  store(msg: InboundMessage): void {
    this.lists.set(msg.from, decode(msg.payload, msg.from));
  }
  finalize() {
    let common = new Set(this.mine);
    for (const l of this.lists.values()) common = new Set(l.filter((x) => common.has(x)));
    const chosen = [...common].sort()[0];
    return { out: [], result: chosen };
  }
}

export function createSelectSession(opts: { sessionId: Uint8Array; self: number; parties: readonly number[]; candidates: readonly string[] }): Session<string | undefined> {
  const mine = opts.candidates.slice(0, MAX_CANDIDATES);
  for (const id of mine) if (!ID_RE.test(id)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'malformed presignature id');
  return new Session<string | undefined>({
    sessionId: opts.sessionId,
    protocol: 'presig-select/v1',
    self: opts.self,
    parties: opts.parties,
    start: () => ({ out: [{ to: 'all', payload: encode(mine) }], next: new SelectRound(opts.parties.filter((p) => p !== opts.self), mine) }),
  });
}
