/**
 * Import of an existing key by client-side dealing with Feldman commitments
 * (verifiable-backup.md §15). The client is a single point of trust (H1): gate import behind a
 * flag and policy, audit it, and erase the key on the client afterwards.
 *
 *   client:      splitForImport({ scheme, privateKey, threshold, parties, nodeEncryptionKeys, keyId, chainCode? })
 *                → ImportRequest: commitments C_0..C_{k−1} (C_0 = PK), metadata, and one HPKE
 *                  ciphertext per node (info = importCtx, aad = u16(m)). Send the same bytes to
 *                  every node inside an application-signed request.
 *   node m:      acceptImportedShare(request, { self, nodeSecretKey, expectedPublicKey? })
 *                → the checks of §15 steps 2–5 and a KeyShare, plus importCtx and the message the
 *                  node signs for the agreement round (step 6: activate only when all n nodes
 *                  signed the same importCtx). Steps 1 (request signature, policy, unused
 *                  importId, new keyId), 6 and 7 are the server's job.
 *
 * Helpers: `ed25519ScalarFromSeed` (protocols.md §1.9).
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { equalBytes, randomBytes } from '../math/bytes.js';
import { commitPolynomial, evalCommitment, evalPolynomial, randomPolynomial } from '../math/polynomial.js';
import { lengthPrefixed, u16be as u16, u8 } from '../math/transcript.js';
import type { KeyShare } from '../protocols/key-share.js';
import { getSuite, type GroupPoint, type Scheme, type Suite } from '../suites/index.js';
import { decodePrivateScalar } from './common.js';
import { createHpkeOpener, createHpkeSealer, hpkePublicKey, inferHpkeSuite, isBackupSuite, validateHpkePublicKey, type BackupSuite } from './hpke.js';
import { curveIdOf, lp } from './proof.js';

const CHAIN_CODE_LENGTH = 32;


/** The public request of an import (identical bytes for every node). */
export interface ImportRequest {
  readonly version: 1;
  readonly scheme: Scheme;
  readonly keyId: string;
  /** Fresh, single-use id of this import. */
  readonly importId: string;
  readonly threshold: number;
  /** Always 1..n: the cluster's node indices (§15 step 1; n is what importCtx binds). */
  readonly parties: readonly PartyId[];
  /** HPKE suite of the node identity keys. */
  readonly suite: BackupSuite;
  /** PK = C_0, element encoding. */
  readonly publicKey: Uint8Array;
  /** C_0 … C_{k−1} (Feldman commitments to f). */
  readonly commitments: readonly Uint8Array[];
  /** SHA-256(chainCode). */
  readonly chainCodeHash: Uint8Array;
  /** Per node: the node key the share is encrypted to, and HPKE enc ‖ ct of Fn.toBytes(f(m)) ‖ chainCode. */
  readonly shares: Readonly<Record<PartyId, { readonly recipientPublicKey: Uint8Array; readonly ciphertext: Uint8Array }>>;
}

/**
 * importCtx = SHA-256(lp("OpenTSM/import/v1") ‖ lp(importId) ‖ lp(keyId) ‖ u8(curveId) ‖ lp(utf8(scheme))
 *                     ‖ u16(k) ‖ u16(n) ‖ lp(C_0) ‖ … ‖ lp(C_{k−1}) ‖ lp(SHA-256(chainCode)))
 *
 * Spec §15 step 4 plus lp(utf8(scheme)) (docs/protocols/backup.md §6): schemes share curve ids
 * (frost-secp256k1, frost-secp256k1-tr and ecdsa-secp256k1 are all curve 1), so without the
 * scheme two nodes given the same request with only `scheme` swapped would agree on importCtx
 * while storing different key records.
 */
export function importContext(a: { importId: string; keyId: string; scheme: Scheme; threshold: number; partyCount: number; commitments: readonly Uint8Array[]; chainCodeHash: Uint8Array }): Uint8Array {
  return sha256(
    concatBytes(
      lp(utf8ToBytes('OpenTSM/import/v1')),
      lp(utf8ToBytes(a.importId)),
      lp(utf8ToBytes(a.keyId)),
      u8(curveIdOf(a.scheme)),
      lp(utf8ToBytes(a.scheme)),
      u16(a.threshold),
      u16(a.partyCount),
      ...a.commitments.map(lp),
      lp(a.chainCodeHash),
    ),
  );
}

/** The bytes a node signs in the agreement round (§15 step 6): lengthPrefixed("OpenTSM/import/v1/share-ok", importCtx). */
export function importConfirmationMessage(importCtx: Uint8Array): Uint8Array {
  return lengthPrefixed([utf8ToBytes('OpenTSM/import/v1/share-ok'), importCtx]);
}

