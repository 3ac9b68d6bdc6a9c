/**
 * `ecdsa-hm-sign/v2`: online signing of DJNPØ20 (protocols.md §2.4) with presignatures, among
 * exactly the 2t + 1 players that made them, as an engine session. One run signs m items
 * (1 ≤ m ≤ ECDSA_HM_MAX_SIGN_BATCH), each with its own presignature, message and tweak, under one
 * key, player set and session id. Spec: docs/protocols/ecdsa-honest-majority.md.
 *
 *   start    consume every presignature; broadcast (context hash, ρ_i)               (this file)
 *            item hash_j  = H(key, players, presignature id_j, R_j, h_j, ε_j, session) — §2.6 agreement
 *            context hash = item hash_1 when m = 1, else H(batch tag, item hash_1, …, item hash_m)
 *   round 1  every context hash equals ours (else abort before any share is released);
 *            per item: if ε_j ≠ 0 re-randomise (§2.6): δ_j = KDF(y'_j, ε_j, h_j, R_j, id_j, ρ_1..ρ_n),
 *            R' = δ·R, α' = α·δ⁻¹, β' = (β + c·ε)·δ⁻¹; s_i,j = h_j·α' + r'·β' + e_i;
 *            broadcast s_i,1 ‖ … ‖ s_i,m                                               → sign-round1.ts
 *   round 2  per item: s = Open_2t(s_·,j) ≠ 0; low-s; verify under y + ε_j·G; output all
 *            m signatures, or none if any item fails (INVALID_SIGNATURE)               → sign-round2.ts
 *
 * Batch extension: one ρ_i per player for the whole run (δ_j still differs per item, its KDF
 * input contains the presignature id), one round-1 broadcast of m shares. A batch of one is the
 * single-item protocol bit for bit (same context hash, 32-byte share), and `createEcdsaSignSession`
 * is that batch of one.
 *
 * SECURITY: every presignature is consumed when the session is created — before anything is
 * sent — so it can never be used twice in this process, whatever happens to the run (§2.6, F3).
 * A cluster must also delete its stored copies before creating the session.
 */
import type { ProtocolStart } from '../../engine/round.js';
import { Session } from '../../engine/session.js';
import type { ProtocolError } from '../../errors.js';
import { randomBytes } from '../../math/bytes.js';
import { encodeSignContext, RANDOMNESS_LENGTH } from './messages.js';
import { badParams, ECDSA_HM_SIGN_PROTOCOL, sessionParties } from './params.js';
import { Presignature, takePresignatureSecrets, type PresignatureSecrets } from './presignature.js';
import { signContext, type EcdsaBatchSignItem, type EcdsaBatchSignParams, type EcdsaSignParams } from './sign-context.js';
import { SignRound1 } from './sign-round1.js';
import type { EcdsaSignature } from './sign-round2.js';

/**
 * Create this player's session of one signing run with one presignature: a batch of one item
 * ({@link createEcdsaBatchSignSession}), whose signature is the output.
 *
 * Throws PRESIGNATURE_USED (nothing is sent) when the presignature was already consumed, and
 * INVALID_PARAMETERS when it is not a presignature; otherwise the presignature is consumed here.
 * Every other parameter error (presignature of another key, epoch or player set, a player set
 * that is not exactly its 2k − 1 players, tweak out of range, h = 0) aborts the session when it
 * starts, with INVALID_PARAMETERS, and notifies the other players.
 */
export function createEcdsaSignSession(params: EcdsaSignParams): Session<EcdsaSignature> {
  const { sessionId, key, presignature, message, tweak, players, arithmetic } = params;
  return signSession({ sessionId, key, items: [{ presignature, message, tweak }], players, arithmetic }, (signatures) => signatures[0]!);
}

/**
 * Create this player's session of one batch signing run: m items, output the m signatures in
 * item order — all of them, or none when any item fails.
 *
 * Throws INVALID_PARAMETERS (nothing consumed) when `items` is not an array of items with a
 * `Presignature` each. Otherwise consumes every presignature here, and throws PRESIGNATURE_USED
 * (nothing is sent) when one of them was already consumed — after consuming all the others.
 * Every other parameter error (m not in 1..ECDSA_HM_MAX_SIGN_BATCH, one presignature twice, and
 * per item everything `createEcdsaSignSession` checks) aborts the session when it starts, with
 * INVALID_PARAMETERS, and notifies the other players.
 */
export function createEcdsaBatchSignSession(params: EcdsaBatchSignParams): Session<EcdsaSignature[]> {
  return signSession(params, (signatures) => signatures);
}

function signSession<Out>(params: EcdsaBatchSignParams, output: (signatures: EcdsaSignature[]) => Out): Session<Out> {
  const self = params.key.self;
  let secrets: PresignatureSecrets[] | undefined = consumeAll(params.items);
  const start = (): ProtocolStart<Out> => {
    const s = secrets!;
    secrets = undefined;
    const ctx = signContext(params);
    const rho = randomBytes(RANDOMNESS_LENGTH);
    return { out: [{ to: 'all', payload: encodeSignContext(ctx.contextHash, rho) }], next: new SignRound1(ctx, s, rho, output) };
  };
  return new Session<Out>({ sessionId: params.sessionId, protocol: ECDSA_HM_SIGN_PROTOCOL, self, parties: sessionParties(self, params.players), start });
}

/**
 * Take the secrets of every item's presignature (item order), each object once: a presignature
 * listed twice is consumed once and the run then aborts at start. If one throws
 * PRESIGNATURE_USED, the others are still consumed and the first error is rethrown.
 */
function consumeAll(items: readonly EcdsaBatchSignItem[]): PresignatureSecrets[] {
  if (!Array.isArray(items)) badParams('items must be an array');
  items.forEach((it: unknown, j) => {
    if (typeof it !== 'object' || it === null || !((it as EcdsaBatchSignItem).presignature instanceof Presignature)) badParams(items.length === 1 ? 'not a presignature' : `item ${j}: not a presignature`);
  });
  const taken = new Map<Presignature, PresignatureSecrets>();
  let error: ProtocolError | undefined;
  for (const { presignature } of items) {
    if (taken.has(presignature)) continue;
    try {
      taken.set(presignature, takePresignatureSecrets(presignature));
    } catch (e) {
      error ??= e as ProtocolError; // PRESIGNATURE_USED
    }
  }
  if (error !== undefined) throw error;
  return items.map((it) => taken.get(it.presignature)!);
}
