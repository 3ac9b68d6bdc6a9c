/**
 * HPKE (RFC 9180), base mode, single-shot, written on noble primitives (verifiable-backup.md §3.2, §5).
 *
 * KEMs: DHKEM(X25519, HKDF-SHA256) `0x0020` and DHKEM(P-256, HKDF-SHA256) `0x0010`.
 * KDF: HKDF-SHA256 `0x0001`. AEADs: AES-128-GCM `0x0001`, AES-256-GCM `0x0002`,
 * ChaCha20-Poly1305 `0x0003`. Two combinations are registered as backup / wrap suites:
 *
 * | name     | spec suite | KEM    | KDF    | AEAD   | public key            | enc ‖ ct of a 32-byte pt |
 * |----------|------------|--------|--------|--------|-----------------------|--------------------------|
 * | `x25519` | A (default)| 0x0020 | 0x0001 | 0x0003 | 32 bytes              | 80 bytes                 |
 * | `p256`   | B (HSM)    | 0x0010 | 0x0001 | 0x0002 | 65 bytes uncompressed | 113 bytes                |
 *
 * Randomised sealing (`hpkeSeal`) draws the ephemeral key from `crypto.getRandomValues` (through
 * `DeriveKeyPair(32 random bytes)`, which RFC 9180 §7.1.3 allows as `GenerateKeyPair`). The
 * deterministic sender `detSeal` (ephemeral key = `DeriveKeyPair(ikmE)`) exists only for the
 * verifiable-backup proof (pitfall P5): it is exported from this file for `proof.ts` and the
 * tests, and is deliberately NOT re-exported from the package index.
 *
 * Every ciphertext is a standard RFC 9180 `enc ‖ ct`; any RFC 9180 implementation opens it
 * (checked against `@hpke/core` in the tests, plus the RFC 9180 Appendix A known answers).
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { gcm } from '@noble/ciphers/aes.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, ProtocolError } from '../errors.js';
import { randomBytes } from '../math/bytes.js';

/** Names of the registered HPKE suites (spec §3.2: A = `x25519`, B = `p256`). */
export const BACKUP_SUITES = ['x25519', 'p256'] as const;
export type BackupSuite = (typeof BACKUP_SUITES)[number];

export const KEM_X25519_HKDF_SHA256 = 0x0020;
export const KEM_P256_HKDF_SHA256 = 0x0010;
export const KDF_HKDF_SHA256 = 0x0001;
export const AEAD_AES128_GCM = 0x0001;
export const AEAD_AES256_GCM = 0x0002;
export const AEAD_CHACHA20_POLY1305 = 0x0003;

/** An RFC 9180 ciphersuite (ids as in the IANA registry). */
export interface HpkeSuiteIds {
  readonly kem: number;
  readonly kdf: number;
  readonly aead: number;
}

/** Registered suites: A (X25519 + ChaCha20-Poly1305) and B (P-256 + AES-256-GCM). */
export const HPKE_SUITES: Readonly<Record<BackupSuite, HpkeSuiteIds>> = {
  x25519: { kem: KEM_X25519_HKDF_SHA256, kdf: KDF_HKDF_SHA256, aead: AEAD_CHACHA20_POLY1305 },
  p256: { kem: KEM_P256_HKDF_SHA256, kdf: KDF_HKDF_SHA256, aead: AEAD_AES256_GCM },
};

export function isBackupSuite(s: unknown): s is BackupSuite {
  return typeof s === 'string' && (BACKUP_SUITES as readonly string[]).includes(s);
}

/** The registered suite of a public key, by its length (32 → `x25519`, 65 → `p256`); throws INVALID_RECIPIENT_KEY otherwise. */
export function inferHpkeSuite(publicKey: Uint8Array): BackupSuite {
  if (publicKey instanceof Uint8Array && publicKey.length === 32) return 'x25519';
  if (publicKey instanceof Uint8Array && publicKey.length === 65) return 'p256';
  throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, 'HPKE public key must be 32 bytes (X25519) or 65 bytes (P-256 uncompressed)');
}

