/**
 * OT-extension session-id uniqueness (dkls23.md §B.1, §C.2 "sid uniqueness (MUST)").
 *
 * If a party ran two OT extensions with the same session id as sender toward the same peer, the
 * peer would learn a + a' of its two RVOLE inputs and, through the repeated zero share, the key
 * share itself. The id is derived from the signing session id (plus key setup, pair, direction,
 * signer set, message and tweak), which the caller promises to be unique; the guard enforces it:
 * a signing session calls it once per OT extension it takes part in, before sending anything,
 * and aborts with DKLS_OT_SESSION_REUSED when it returns false.
 *
 * A guard MUST atomically check-and-record: return true exactly once per (peer, id) — the first
 * time — and false afterwards, across restarts (back it with the node's database: a used-id
 * table keyed by key id, peer and id, written durably before the session's first message leaves).
 */
import type { PartyId } from '../../errors.js';
import { toHex } from '../../math/bytes.js';

/** Returns false to refuse a (peer, OT-extension session id) already used with this key. */
export type OtSessionGuard = (peer: PartyId, otSessionId: Uint8Array) => boolean;

/**
 * An in-memory guard (per process lifetime only; grows with every signature). Used when the
 * caller passes no guard, keyed by the key's OT setup; production nodes must pass a persistent one.
 */
export function createMemoryOtSessionGuard(): OtSessionGuard {
  const used = new Set<string>();
  return (peer, id) => {
    const k = `${peer}:${toHex(id)}`;
    if (used.has(k)) return false;
    used.add(k);
    return true;
  };
}

const defaultGuards = new Map<string, OtSessionGuard>();

/** The process-wide default guard for one key (identified by group key and self). */
export function defaultOtSessionGuard(keyId: string): OtSessionGuard {
  let g = defaultGuards.get(keyId);
  if (g === undefined) {
    g = createMemoryOtSessionGuard();
    defaultGuards.set(keyId, g);
  }
  return g;
}
