/** Proactive refresh (protocol id 'refresh/v1') and helpers shared with reshare. */
export { createRefreshSession } from './session.js';
export { REFRESH_PROTOCOL_ID, validateRefreshParams, type RefreshParams, type RefreshConfig } from './params.js';
export { keyPackageDigest, nextEpoch, confirmationHash } from './common.js';
