/**
 * `@opentsm/core/node`: Node-only helpers (node:crypto). Nothing else in @opentsm/core imports
 * node:* modules, so the main entry stays browser-safe.
 *
 *   nodeDklsPrimitives — OpenSSL SHAKE128/SHA-256 for DKLs23 (pass as `primitives` to
 *   createDklsKeygenSession / createDklsSignSession / createDklsOtRefreshSession).
 *   nodeEcdsaHmArithmetic — libsecp256k1 (native addon, else WASM) / OpenSSL curve arithmetic for honest-majority
 *   ECDSA (pass as `arithmetic` to createPresignSession / createEcdsaSignSession).
 *   nodeVerifySignature — OpenSSL / libsecp256k1 verification of Ed25519 and ECDSA signatures.
 *   secp256k1Ops, nativeSecp256k1, wasmSecp256k1 — the libsecp256k1 back-ends (which one loaded).
 */
export { nodeDklsPrimitives } from './dkls-primitives.js';
export { nodeEcdsaHmArithmetic } from './ecdsa-arithmetic.js';
export { nodeVerifySignature } from './signature-verify.js';
export { nativeSecp256k1, secp256k1Ops, wasmSecp256k1, type Secp256k1Ops } from './secp256k1.js';
