/**
 * @opentsm/core: the protocols of OpenTSM as pure state machines (no sockets, no storage, no clock).
 */
export * from './errors.js';
export * from './suites/index.js';
export * from './engine/index.js';
export * from './math/bytes.js';
export * from './math/transcript.js';
export * from './math/polynomial.js';
export * from './protocols/key-share.js';
export * from './protocols/dkg/index.js';
export * from './protocols/frost/index.js';
export * from './protocols/ecdsa-hm/index.js';
export * from './protocols/refresh/index.js';
export * from './protocols/reshare/index.js';
export * from './protocols/derive/index.js';
export * from './backup/index.js';
export * from './protocols/dkls23/index.js';
