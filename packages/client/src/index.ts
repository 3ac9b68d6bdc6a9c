/**
 * @opentsm/client: the OpenTSM SDK (Node and browsers).
 * - request signing (`signRequest`, `canonicalRequest`, application keys), shared with the node's verifier;
 * - `TsmClient`: the node API in fan-out and primary modes, with end-to-end signature verification.
 */
export * from './auth.js';
export * from './client.js';
export { clientPlatform, portablePlatform, useClientPlatform, AnswerTooLargeError, type ClientPlatform, type HttpExchangeRequest, type HttpExchangeResponse } from './platform.js';
