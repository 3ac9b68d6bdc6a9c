/**
 * Verification of finished signatures on a server or SDK running on Node: OpenSSL for Ed25519 and
 * P-256, libsecp256k1 (WASM, tiny-secp256k1) for secp256k1 ECDSA — 5–20× faster than the pure-JS
 * verifiers of the suites. Same acceptance rules as `getSuite(scheme).verify` for every
 * signature our protocols output (test/signature-verify.test.ts compares the two, also on
 * tampered signatures): low s for ECDSA, canonical S < L for Ed25519 (OpenSSL checks it).
 * Schemes without a faster path (FROST secp256k1/P-256, BIP340) return `undefined`: the caller
 * uses the suite's verifier.
 */
import { createPublicKey, verify as osslVerify, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as tiny from 'tiny-secp256k1';

const SPKI_PREFIX = {
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  p256: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
};
const keys = new Map<string, KeyObject>();
const KEYS_MAX = 4096;

function publicKeyObject(kind: 'ed25519' | 'p256', publicKey: Uint8Array): KeyObject {
  const id = kind + Buffer.from(publicKey).toString('hex');
  let k = keys.get(id);
  if (k === undefined) {
    const raw = kind === 'p256' ? p256.Point.fromBytes(publicKey).toBytes(false) : publicKey;
    k = createPublicKey({ key: Buffer.concat([SPKI_PREFIX[kind], raw]), format: 'der', type: 'spki' });
    if (keys.size >= KEYS_MAX) keys.delete(keys.keys().next().value!);
    keys.set(id, k);
  }
  return k;
}

const P256_HALF_N = p256.Point.Fn.ORDER >> 1n;

function highS(signature: Uint8Array): boolean {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i]!);
  return s > P256_HALF_N;
}

/**
 * true/false when this module verifies `scheme`, undefined otherwise. Inputs in the suites'
 * encodings (64-byte signatures; 32-byte Ed25519 keys, 33-byte compressed ECDSA keys).
 */
export function nodeVerifySignature(scheme: string, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean | undefined {
  if (scheme !== 'frost-ed25519' && scheme !== 'ecdsa-secp256k1' && scheme !== 'ecdsa-p256') return undefined;
  if (!(signature instanceof Uint8Array) || signature.length !== 64 || !(message instanceof Uint8Array) || !(publicKey instanceof Uint8Array)) return false;
  try {
    if (scheme === 'frost-ed25519') {
      if (publicKey.length !== 32) return false;
      return osslVerify(null, message, publicKeyObject('ed25519', publicKey), signature);
    }
    if (publicKey.length !== 33) return false;
    if (scheme === 'ecdsa-secp256k1') return tiny.verify(sha256(message), publicKey, signature, true);
    if (highS(signature)) return false;
    return osslVerify('sha256', message, { key: publicKeyObject('p256', publicKey), dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
