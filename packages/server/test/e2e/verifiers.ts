/** Independent signature verifiers for tests (not the code path that produced the signature). */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { schnorr, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import { p256_FROST } from '@noble/curves/nist.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

export function independentVerify(scheme: string, publicKeyHex: string, message: Uint8Array, signatureHex: string): boolean {
  const pk = hex(publicKeyHex);
  const sig = hex(signatureHex);
  switch (scheme) {
    case 'frost-ed25519': {
      // OpenSSL via node:crypto (RFC 8032 verifier).
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pk]);
      return nodeVerify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);
    }
    case 'frost-secp256k1-tr':
      return schnorr.verify(sig, message, pk);
    case 'frost-secp256k1':
      return secp256k1_FROST.verify(sig, message, pk);
    case 'frost-p256':
      return p256_FROST.verify(sig, message, pk);
    default:
      throw new Error(`no verifier for ${scheme}`);
  }
}
