/**
 * `@opentsm/core/node`: Node-only helpers (node:crypto). Nothing else in @opentsm/core imports
 * node:* modules, so the main entry stays browser-safe.
 *
 *   nodeDklsPrimitives — OpenSSL SHAKE128/SHA-256 for DKLs23 (pass as `primitives` to
 *   createDklsKeygenSession / createDklsSignSession / createDklsOtRefreshSession).
 */
export { nodeDklsPrimitives } from './dkls-primitives.js';
