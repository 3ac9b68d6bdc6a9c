/**
 * Honest-majority threshold ECDSA (Damgård–Jakobsen–Nielsen–Pagter–Østergaard, "Fast Threshold
 * ECDSA with Honest Majority", ePrint 2020/501; protocols.md §2) for `ecdsa-secp256k1` and
 * `ecdsa-p256` keys from the DKG. Spec: docs/protocols/ecdsa-honest-majority.md.
 *
 * A k-of-n key (shares of degree t = k − 1) presigns and signs with exactly 2k − 1 of its players:
 *   createPresignSession  → Session<Presignature[]>   ('ecdsa-hm-presign/v1', 3 rounds, batches)
 *   createEcdsaSignSession → Session<EcdsaSignature>  ('ecdsa-hm-sign/v2', 2 rounds, one presignature)
 *   createEcdsaBatchSignSession → Session<EcdsaSignature[]>  (the same protocol, 1..64 items of
 *                                 one presignature, message and tweak each; all or nothing)
 * Presignatures are single use (consumed by the signing session factories) and bound to key,
 * epoch, player set, presigning session and index.
 */
import { ecdsaCurve, messageHash } from './curve.js';

export { createPresignSession } from './presign-session.js';
export { createEcdsaBatchSignSession, createEcdsaSignSession } from './sign-session.js';
export { ECDSA_HM_MAX_BATCH, ECDSA_HM_PRESIGN_PROTOCOL, ECDSA_HM_SIGN_PROTOCOL, presignContextHash, type PresignParams } from './params.js';
export {
  ECDSA_HM_MAX_SIGN_BATCH,
  signBatchContextHash,
  signContextHash,
  type EcdsaBatchSignItem,
  type EcdsaBatchSignParams,
  type EcdsaSignParams,
} from './sign-context.js';
export type { EcdsaSignature } from './sign-round2.js';
export { nobleEcdsaHmArithmetic, type EcdsaHmArithmetic, type EcdsaVerifyInput } from './arithmetic.js';
export { ecdsaCurve, type EcdsaCurve, type Point as EcdsaPoint } from './curve.js';
export {
  Presignature,
  presignatureBatchDigest,
  presignatureFromBytes,
  presignatureId,
  presignatureToBytes,
  PRESIGNATURE_ENCODING_VERSION,
  type PresignatureInfo,
} from './presignature.js';
export { checkEcdsaHmThreshold, ecdsaHmPlayersNeeded, ecdsaKeyDigest } from './key.js';

/** h = bits2int(SHA-256(message)) mod q as the signing session computes it (to show or log what is signed, checklist F4). */
export function ecdsaMessageHash(scheme: string, message: Uint8Array): bigint {
  return messageHash(ecdsaCurve(scheme), message);
}
