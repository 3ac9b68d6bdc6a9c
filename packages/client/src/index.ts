/**
 * @opentsm/client: the OpenTSM SDK (Node and browsers).
 * - request signing (`signRequest`, `canonicalRequest`, application keys), shared with the node's verifier;
 * - `TsmClient`: the node API in fan-out and primary modes, with end-to-end signature verification.
 */
export * from './auth.js';
export * from './client.js';
// useClientPlatform stays internal (index.node.ts imports it directly): a public hook would see every
// application's private key.
export { clientPlatform, portablePlatform, AnswerTooLargeError, type ClientPlatform, type HttpExchangeRequest, type HttpExchangeResponse } from './platform.js';