/**
 * RFC 8032 seed → the FROST(Ed25519) secret scalar (protocols.md §1.9): h = SHA-512(seed), clamp
 * h[0..32) as RFC 8032, s = LE(h[0..32)) mod q. Returns the 32-byte little-endian scalar encoding
 * (what `splitForImport` takes as `privateKey` for `frost-ed25519`). The prefix h[32..64) is
 * unused: FROST derives its nonces itself.
 */
export function ed25519ScalarFromSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError('an Ed25519 seed is 32 bytes');
  const h = sha512(seed);
  const a = h.slice(0, 32);
  a[0]! &= 248;
  a[31]! &= 127;
  a[31]! |= 64;
  const suite = getSuite('frost-ed25519');
  let v = 0n;
  for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(a[i]!);
  h.fill(0);
  a.fill(0);
  return suite.encodeScalar(v % suite.order);
}

export interface SplitForImportParams {
  readonly scheme: Scheme;
  /**
   * The key: the suite's scalar encoding (32 bytes big-endian for secp256k1 / P-256 — the usual
   * private key format; 32 bytes little-endian scalar for Ed25519, see `ed25519ScalarFromSeed`)
   * or a bigint in 1..q−1. For `frost-secp256k1-tr` it is the BIP341 internal key (see docs).
   */
  readonly privateKey: Uint8Array | bigint;
  readonly threshold: number;
  /** The cluster's indices: must be exactly 1..n. */
  readonly parties: readonly PartyId[];
  /** Each node's pinned HPKE identity public key. */
  readonly nodeEncryptionKeys: Readonly<Record<PartyId, Uint8Array>>;
  readonly keyId: string;
  /** Default: 16 random bytes, hex. */
  readonly importId?: string;
  /** Default: inferred from node 1's key length (32 → `x25519`, 65 → `p256`). */
  readonly suite?: BackupSuite;
  /** BIP32 chain code of the key (32 bytes). Absent: a random one (non-BIP32 import; see docs). */
  readonly chainCode?: Uint8Array;
}

function checkImportParties(parties: readonly PartyId[], code: ErrorCode): number {
  if (!Array.isArray(parties) || parties.length === 0 || parties.length > 0xffff) throw new ProtocolError(code, 'parties must be a non-empty list');
  parties.forEach((p, i) => {
    if (p !== i + 1) throw new ProtocolError(code, 'import parties must be exactly 1..n (the cluster indices bound by importCtx)');
  });
  return parties.length;
}

/**
 * Client side (§15 steps 2–5): deal the key with a random polynomial f of degree k − 1,
 * commit, and encrypt f(m) ‖ chainCode to each node. The caller signs and sends the request,
 * then erases the key (step 7).
 */
export function splitForImport(p: SplitForImportParams): ImportRequest {
  const suite = getSuite(p.scheme);
  const suiteName = p.suite ?? inferHpkeSuite(p.nodeEncryptionKeys[1] ?? new Uint8Array(0));
  if (!isBackupSuite(suiteName)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `unknown HPKE suite '${String(suiteName)}'`);
  const n = checkImportParties(p.parties, ErrorCode.INVALID_PARAMETERS);
  if (!Number.isInteger(p.threshold) || p.threshold < 1 || p.threshold > n) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'threshold must satisfy 1 ≤ k ≤ n');
  if (typeof p.keyId !== 'string' || p.keyId.length === 0) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'keyId must be a non-empty string');
  const importId = p.importId ?? Array.from(randomBytes(16), (b) => b.toString(16).padStart(2, '0')).join('');
  if (typeof importId !== 'string' || importId.length === 0) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'importId must be a non-empty string');
  for (const m of p.parties) {
    const pk = p.nodeEncryptionKeys[m];
    if (!(pk instanceof Uint8Array)) throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, `no encryption key for node ${m}`);
    validateHpkePublicKey(suiteName, pk);
  }
  if (p.chainCode !== undefined && (!(p.chainCode instanceof Uint8Array) || p.chainCode.length !== CHAIN_CODE_LENGTH)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'chain code must be 32 bytes');
  const chainCode = p.chainCode ?? randomBytes(CHAIN_CODE_LENGTH);
  const x = decodePrivateScalar(suite, p.privateKey, ErrorCode.INVALID_PARAMETERS);
  const f = randomPolynomial(suite, x, p.threshold - 1);
  const C = commitPolynomial(suite, f).map((P) => suite.encodePoint(P));
  const chainCodeHash = sha256(chainCode);
  const ctx = importContext({ importId, keyId: p.keyId, scheme: p.scheme, threshold: p.threshold, partyCount: n, commitments: C, chainCodeHash });
  const shares: Record<PartyId, { recipientPublicKey: Uint8Array; ciphertext: Uint8Array }> = {};
  for (const m of p.parties) {
    const pk = p.nodeEncryptionKeys[m]!;
    const y = evalPolynomial(suite, f, BigInt(m));
    if (y === 0n) throw new ProtocolError(ErrorCode.INVALID_IMPORT, 'a share is zero (probability 2^-250): retry');
    const pt = concatBytes(suite.encodeScalar(y), chainCode);
    shares[m] = { recipientPublicKey: pk, ciphertext: createHpkeSealer(suiteName, pk, ctx).seal(u16(m), pt) };
    pt.fill(0);
  }
  f.fill(0n);
  if (p.chainCode === undefined) chainCode.fill(0);
  return { version: 1, scheme: p.scheme, keyId: p.keyId, importId, threshold: p.threshold, parties: [...p.parties], suite: suiteName, publicKey: C[0]!, commitments: C, chainCodeHash, shares };
}

