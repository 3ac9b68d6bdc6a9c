/** Independent signature verifiers for tests (not the code path that produced the signature). */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { schnorr, secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import { p256, p256_FROST } from '@noble/curves/nist.js';

const secp256k1Point = secp256k1.Point;
const p256Point = p256.Point;

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
    case 'ecdsa-secp256k1':
    case 'ecdsa-p256':
      return opensslVerifyEcdsa(scheme, publicKeyHex, message, signatureHex);
    default:
      throw new Error(`no verifier for ${scheme}`);
  }
}

/** ECDSA over SHA-256 with OpenSSL (node:crypto): r‖s (IEEE P1363) and DER forms. */
export function opensslVerifyEcdsa(scheme: 'ecdsa-secp256k1' | 'ecdsa-p256', publicKeyHex: string, message: Uint8Array, signatureHex: string, derHex?: string): boolean {
  const crv = scheme === 'ecdsa-secp256k1' ? 'secp256k1' : 'P-256';
  const point = scheme === 'ecdsa-secp256k1' ? secp256k1Point.fromHex(publicKeyHex) : p256Point.fromHex(publicKeyHex);
  const aff = point.toAffine();
  const b64 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv, x: b64(aff.x), y: b64(aff.y) }, format: 'jwk' });
  const ok = nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signatureHex, 'hex'));
  if (!derHex) return ok;
  return ok && nodeVerify('sha256', message, { key, dsaEncoding: 'der' }, Buffer.from(derHex, 'hex'));
}