/** Resolve a suite name to its ids; throws INVALID_PARAMETERS for an unknown name. */
export function hpkeSuiteIds(suite: BackupSuite | HpkeSuiteIds): HpkeSuiteIds {
  if (typeof suite === 'object' && suite !== null) return suite;
  if (!isBackupSuite(suite)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `unknown HPKE suite '${String(suite)}' (expected x25519 or p256)`);
  return HPKE_SUITES[suite];
}

/** An HPKE error: AEAD failure, bad encapsulation or an invalid key. Never carries secret data. */
export class HpkeError extends ProtocolError {
  constructor(message: string, code: ErrorCode = ErrorCode.DECRYPTION_FAILED) {
    super(code, message);
  }
}

const HPKE_V1 = utf8ToBytes('HPKE-v1');
const EMPTY = new Uint8Array(0);

function i2osp(n: number, w: number): Uint8Array {
  const out = new Uint8Array(w);
  for (let i = w - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

// ---------------------------------------------------------------------------------------------
// KEMs (RFC 9180 §4.1, §7.1)

interface Kem {
  readonly id: number;
  readonly suiteId: Uint8Array;
  readonly Nsecret: number;
  readonly Nenc: number;
  readonly Npk: number;
  readonly Nsk: number;
  deriveKeyPair(ikm: Uint8Array): { sk: Uint8Array; pk: Uint8Array };
  publicKey(sk: Uint8Array): Uint8Array;
  /** DH(sk, pk); throws HpkeError on an invalid public key or an all-zero / identity result. */
  dh(sk: Uint8Array, pk: Uint8Array): Uint8Array;
  /** Validate a serialised public key (throws HpkeError INVALID_RECIPIENT_KEY). */
  validatePublicKey(pk: Uint8Array): void;
  validateSecretKey(sk: Uint8Array): void;
}

function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return extract(sha256, concatBytes(HPKE_V1, suiteId, utf8ToBytes(label), ikm), salt);
}

function labeledExpand(suiteId: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, L: number): Uint8Array {
  return expand(sha256, prk, concatBytes(i2osp(L, 2), HPKE_V1, suiteId, utf8ToBytes(label), info), L);
}

function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

const kemX25519: Kem = (() => {
  const suiteId = concatBytes(utf8ToBytes('KEM'), i2osp(KEM_X25519_HKDF_SHA256, 2));
  return {
    id: KEM_X25519_HKDF_SHA256,
    suiteId,
    Nsecret: 32,
    Nenc: 32,
    Npk: 32,
    Nsk: 32,
    deriveKeyPair(ikm) {
      const prk = labeledExtract(suiteId, EMPTY, 'dkp_prk', ikm);
      const sk = labeledExpand(suiteId, prk, 'sk', EMPTY, 32);
      prk.fill(0);
      return { sk, pk: x25519.getPublicKey(sk) };
    },
    publicKey: (sk) => x25519.getPublicKey(sk),
    dh(sk, pk) {
      if (pk.length !== 32) throw new HpkeError('invalid X25519 public key: expected 32 bytes', ErrorCode.INVALID_RECIPIENT_KEY);
      let z: Uint8Array;
      try {
        z = x25519.getSharedSecret(sk, pk);
      } catch {
        throw new HpkeError('X25519: low-order public key (all-zero shared secret)', ErrorCode.INVALID_RECIPIENT_KEY);
      }
      // RFC 9180 §7.1.4: abort on an all-zero DH output (noble already throws; checked again, P7).
      if (isAllZero(z)) throw new HpkeError('X25519: all-zero shared secret', ErrorCode.INVALID_RECIPIENT_KEY);
      return z;
    },
    validatePublicKey(pk) {
      if (!(pk instanceof Uint8Array) || pk.length !== 32) throw new HpkeError('invalid X25519 public key: expected 32 bytes', ErrorCode.INVALID_RECIPIENT_KEY);
      // A low-order u-coordinate makes every DH output zero: reject it now, not at seal time.
      const probe = new Uint8Array(32);
      probe[0] = 9;
      probe[31] = 0x40;
      try {
        if (isAllZero(x25519.getSharedSecret(probe, pk))) throw new Error('zero');
      } catch {
        throw new HpkeError('invalid X25519 public key: low-order point', ErrorCode.INVALID_RECIPIENT_KEY);
      }
    },
    validateSecretKey(sk) {
      if (!(sk instanceof Uint8Array) || sk.length !== 32) throw new HpkeError('invalid X25519 secret key: expected 32 bytes', ErrorCode.INVALID_RECIPIENT_KEY);
    },
  };
})();

const kemP256: Kem = (() => {
  const suiteId = concatBytes(utf8ToBytes('KEM'), i2osp(KEM_P256_HKDF_SHA256, 2));
  const Point = p256.Point;
  const Fn = Point.Fn;
  const decodeSk = (sk: Uint8Array): bigint => {
    if (!(sk instanceof Uint8Array) || sk.length !== 32) throw new HpkeError('invalid P-256 secret key: expected 32 bytes', ErrorCode.INVALID_RECIPIENT_KEY);
    let s = 0n;
    for (const b of sk) s = (s << 8n) | BigInt(b);
    if (s === 0n || s >= Fn.ORDER) throw new HpkeError('invalid P-256 secret key: out of range', ErrorCode.INVALID_RECIPIENT_KEY);
    return s;
  };
  const decodePk = (pk: Uint8Array) => {
    if (!(pk instanceof Uint8Array) || pk.length !== 65 || pk[0] !== 0x04)
      throw new HpkeError('invalid P-256 public key: expected 65-byte uncompressed SEC1', ErrorCode.INVALID_RECIPIENT_KEY);
    try {
      const P = Point.fromBytes(pk);
      P.assertValidity();
      if (P.is0()) throw new Error('identity');
      return P;
    } catch {
      throw new HpkeError('invalid P-256 public key: not a valid curve point', ErrorCode.INVALID_RECIPIENT_KEY);
    }
  };
  return {
    id: KEM_P256_HKDF_SHA256,
    suiteId,
    Nsecret: 32,
    Nenc: 65,
    Npk: 65,
    Nsk: 32,
    deriveKeyPair(ikm) {
      // RFC 9180 §7.1.3: rejection sampling over "candidate" with bitmask 0xff.
      const prk = labeledExtract(suiteId, EMPTY, 'dkp_prk', ikm);
      for (let counter = 0; counter <= 255; counter++) {
        const bytes = labeledExpand(suiteId, prk, 'candidate', i2osp(counter, 1), 32);
        let s = 0n;
        for (const b of bytes) s = (s << 8n) | BigInt(b);
        if (s !== 0n && s < Fn.ORDER) {
          prk.fill(0);
          return { sk: bytes, pk: Point.BASE.multiply(s).toBytes(false) };
        }
        bytes.fill(0);
      }
      prk.fill(0);
      throw new HpkeError('DeriveKeyPair: no valid candidate', ErrorCode.INVALID_PARAMETERS);
    },
    publicKey: (sk) => Point.BASE.multiply(decodeSk(sk)).toBytes(false),
    dh(sk, pk) {
      const P = decodePk(pk);
      const Z = P.multiply(decodeSk(sk));
      if (Z.is0()) throw new HpkeError('P-256: identity shared secret', ErrorCode.INVALID_RECIPIENT_KEY);
      return Z.toBytes(true).subarray(1);
    },
    validatePublicKey(pk) {
      decodePk(pk);
    },
    validateSecretKey(sk) {
      decodeSk(sk);
    },
  };
})();

function getKem(id: number): Kem {
  if (id === KEM_X25519_HKDF_SHA256) return kemX25519;
  if (id === KEM_P256_HKDF_SHA256) return kemP256;
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `unsupported HPKE KEM 0x${id.toString(16)}`);
}

