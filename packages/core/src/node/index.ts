/**
 * `@opentsm/core/node`: Node-only helpers (node:crypto). Nothing else in @opentsm/core imports
 * node:* modules, so the main entry stays browser-safe.
 *
 *   nodeDklsPrimitives — OpenSSL SHAKE128/SHA-256 for DKLs23 (pass as `primitives` to
 *   createDklsKeygenSession / createDklsSignSession / createDklsOtRefreshSession).
 *   nodeEcdsaHmArithmetic — libsecp256k1 (WASM) / OpenSSL curve arithmetic for honest-majority
 *   ECDSA (pass as `arithmetic` to createPresignSession / createEcdsaSignSession).
 *   nodeVerifySignature — OpenSSL / libsecp256k1 verification of Ed25519 and ECDSA signatures.
 */
export { nodeDklsPrimitives } from './dkls-primitives.js';
export { nodeEcdsaHmArithmetic } from './ecdsa-arithmetic.js';
export { nodeVerifySignature } from './signature-verify.js';
