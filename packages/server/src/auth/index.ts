export * from './verify-request.js';
export * from './memory-request-ids.js';
