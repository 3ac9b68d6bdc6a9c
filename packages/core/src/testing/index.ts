export * from './network.js';
export * from './dkg.js';
