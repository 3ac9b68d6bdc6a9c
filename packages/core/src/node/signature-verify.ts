/**
 * Verification of finished signatures on a server or SDK running on Node: OpenSSL for Ed25519 and
 * P-256, libsecp256k1 (native addon, else WASM: ./secp256k1.ts) for secp256k1 ECDSA — 5–20× faster than the pure-JS
 * verifiers of the suites. Same acceptance rules as `getSuite(scheme).verify` for every
 * signature our protocols output (test/signature-verify.test.ts compares the two, also on
 * tampered signatures): low s for ECDSA, canonical S < L for Ed25519 (OpenSSL checks it).
 * Schemes without a faster path (FROST secp256k1/P-256, BIP340) return `undefined`: the caller
 * uses the suite's verifier.
 */
import { createPublicKey, verify as osslVerify, type KeyObject } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { p256PublicKey } from './p256-key.js';
import { secp256k1Ops } from './secp256k1.js';

/** SPKI DER prefix of an Ed25519 key (the 32-byte key follows). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ed25519Keys = new Map<string, KeyObject>();
const ED25519_KEYS_MAX = 4096;

function ed25519PublicKey(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let k = ed25519Keys.get(id);
  if (k === undefined) {
    k = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (ed25519Keys.size >= ED25519_KEYS_MAX) ed25519Keys.delete(ed25519Keys.keys().next().value!);
    ed25519Keys.set(id, k);
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
      return osslVerify(null, message, ed25519PublicKey(publicKey), signature);
    }
    if (publicKey.length !== 33) return false;
    if (scheme === 'ecdsa-secp256k1') return secp256k1Ops.verify(sha256(message), publicKey, signature);
    if (highS(signature)) return false;
    return osslVerify('sha256', message, { key: p256PublicKey(publicKey), dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