export interface AcceptImportOptions {
  /** This node's index m. */
  readonly self: PartyId;
  /** This node's HPKE identity secret key. SECRET. */
  readonly nodeSecretKey: Uint8Array;
  /**
   * The public key the application expects the cluster to report for the imported key: the
   * KeyShare's `publicKey` (external encoding) or `groupKey` (element encoding). For every scheme
   * but `frost-secp256k1-tr` that is C_0; for Taproot it is the TapTweaked output key
   * Q = ±C_0 + t·G (x-only x(Q), or Q compressed), the key a wallet shows — not the internal key.
   */
  readonly expectedPublicKey?: Uint8Array;
}

export interface AcceptedImport {
  /** The node's new key share (epoch 0). Store it encrypted at rest, then back it up (§15 step 7). */
  readonly key: KeyShare;
  /** importCtx: every node must sign the same value before the key is activated (step 6). */
  readonly importCtx: Uint8Array;
  /** The bytes to sign for the agreement round. */
  readonly confirmation: Uint8Array;
}

const importError = (why: string, culprits: readonly PartyId[] = []): never => {
  throw new ProtocolError(ErrorCode.INVALID_IMPORT, `import rejected: ${why}`, culprits);
};

/**
 * Node side (§15 steps 2–5): every failure throws a ProtocolError with a stable code
 * (INVALID_COMMITMENT_LENGTH, INVALID_POINT, INVALID_GROUP_KEY, INVALID_RECIPIENT_KEY,
 * DECRYPTION_FAILED, INVALID_SCALAR / ZERO_SCALAR, INVALID_SHARE, INVALID_IMPORT).
 *
 * The KeyShare's verifying shares are X_j = Σ_l j^l·C_l; its chain code is the imported one.
 * For `frost-secp256k1-tr` the imported scalar is the BIP341 internal key P = C_0: like the DKG,
 * the node even-y-normalises P and adds the TapTweak, so the KeyShare holds the output key
 * Q = ±P + t·G (groupKey; publicKey = x(Q)) with shares ±f(m) + t, and `taprootInternalKey` = P.
 */
