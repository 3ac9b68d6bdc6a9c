/**
 * DKLs23 key generation (`dkls23-keygen/v1`) and OT-setup refresh (`dkls23-ot-refresh/v1`) as
 * engine sessions. Spec: docs/protocols/dkls23.md ("Key generation").
 *
 *   start    DKG r1 broadcast | key digest;  VSOT-A + zero-seed commitment to each peer   round1.ts
 *   round 1  DKG r1 checks; VSOT-B (receiver)                                              round1.ts
 *   round 2  DKG r2 checks; zero-seed reveal; VSOT-C (sender: 256 OTs)                     round2.ts
 *   round 3  DKG r3 confirmation; VSOT-D (receiver response)                               round3.ts
 *   round 4  VSOT-E (sender checks, opens)                                                 round4.ts
 *   round 5  VSOT receiver checks; confirmation broadcast                                  round5.ts
 *   round 6  confirmations equal → DklsKeyShare                             ../../confirmation-round.ts
 */
import { Session } from '../../../engine/session.js';
import type { DklsKeyShare } from '../key-share.js';
import { keygenConfig, refreshConfig, type DklsKeygenParams, type DklsOtRefreshParams } from './config.js';
import { startKeygen } from './round1.js';

/**
 * Create one party's DKLs23 key-generation session. Throws ProtocolError (INVALID_PARAMETERS /
 * INVALID_IDENTIFIER) for bad parameters; afterwards every failure aborts the session.
 * The result is a {@link DklsKeyShare}: store it with `dklsKeyShareToBytes` (SECRET).
 */
export function createDklsKeygenSession(params: DklsKeygenParams): Session<DklsKeyShare> {
  const cfg = keygenConfig(params);
  return new Session<DklsKeyShare>({ sessionId: cfg.sessionId, protocol: cfg.protocol, self: cfg.self, parties: cfg.parties, start: () => startKeygen(cfg) });
}

/**
 * Re-run the pairwise OT setup (base OTs and zero-share seeds) of an existing key among
 * `params.parties` (default: all parties of the key), keeping the Shamir share. This is what
 * lifts a ban (dklsBanSignal): a fresh setup with the banned peer. All parties must agree on
 * the key's public data and the participant set (DKLS_CONTEXT_MISMATCH otherwise).
 */
export function createDklsOtRefreshSession(params: DklsOtRefreshParams): Session<DklsKeyShare> {
  const cfg = refreshConfig(params);
  return new Session<DklsKeyShare>({ sessionId: cfg.sessionId, protocol: cfg.protocol, self: cfg.self, parties: cfg.parties, start: () => startKeygen(cfg) });
}
