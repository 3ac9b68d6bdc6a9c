/**
 * Convenience for tests and demos: run a complete DKG with every party in this process over the
 * in-memory network (real wire codec) and return the key shares.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { randomBytes } from '../math/bytes.js';
import { createDkgSession } from '../protocols/dkg/index.js';
import type { KeyShare } from '../protocols/key-share.js';
import type { Scheme } from '../suites/index.js';
import { runNetwork, type NetworkOptions } from './network.js';

export interface RunDkgOptions {
  /** Party identifiers (default 1..n). */
  readonly parties?: readonly PartyId[];
  /** Session id (default: 16 random bytes). */
  readonly sessionId?: Uint8Array;
  /** Network faults / ordering. */
  readonly network?: NetworkOptions;
}

/** Run a k-of-n DKG locally; returns the key shares in party order, or throws the first abort. */
export function runDkgLocally(scheme: Scheme, threshold: number, n: number, opts: RunDkgOptions = {}): KeyShare[] {
  const parties = opts.parties ?? Array.from({ length: n }, (_, i) => i + 1);
  if (parties.length !== n) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'parties must list n identifiers');
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions = parties.map((self) => createDkgSession({ scheme, sessionId, self, parties, threshold }));
  const res = runNetwork(sessions, opts.network);
  const failed = sessions.find((s) => s.state === 'aborted');
  if (failed) throw failed.error!;
  if (res.results.size !== n) throw new ProtocolError(ErrorCode.SESSION_ABORTED, `DKG did not finish (stalled: ${res.stalled.join(', ')})`);
  return [...parties].sort((a, b) => a - b).map((p) => res.results.get(p)!);
}
