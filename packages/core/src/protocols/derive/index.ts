/** Non-hardened BIP32 derivation for threshold keys (docs/protocols/derivation.md). */
export { parseDerivationPath, formatDerivationPath, HARDENED_OFFSET, MAX_DERIVATION_DEPTH } from './path.js';
export { ckdPub, encodeXpub, fingerprint as bip32Fingerprint, XPUB_VERSION, type CkdStep } from './bip32.js';
export { deriveChild, deriveTaprootChild, xpub, type ChildKey, type TaprootChildKey } from './child.js';
export { applyTweak, deriveKeyShare, deriveKeyPackage } from './tweak.js';