// ---------------------------------------------------------------------------------------------
// AEADs (RFC 9180 §7.3)

interface Aead {
  readonly Nk: number;
  readonly Nn: number;
  readonly Nt: number;
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array;
}

function getAead(id: number): Aead {
  if (id === AEAD_CHACHA20_POLY1305)
    return { Nk: 32, Nn: 12, Nt: 16, seal: (k, n, a, p) => chacha20poly1305(k, n, a).encrypt(p), open: (k, n, a, c) => chacha20poly1305(k, n, a).decrypt(c) };
  if (id === AEAD_AES256_GCM) return { Nk: 32, Nn: 12, Nt: 16, seal: (k, n, a, p) => gcm(k, n, a).encrypt(p), open: (k, n, a, c) => gcm(k, n, a).decrypt(c) };
  if (id === AEAD_AES128_GCM) return { Nk: 16, Nn: 12, Nt: 16, seal: (k, n, a, p) => gcm(k, n, a).encrypt(p), open: (k, n, a, c) => gcm(k, n, a).decrypt(c) };
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `unsupported HPKE AEAD 0x${id.toString(16)}`);
}

// ---------------------------------------------------------------------------------------------
// Key schedule (RFC 9180 §5.1, mode_base)

interface Resolved {
  readonly ids: HpkeSuiteIds;
  readonly kem: Kem;
  readonly aead: Aead;
  readonly suiteId: Uint8Array;
}

