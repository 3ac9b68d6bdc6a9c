/**
 * FROST threshold Schnorr signing (RFC 9591) for frost-ed25519, frost-secp256k1, frost-p256 and
 * frost-secp256k1-tr (BIP340/Taproot). Spec: docs/protocols/frost.md.
 *
 * The session (`createFrostSignSession`) is what players run. The lower-level functions are the
 * RFC 9591 operations on prepared keys (coordinator-style API, used by tests and benchmarks);
 * they are exported with a `frost` prefix so that other protocols can use the plain names.
 */
export { createFrostSignSession } from './session.js';
export type { FrostSignParams } from './context.js';
export type { FrostSignResult } from './round2.js';
export { FROST_SIGN_PROTOCOL } from './messages.js';
export { signWithShares as frostSignWithShares } from './local.js';
export {
  commit as frostCommit,
  decodeCommitment as decodeFrostCommitment,
  nonceGenerate as frostNonceGenerate,
  SigningNonces as FrostSigningNonces,
  type SigningCommitment as FrostSigningCommitment,
  type DecodedCommitment as FrostDecodedCommitment,
  type RandomSource,
} from './nonces.js';
export { SigningPackage as FrostSigningPackage } from './signing-package.js';
export { signShare as frostSignShare, verifyShare as frostVerifyShare, aggregate as frostAggregate, type AggregateOptions as FrostAggregateOptions } from './sign.js';
export { signingKey as frostSigningKey, type SigningKey as FrostSigningKey } from './signing-key.js';
export { frostCiphersuite, type FrostCiphersuite } from './ciphersuite.js';
