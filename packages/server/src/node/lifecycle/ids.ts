/**
 * Refresh / reshare runs: their session ids are node/ids.ts `sessionIdFor` with the kinds 'refresh',
 * 'refresh-commit', 'reshare' and 'reshare-commit' (derived by every node from the client's signed
 * request, so that all players agree on them without talking first, checklist A2); here: the commit
 * digest and the crash-test hook.
 */
import { transcriptHash, utf8ToBytes } from '@opentsm/core';

/**
 * What every player of a run confirms in the commit session before anyone activates its new share:
 *   H("opentsm/lifecycle-commit/v1", keyId, operation, sid, keyPackageDigest(old), detail)
 * with detail = keyPackageDigest(new) for a refresh and the reshare parameters digest for a reshare
 * (a dealer that leaves the committee has no new package; the core's confirmation round already
 * made every finisher agree on the new package).
 */
export function commitDigest(keyId: string, operation: 'refresh' | 'reshare', sessionId: Uint8Array, oldDigest: Uint8Array, detail: Uint8Array): Uint8Array {
  return transcriptHash('opentsm/lifecycle-commit/v1', utf8ToBytes(keyId), utf8ToBytes(operation), sessionId, oldDigest, detail);
}

/** Test hook: a node started with NODE_ENV=test and OPENTSM_TEST_CRASH_AT=<point> kills itself (-9) there. */
export function crashPoint(point: 'session-done' | 'pending-stored' | 'commit-confirmed' | 'committed'): void {
  if (process.env.NODE_ENV === 'test' && process.env.OPENTSM_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