function resolve(suite: BackupSuite | HpkeSuiteIds): Resolved {
  const ids = hpkeSuiteIds(suite);
  if (ids.kdf !== KDF_HKDF_SHA256) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `unsupported HPKE KDF 0x${ids.kdf.toString(16)}`);
  const kem = getKem(ids.kem);
  const aead = getAead(ids.aead);
  const suiteId = concatBytes(utf8ToBytes('HPKE'), i2osp(ids.kem, 2), i2osp(ids.kdf, 2), i2osp(ids.aead, 2));
  return { ids, kem, aead, suiteId };
}

/** The parts of the key schedule that depend only on (suite, info): cached per sealer/opener. */
function keyScheduleContext(r: Resolved, info: Uint8Array): Uint8Array {
  const pskIdHash = labeledExtract(r.suiteId, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = labeledExtract(r.suiteId, EMPTY, 'info_hash', info);
  return concatBytes(new Uint8Array([0]), pskIdHash, infoHash);
}

function extractAndExpand(kem: Kem, dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(kem.suiteId, EMPTY, 'eae_prk', dh);
  const sharedSecret = labeledExpand(kem.suiteId, prk, 'shared_secret', kemContext, kem.Nsecret);
  prk.fill(0);
  return sharedSecret;
}

/** Internal values of one base-mode setup (exposed for the RFC 9180 known-answer tests). */
export interface HpkeSetup {
  readonly enc: Uint8Array;
  readonly sharedSecret: Uint8Array;
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
}

function schedule(r: Resolved, ksc: Uint8Array, sharedSecret: Uint8Array): { key: Uint8Array; baseNonce: Uint8Array } {
  const secret = labeledExtract(r.suiteId, sharedSecret, 'secret', EMPTY);
  const out = {
    key: labeledExpand(r.suiteId, secret, 'key', ksc, r.aead.Nk),
    baseNonce: labeledExpand(r.suiteId, secret, 'base_nonce', ksc, r.aead.Nn),
  };
  secret.fill(0);
  return out;
}

function setupSender(r: Resolved, ksc: Uint8Array, pkR: Uint8Array, ikmE: Uint8Array): HpkeSetup {
  const { sk: skE, pk: enc } = r.kem.deriveKeyPair(ikmE);
  const dh = r.kem.dh(skE, pkR);
  const sharedSecret = extractAndExpand(r.kem, dh, concatBytes(enc, pkR));
  skE.fill(0);
  dh.fill(0);
  return { enc, sharedSecret, ...schedule(r, ksc, sharedSecret) };
}

// ---------------------------------------------------------------------------------------------
// Public API

/** An HPKE key pair in RFC 9180 serialisation (X25519: 32/32 bytes; P-256: 32-byte sk, 65-byte pk). */
export interface HpkeKeyPair {
  readonly suite: BackupSuite;
  /** SerializePrivateKey(sk). SECRET. */
  readonly secretKey: Uint8Array;
  /** SerializePublicKey(pk). */
  readonly publicKey: Uint8Array;
}

/** RFC 9180 DeriveKeyPair(ikm) for the suite's KEM (ikm should hold ≥ 32 bytes of entropy). */
export function hpkeDeriveKeyPair(suite: BackupSuite, ikm: Uint8Array): HpkeKeyPair {
  if (!(ikm instanceof Uint8Array)) throw new TypeError('ikm must be a Uint8Array');
  const { sk, pk } = resolve(suite).kem.deriveKeyPair(ikm);
  return { suite, secretKey: sk, publicKey: pk };
}

/** A fresh key pair: DeriveKeyPair of 32 bytes from crypto.getRandomValues. */
export function hpkeGenerateKeyPair(suite: BackupSuite): HpkeKeyPair {
  const ikm = randomBytes(32);
  const kp = hpkeDeriveKeyPair(suite, ikm);
  ikm.fill(0);
  return kp;
}

/** pk(sk) for a serialised secret key (validates the secret key). */
export function hpkePublicKey(suite: BackupSuite | HpkeSuiteIds, secretKey: Uint8Array): Uint8Array {
  const r = resolve(suite);
  r.kem.validateSecretKey(secretKey);
  return r.kem.publicKey(secretKey);
}

/** Validate a recipient public key (spec §3.2): exact length, on the curve, not low order. Throws INVALID_RECIPIENT_KEY. */
export function validateHpkePublicKey(suite: BackupSuite | HpkeSuiteIds, publicKey: Uint8Array): void {
  resolve(suite).kem.validatePublicKey(publicKey);
}

/** Length of `enc ‖ ct` for a plaintext of `ptLength` bytes. */
export function hpkeCiphertextLength(suite: BackupSuite | HpkeSuiteIds, ptLength: number): number {
  const r = resolve(suite);
  return r.kem.Nenc + ptLength + r.aead.Nt;
}

/** Operator key fingerprint (spec §3.2): SHA-256(u16(kem) ‖ u16(kdf) ‖ u16(aead) ‖ pkR). */
export function hpkeKeyFingerprint(suite: BackupSuite | HpkeSuiteIds, publicKey: Uint8Array): Uint8Array {
  const ids = hpkeSuiteIds(suite);
  return sha256(concatBytes(i2osp(ids.kem, 2), i2osp(ids.kdf, 2), i2osp(ids.aead, 2), publicKey));
}

/** A sealer bound to (suite, pkR, info): the info-dependent key-schedule part is computed once. */
export interface HpkeSealer {
  /** Randomised single-shot SealBase: `enc ‖ ct`. */
  seal(aad: Uint8Array, pt: Uint8Array): Uint8Array;
}

/** Deterministic-sender variant: only for the verifiable-backup proof (pitfall P5). */
export interface HpkeDetSealer {
  /** SealBase with (skE, pkE) = DeriveKeyPair(ikmE): `enc ‖ ct`. */
  detSeal(aad: Uint8Array, pt: Uint8Array, ikmE: Uint8Array): Uint8Array;
  /** The same, returning the intermediate values too (known-answer tests). */
  setup(ikmE: Uint8Array): HpkeSetup;
}

/** Seal with one sender setup, then wipe its secrets (shared secret, AEAD key, base nonce). */
function sealWith(r: Resolved, s: HpkeSetup, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  try {
    return concatBytes(s.enc, r.aead.seal(s.key, s.baseNonce, aad, pt));
  } finally {
    s.sharedSecret.fill(0);
    s.key.fill(0);
    s.baseNonce.fill(0);
  }
}

function makeSealer(suite: BackupSuite | HpkeSuiteIds, pkR: Uint8Array, info: Uint8Array): { r: Resolved; ksc: Uint8Array } {
  const r = resolve(suite);
  r.kem.validatePublicKey(pkR);
  return { r, ksc: keyScheduleContext(r, info) };
}

export function createHpkeSealer(suite: BackupSuite | HpkeSuiteIds, pkR: Uint8Array, info: Uint8Array): HpkeSealer {
  const { r, ksc } = makeSealer(suite, pkR, info);
  return {
    seal(aad, pt) {
      const ikmE = randomBytes(r.kem.Nsk);
      let s: HpkeSetup;
      try {
        s = setupSender(r, ksc, pkR, ikmE);
      } finally {
        ikmE.fill(0);
      }
      return sealWith(r, s, aad, pt);
    },
  };
}

/**
 * Deterministic sealer (spec §5 `DetSeal`). Internal to the backup module: not exported from the
 * package index. Its output is a standard HPKE ciphertext; only the ephemeral key is derived.
 */
export function createHpkeDetSealer(suite: BackupSuite | HpkeSuiteIds, pkR: Uint8Array, info: Uint8Array): HpkeDetSealer {
  const { r, ksc } = makeSealer(suite, pkR, info);
  return {
    detSeal(aad, pt, ikmE) {
      return sealWith(r, setupSender(r, ksc, pkR, ikmE), aad, pt);
    },
    setup: (ikmE) => setupSender(r, ksc, pkR, ikmE),
  };
}

/** An opener bound to (suite, skR, info). */
export interface HpkeOpener {
  /** OpenBase of `enc ‖ ct`; throws HpkeError (DECRYPTION_FAILED) on any failure. */
  open(ciphertext: Uint8Array, aad: Uint8Array): Uint8Array;
}

export function createHpkeOpener(suite: BackupSuite | HpkeSuiteIds, skR: Uint8Array, info: Uint8Array): HpkeOpener {
  const r = resolve(suite);
  r.kem.validateSecretKey(skR);
  const pkRm = r.kem.publicKey(skR);
  const ksc = keyScheduleContext(r, info);
  return {
    open(ciphertext, aad) {
      if (!(ciphertext instanceof Uint8Array) || ciphertext.length < r.kem.Nenc + r.aead.Nt) throw new HpkeError('HPKE open: ciphertext too short');
      const enc = ciphertext.subarray(0, r.kem.Nenc);
      let key: Uint8Array;
      let baseNonce: Uint8Array;
      let dh: Uint8Array | undefined;
      let ss: Uint8Array | undefined;
      try {
        // dh() validates enc (P-256: on-curve point; X25519: rejects an all-zero output).
        dh = r.kem.dh(skR, enc);
        ss = extractAndExpand(r.kem, dh, concatBytes(enc, pkRm));
        ({ key, baseNonce } = schedule(r, ksc, ss));
      } catch {
        throw new HpkeError('HPKE open: invalid encapsulated key');
      } finally {
        dh?.fill(0);
        ss?.fill(0);
      }
      try {
        return r.aead.open(key, baseNonce, aad, ciphertext.subarray(r.kem.Nenc));
      } catch {
        throw new HpkeError('HPKE open: authentication failed (wrong key, context or corrupted ciphertext)');
      } finally {
        key.fill(0);
        baseNonce.fill(0);
      }
    },
  };
}

/** Single-shot randomised SealBase (RFC 9180 §6.1): returns `enc ‖ ct`. */
export function hpkeSeal(suite: BackupSuite | HpkeSuiteIds, pkR: Uint8Array, info: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  return createHpkeSealer(suite, pkR, info).seal(aad, pt);
}

/** Single-shot OpenBase (RFC 9180 §6.1) of `enc ‖ ct`; throws HpkeError on failure. */
export function hpkeOpen(suite: BackupSuite | HpkeSuiteIds, skR: Uint8Array, ciphertext: Uint8Array, info: Uint8Array, aad: Uint8Array): Uint8Array {
  return createHpkeOpener(suite, skR, info).open(ciphertext, aad);
}
