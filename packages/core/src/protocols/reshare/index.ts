/** Resharing to a new committee (protocol id 'reshare/v1'). */
export { createReshareSession } from './session.js';
export type { ReshareResult } from './round1.js';
export { RESHARE_PROTOCOL_ID, validateReshareParams, reshareParamsDigest, type ReshareParams, type ReshareConfig } from './params.js';
