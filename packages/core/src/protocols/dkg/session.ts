/**
 * The Pedersen DKG with proofs of knowledge (FROST paper KeyGen, Komlo–Goldberg 2020 Fig. 1,
 * ZF/noble wire conventions; protocols.md §4.1–4.2) as a session on the protocol engine.
 * See docs/protocols/dkg.md for messages, checks and abort behaviour.
 */
import { Session } from '../../engine/session.js';
import type { KeyShare } from '../key-share.js';
import { DKG_PROTOCOL_ID, validateDkgParams, type DkgParams } from './params.js';
import { startDkg } from './round1.js';

/**
 * Create one party's DKG session. Throws ProtocolError (INVALID_PARAMETERS / INVALID_IDENTIFIER)
 * for bad parameters; afterwards every failure aborts the session instead (state 'aborted').
 */
export function createDkgSession(params: DkgParams): Session<KeyShare> {
  const cfg = validateDkgParams(params);
  return new Session<KeyShare>({
    sessionId: cfg.sessionId,
    protocol: DKG_PROTOCOL_ID,
    self: cfg.self,
    parties: cfg.parties,
    start: () => startDkg(cfg),
  });
}
