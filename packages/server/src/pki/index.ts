/**
 * Node identities (self-signed certificates) and certificate fingerprints for pinning.
 *
 * @module
 */
export { generateNodeIdentity, type GenerateNodeIdentityOptions, type NodeIdentity } from './identity.js';
export { certFingerprint, fingerprintDer, normalizeFingerprint, FINGERPRINT_HEX_LENGTH } from './fingerprint.js';
