/**
 * `ecdsa-hm-sign/v2`: online signing of DJNPØ20 (protocols.md §2.4) with a presignature, among
 * exactly the 2t + 1 players that made it, as an engine session. Spec:
 * docs/protocols/ecdsa-honest-majority.md.
 *
 *   start    consume the presignature; broadcast (context hash, ρ_i)                 (this file)
 *            context hash = H(key, players, presignature id, R, h, ε, session) — §2.6 agreement
 *   round 1  every context hash equals ours (else abort before any share is released);
 *            if ε ≠ 0 re-randomise (§2.6): δ = KDF(y', ε, h, R, ρ_1..ρ_n), R' = δ·R,
 *            α' = α·δ⁻¹, β' = (β + c·ε)·δ⁻¹; s_i = h·α' + r'·β' + e_i; broadcast s_i  → sign-round1.ts
 *   round 2  s = Open_2t(s_j) ≠ 0; low-s; verify under y + ε·G; output                 → sign-round2.ts
 *
 * SECURITY: the presignature is consumed when the session is created — before anything is sent
 * — so it can never be used twice in this process, whatever happens to the run (§2.6, F3).
 * A cluster must also delete its stored copy before creating the session.
 */
import type { ProtocolStart } from '../../engine/round.js';
import { Session } from '../../engine/session.js';
import { randomBytes } from '../../math/bytes.js';
import { encodeSignContext, RANDOMNESS_LENGTH } from './messages.js';
import { ECDSA_HM_SIGN_PROTOCOL, sessionParties } from './params.js';
import { takePresignatureSecrets } from './presignature.js';
import { signContext, type EcdsaSignParams } from './sign-context.js';
import { SignRound1 } from './sign-round1.js';
import type { EcdsaSignature } from './sign-round2.js';

/**
 * Create this player's session of one signing run.
 *
 * Throws PRESIGNATURE_USED (nothing is sent) when the presignature was already consumed, and
 * INVALID_PARAMETERS when it is not a presignature; otherwise the presignature is consumed here.
 * Every other parameter error (presignature of another key, epoch or player set, a player set
 * that is not exactly its 2k − 1 players, tweak out of range, h = 0) aborts the session when it
 * starts, with INVALID_PARAMETERS, and notifies the other players.
 */
export function createEcdsaSignSession(params: EcdsaSignParams): Session<EcdsaSignature> {
  const self = params.key.self;
  let secrets: ReturnType<typeof takePresignatureSecrets> | undefined = takePresignatureSecrets(params.presignature);
  const start = (): ProtocolStart<EcdsaSignature> => {
    const s = secrets!;
    secrets = undefined;
    const ctx = signContext(params);
    const rho = randomBytes(RANDOMNESS_LENGTH);
    return { out: [{ to: 'all', payload: encodeSignContext(ctx.contextHash, rho) }], next: new SignRound1(ctx, s, rho) };
  };
  return new Session<EcdsaSignature>({ sessionId: params.sessionId, protocol: ECDSA_HM_SIGN_PROTOCOL, self, parties: sessionParties(self, params.players), start });
}
