/**
 * secp256k1 on Node: libsecp256k1 (Bitcoin Core's library) as a native addon — the `secp256k1`
 * package (cryptocoinjs), prebuilt for linux/darwin/win x64 and otherwise built by node-gyp —
 * and the same library compiled to WASM (`tiny-secp256k1`, bitcoinjs) where no native build
 * loads. The addon is 4–6× faster than the WASM build (bench group ecdsa-hm, "arithmetic").
 *
 * Only the addon's binding entry (`secp256k1/bindings`) is loaded: the package's default entry
 * silently falls back to the pure-JS `elliptic` library when the addon is missing, which we never
 * want (variable time). Which back-end runs is visible as {@link secp256k1Ops}`.name`.
 *
 * Secret scalars go only to constant-time paths: k·G is secp256k1_ec_pubkey_create (ecmult_gen),
 * k·P is secp256k1_ec_pubkey_tweak_mul (ecmult_const). Verification is secp256k1_ecdsa_verify,
 * which accepts low s only.
 */
import { createRequire } from 'node:module';
import * as tiny from 'tiny-secp256k1';

export interface Secp256k1Ops {
  /** `libsecp256k1 (native)` or `libsecp256k1 (wasm)`. */
  readonly name: string;
  /** k·G as 65-byte SEC1 uncompressed; k is 32 bytes in [1, n) (throws otherwise). Constant time. */
  mulBase(k: Uint8Array): Uint8Array;
  /** k·P as 65-byte SEC1 uncompressed; P is 33 or 65 bytes, k in [1, n) (throws otherwise). Constant time in k. */
  mul(P: Uint8Array, k: Uint8Array): Uint8Array;
  /** ECDSA verification of a 32-byte hash under a 33/65-byte key; low s only; false on any malformed input. */
  verify(hash: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean;
  /** A 33-byte compressed point as 65-byte uncompressed; throws unless it is a valid curve point (x < p, on the curve). */
  decompress(P: Uint8Array): Uint8Array;
}

/** The part of the `secp256k1` package's API used here (it ships no types). */
interface NativeBinding {
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyTweakMul(pubkey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  publicKeyConvert(pubkey: Uint8Array, compressed: boolean): Uint8Array;
}

function loadNative(): NativeBinding | undefined {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as NativeBinding;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** libsecp256k1 as a native addon, or undefined where it does not load on this platform. */
export const nativeSecp256k1: Secp256k1Ops | undefined = native && {
  name: 'libsecp256k1 (native)',
  mulBase: (k) => native.publicKeyCreate(k, false),
  mul: (P, k) => native.publicKeyTweakMul(P, k, false),
  verify(hash, publicKey, signature) {
    try {
      return native.ecdsaVerify(signature, hash, publicKey);
    } catch {
      return false; // unparsable signature (r or s ≥ n) or key
    }
  },
  decompress: (P) => native.publicKeyConvert(P, false),
};

/** libsecp256k1 compiled to WASM (runs everywhere Node does). */
export const wasmSecp256k1: Secp256k1Ops = {
  name: 'libsecp256k1 (wasm)',
  mulBase(k) {
    const out = tiny.pointFromScalar(k, false);
    if (out === null) throw new Error('secp256k1: invalid scalar');
    return out;
  },
  mul(P, k) {
    const out = tiny.pointMultiply(P, k, false);
    if (out === null) throw new Error('secp256k1: result is the point at infinity');
    return out;
  },
  verify(hash, publicKey, signature) {
    try {
      return tiny.verify(hash, publicKey, signature, true);
    } catch {
      return false;
    }
  },
  decompress(P) {
    const out = tiny.pointCompress(P, false);
    if (out.length !== 65) throw new Error('secp256k1: not a point');
    return out;
  },
};

/** The fastest back-end that loads here. */
export const secp256k1Ops: Secp256k1Ops = nativeSecp256k1 ?? wasmSecp256k1;
