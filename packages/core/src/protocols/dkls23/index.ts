/**
 * DKLs23 threshold ECDSA (Doerner, Kondi, Lee, shelat, "Threshold ECDSA in Three Rounds",
 * ePrint 2023/765) for ecdsa-secp256k1 and ecdsa-p256, any k-of-n including 2-of-2, secure against
 * a dishonest majority. Spec: ../shared/dkls23.md; protocol document: docs/protocols/dkls23.md.
 */
export { createDklsKeygenSession, createDklsOtRefreshSession } from './keygen/session.js';
export type { DklsKeygenParams, DklsOtRefreshParams } from './keygen/config.js';
export { createDklsSignSession, dklsOtSessionIds } from './sign/session.js';
export type { DklsSignParams } from './sign/context.js';
export {
  dklsKeyShareToBytes,
  dklsKeyShareFromBytes,
  dklsPublicPackage,
  isDklsKeyShare,
  makeDklsKeyShare,
  type DklsKeyShare,
  type DklsPeerSetup,
} from './key-share.js';
export { dklsBanSignal, DKLS_BAN_CODES, type DklsBanSignal } from './ban.js';
export { createMemoryOtSessionGuard, type OtSessionGuard } from './guard.js';
export { nobleDklsPrimitives, type DklsPrimitives } from './primitives.js';
export { DKLS_KEYGEN_PROTOCOL, DKLS_REFRESH_PROTOCOL, DKLS_SIGN_PROTOCOL } from './params.js';
