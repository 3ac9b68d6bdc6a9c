export * from './codec.js';
export * from './round.js';
export * from './session.js';
