/**
 * P-256 public keys as OpenSSL KeyObjects (SubjectPublicKeyInfo DER), shared by the signature
 * verifier (signature-verify.ts) and the honest-majority ECDSA back-end (ecdsa-arithmetic.ts).
 * Keys are cached by their SEC1 encoding (bounded, oldest evicted first), so that a hot group key
 * is parsed once; one-off keys (tweaked, derived) can skip the cache.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';

/** SPKI DER prefix of a P-256 key (ecPublicKey, prime256v1) whose BIT STRING holds a 65-byte SEC1 uncompressed point. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
const cache = new Map<string, KeyObject>();
const CACHE_MAX = 4096;

/**
 * The KeyObject of a P-256 public key given as SEC1 bytes: 65-byte uncompressed, or 33-byte
 * compressed (decompressed and validated by noble; throws on an invalid point). `cached: false`
 * for keys used once.
 */
export function p256PublicKey(sec1: Uint8Array, cached = true): KeyObject {
  const make = (): KeyObject => {
    const uncompressed = sec1.length === 65 ? sec1 : p256.Point.fromBytes(sec1).toBytes(false);
    return createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, uncompressed]), format: 'der', type: 'spki' });
  };
  if (!cached) return make();
  const id = Buffer.from(sec1).toString('hex');
  let k = cache.get(id);
  if (k === undefined) {
    k = make();
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(id, k);
  }
  return k;
}