export function acceptImportedShare(req: ImportRequest, opts: AcceptImportOptions): AcceptedImport {
  if (req === null || typeof req !== 'object') throw new TypeError('import request must be an object');
  if (opts === null || typeof opts !== 'object' || !(opts.nodeSecretKey instanceof Uint8Array)) throw new TypeError('acceptImportedShare: opts.nodeSecretKey must be a Uint8Array');
  if (req.version !== 1) importError('unsupported version');
  let suite: Suite;
  try {
    suite = getSuite(req.scheme);
  } catch {
    return importError(`unknown scheme '${String(req.scheme)}'`);
  }
  if (!isBackupSuite(req.suite)) importError(`unknown HPKE suite '${String(req.suite)}'`);
  const n = checkImportParties(req.parties, ErrorCode.INVALID_IMPORT);
  const k = req.threshold;
  if (!Number.isInteger(k) || k < 1 || k > n) importError('threshold must satisfy 1 ≤ k ≤ n');
  const m = opts.self;
  if (!req.parties.includes(m)) importError(`node ${m} is not one of the parties`);
  if (typeof req.keyId !== 'string' || req.keyId.length === 0 || typeof req.importId !== 'string' || req.importId.length === 0) importError('keyId and importId must be non-empty strings');
  // Step 2: exactly k commitments, each a valid non-identity (torsion-free) point; C_0 = PK.
  if (!Array.isArray(req.commitments) || req.commitments.length !== k)
    throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LENGTH, `import rejected: expected exactly k = ${k} commitments`);
  let C: GroupPoint[];
  try {
    C = req.commitments.map((c) => suite.decodePoint(c));
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_POINT, 'import rejected: a commitment is not a valid group element');
  }
  if (!(req.publicKey instanceof Uint8Array) || !equalBytes(req.publicKey, req.commitments[0])) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, 'import rejected: C_0 is not the declared public key');
  // Suite adjustment of the group key (Taproot: even-y + TapTweak exactly as the DKG output;
  // identity elsewhere). Public, so computed before decryption: the expected key is compared
  // with the key the cluster will report (groupKey / publicKey of the KeyShare).
  const { negate, tweak } = suite.adjustDkgKey(C[0]!);
  const adjusted = negate || tweak !== 0n;
  const T = adjusted ? suite.G.multiplyUnsafe(tweak) : suite.ZERO;
  const adj = (P: GroupPoint): GroupPoint => (negate ? P.negate() : P).add(T);
  const PK = adjusted ? adj(C[0]!) : C[0]!;
  if (PK.is0()) importError('the adjusted group key is the identity');
  if (opts.expectedPublicKey !== undefined) {
    const e = opts.expectedPublicKey;
    if (!(e instanceof Uint8Array) || !(equalBytes(e, suite.encodePublicKey(PK)) || equalBytes(e, suite.encodePoint(PK))))
      throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, 'import rejected: the imported key is another public key than the expected one');
  }
  if (!(req.chainCodeHash instanceof Uint8Array) || req.chainCodeHash.length !== 32) importError('chainCodeHash must be 32 bytes');
  // Step 3: recompute importCtx, open our own ciphertext.
  const importCtx = importContext({ importId: req.importId, keyId: req.keyId, scheme: req.scheme, threshold: k, partyCount: n, commitments: req.commitments, chainCodeHash: req.chainCodeHash });
  const mine = req.shares?.[m];
  if (mine === undefined || !(mine.ciphertext instanceof Uint8Array)) return importError(`no share for node ${m}`);
  let ownPk: Uint8Array;
  try {
    ownPk = hpkePublicKey(req.suite, opts.nodeSecretKey);
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, `node secret key is not a valid ${req.suite} key`);
  }
  if (!(mine.recipientPublicKey instanceof Uint8Array) || !equalBytes(mine.recipientPublicKey, ownPk))
    throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, 'import rejected: the share is encrypted to another key than this node\'s identity key');
  let pt: Uint8Array;
  try {
    pt = createHpkeOpener(req.suite, opts.nodeSecretKey, importCtx).open(mine.ciphertext, u16(m));
  } catch {
    throw new ProtocolError(ErrorCode.DECRYPTION_FAILED, 'import rejected: the share does not decrypt under this import context');
  }
  let y: bigint;
  let chainCode: Uint8Array;
  try {
    if (pt.length !== suite.scalarLength + CHAIN_CODE_LENGTH) importError('decrypted share has the wrong length');
    y = suite.decodeNonZeroScalar(pt.subarray(0, suite.scalarLength)); // canonical and non-zero (B3, C2)
    chainCode = pt.slice(suite.scalarLength);
  } finally {
    pt.fill(0);
  }
  if (!equalBytes(sha256(chainCode), req.chainCodeHash)) importError('chain code does not match its hash');
  // Step 4: Feldman.
  if (!suite.G.multiply(y).equals(evalCommitment(suite, C, BigInt(m)))) throw new ProtocolError(ErrorCode.INVALID_SHARE, 'import rejected: the share does not match the commitments (Feldman check)');
  // Step 5: every X_j from the commitments; none may be the identity.
  const Xs = new Map<PartyId, GroupPoint>();
  for (const j of req.parties) {
    const X = evalCommitment(suite, C, BigInt(j));
    if (X.is0()) importError(`verifying share of node ${j} is the identity`);
    Xs.set(j, X);
  }
  // Suite adjustment of the share and verifying shares (see PK above).
  let share = y;
  if (adjusted) {
    share = suite.Fn.add(negate ? suite.Fn.neg(share) : share, tweak);
    if (share === 0n) importError('the adjusted share is zero');
    for (const [j, X] of Xs) {
      const Xa = adj(X);
      if (Xa.is0()) importError(`adjusted verifying share of node ${j} is the identity`);
      Xs.set(j, Xa);
    }
  }
  const verifyingShares: Record<PartyId, Uint8Array> = {};
  for (const [j, X] of Xs) verifyingShares[j] = suite.encodePoint(X);
  const key: KeyShare = {
    scheme: req.scheme,
    threshold: k,
    parties: [...req.parties],
    self: m,
    secretShare: suite.encodeScalar(share),
    groupKey: suite.encodePoint(PK),
    publicKey: suite.encodePublicKey(PK),
    verifyingShares,
    chainCode,
    ...(req.scheme === 'frost-secp256k1-tr' ? { taprootInternalKey: req.publicKey } : {}),
  };
  return { key, importCtx, confirmation: importConfirmationMessage(importCtx) };
}
