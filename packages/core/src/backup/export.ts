/**
 * Export of re-randomised shares wrapped to a recipient key (verifiable-backup.md §14).
 *
 * The exported shares are shares of a FRESH sharing of the same key: the quorum S (|S| ≥ k) adds
 * a joint sharing of zero to its shares, so exported and live shares lie on independent
 * polynomials, and the key is never whole in transit.
 *
 *   round 1, every node j ∈ S:  createExportZeroSharing({ key, quorum })
 *       → commitments Z_{j,1..k−1} (broadcast reliably, A3) and z_j(m) for each m ∈ S (sent to m
 *         over the encrypted peer channel, A4). The constant term is implicitly 0 (never sent).
 *   round 2, every node m ∈ S:  wrapShareForExport({ key, …, rerandomization })
 *       → checks every z_j(m) against Z_j (Feldman, culprit j), computes
 *         x'_m = x_m + Σ_j z_j(m) (+ tweak), X'_m, PK', and seals x'_m with ordinary randomised
 *         HPKE to the recipient. The node must not store x'_m or any z.
 *   coordinator:                assembleExportFile(...) → ExportFile (recomputes every X'_m)
 *   recipient (offline):        combineExport(file, recipientSecretKey) → the private key, or
 *                               unwrapExportShares(...) → the k-of-|S| shares one by one.
 *
 * Gate (H1, the caller's job): export feature flag + policy + an application-signed request
 * {exportId (fresh, single-use), keyId, epoch, quorum, recipient key (whitelisted), path}
 * verified by every node itself (A6).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { equalBytes } from '../math/bytes.js';
import { evalCommitment, evalPolynomial, randomPolynomial } from '../math/polynomial.js';
import { u16be as u16, u32be as u32 } from '../math/transcript.js';
import type { KeyShare, PublicKeyPackage } from '../protocols/key-share.js';
import { getSuite, type GroupPoint, type Scheme, type Suite } from '../suites/index.js';
import { checkParties, checkedEpoch, interpolateScalars, recordInconsistency } from './common.js';
import { createHpkeOpener, createHpkeSealer, hpkePublicKey, inferHpkeSuite, isBackupSuite, validateHpkePublicKey, type BackupSuite } from './hpke.js';
import { lp } from './proof.js';

const EMPTY = new Uint8Array(0);

function encodeSet(s: readonly PartyId[]): Uint8Array {
  return concatBytes(...s.map(u16));
}

/** Output of round 1 for dealer j. */
export interface ExportZeroSharing {
  readonly dealer: PartyId;
  /** Z_{j,l} = a_{j,l}·G for l = 1..k−1 (public; broadcast reliably, A3). */
  readonly commitments: readonly Uint8Array[];
  /** z_j(m) for every m ∈ S, suite scalar encoding (SECRET: send each to m over the encrypted peer channel; keep your own). */
  readonly shares: Readonly<Record<PartyId, Uint8Array>>;
}

/** Round inputs of node m: what it received from every dealer j ∈ S (itself included). */
export interface ExportRerandomization {
  /** Z_{j,1..k−1} of every j ∈ S. */
  readonly commitments: Readonly<Record<PartyId, readonly Uint8Array[]>>;
  /** z_j(m) from every j ∈ S. SECRET. */
  readonly shares: Readonly<Record<PartyId, Uint8Array>>;
}

function checkQuorum(suite: Suite, key: PublicKeyPackage, quorum: readonly PartyId[]): PartyId[] {
  const S = checkParties(suite, quorum, ErrorCode.INVALID_EXPORT);
  if (!S.every((p, i) => p === quorum[i])) throw new ProtocolError(ErrorCode.INVALID_EXPORT, 'quorum must be listed in ascending order');
  for (const p of S) if (!key.parties.includes(p)) throw new ProtocolError(ErrorCode.INVALID_EXPORT, `quorum member ${p} holds no share of the key`);
  if (S.length < key.threshold) throw new ProtocolError(ErrorCode.INVALID_EXPORT, `the quorum needs at least k = ${key.threshold} players`);
  return S;
}

/**
 * Round 1 (§14 step 1): a random polynomial z_j(Z) = a_1·Z + … + a_{k−1}·Z^{k−1} with z_j(0) = 0,
 * its commitments and its value at every quorum member.
 */
export function createExportZeroSharing(p: { readonly key: KeyShare; readonly quorum: readonly PartyId[] }): ExportZeroSharing {
  const suite = getSuite(p.key.scheme);
  const S = checkQuorum(suite, p.key, p.quorum);
  if (!S.includes(p.key.self)) throw new ProtocolError(ErrorCode.INVALID_EXPORT, 'this node is not in the export quorum');
  const coeffs = randomPolynomial(suite, 0n, p.key.threshold - 1);
  const commitments = coeffs.slice(1).map((a) => suite.encodePoint(suite.G.multiply(a)));
  const shares: Record<PartyId, Uint8Array> = {};
  for (const m of S) shares[m] = suite.encodeScalar(evalPolynomial(suite, coeffs, BigInt(m)));
  coeffs.fill(0n);
  return { dealer: p.key.self, commitments, shares };
}

/**
 * Hash of every dealer's commitments (bound into each wrap's HPKE info):
 * SHA-256(lp("OpenTSM/export/v1/commitments") ‖ Π_{j∈S ascending} lp(u16(j)) ‖ lp(Z_{j,1}) ‖ … ‖ lp(Z_{j,k−1})).
 */
export function exportCommitmentsHash(quorum: readonly PartyId[], commitments: Readonly<Record<PartyId, readonly Uint8Array[]>>): Uint8Array {
  const h = sha256.create();
  h.update(lp(utf8ToBytes('OpenTSM/export/v1/commitments')));
  for (const j of quorum) {
    h.update(lp(u16(j)));
    for (const Z of commitments[j] ?? []) h.update(lp(Z));
  }
  return h.digest();
}

/**
 * info = "OpenTSM/export/v1" ‖ SHA-256(lp(exportId) ‖ lp(keyId) ‖ u32(epoch) ‖ u16(m) ‖ lp(S) ‖ lp(X'_m) ‖ lp(PK') ‖ lp(commitments hash)).
 */
export function exportInfo(a: { exportId: string; keyId: string; epoch: number; player: PartyId; quorum: readonly PartyId[]; verifyingShare: Uint8Array; groupKey: Uint8Array; commitmentsHash: Uint8Array }): Uint8Array {
  const digest = sha256(
    concatBytes(lp(utf8ToBytes(a.exportId)), lp(utf8ToBytes(a.keyId)), u32(a.epoch), u16(a.player), lp(encodeSet(a.quorum)), lp(a.verifyingShare), lp(a.groupKey), lp(a.commitmentsHash)),
  );
  return concatBytes(utf8ToBytes('OpenTSM/export/v1'), digest);
}

/** Decode every dealer's commitments: exactly k − 1 valid non-identity points (culprit j otherwise). */
function decodeCommitments(suite: Suite, k: number, quorum: readonly PartyId[], commitments: Readonly<Record<PartyId, readonly Uint8Array[]>>): Map<PartyId, GroupPoint[]> {
  const out = new Map<PartyId, GroupPoint[]>();
  for (const j of quorum) {
    const c = commitments[j];
    if (!Array.isArray(c) || c.length !== k - 1) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LENGTH, `dealer ${j} sent ${Array.isArray(c) ? c.length : 'no'} commitments, expected k − 1 = ${k - 1}`, [j]);
    try {
      // Z_{j,0} is the identity implicitly: it is never sent, so a dealer cannot shift the secret.
      out.set(j, [suite.ZERO, ...c.map((b) => suite.decodePoint(b))]);
    } catch {
      throw new ProtocolError(ErrorCode.INVALID_POINT, `dealer ${j} sent an invalid commitment`, [j]);
    }
  }
  for (const j of Object.keys(commitments).map(Number)) if (!quorum.includes(j)) throw new ProtocolError(ErrorCode.INVALID_EXPORT, `commitments from ${j}, who is not in the quorum`, [j]);
  return out;
}

/** X'_m = X_m + Σ_j Σ_l m^l·Z_{j,l} + t·G. */
function exportedVerifyingShare(suite: Suite, Xm: GroupPoint, m: PartyId, Z: ReadonlyMap<PartyId, GroupPoint[]>, tweak: bigint): GroupPoint {
  let acc = Xm;
  for (const c of Z.values()) acc = acc.add(evalCommitment(suite, c, BigInt(m)));
  return tweak === 0n ? acc : acc.add(suite.G.multiplyUnsafe(tweak));
}

function decodeTweak(suite: Suite, tweak: Uint8Array | undefined): bigint {
  if (tweak === undefined) return 0n;
  try {
    return suite.decodeScalar(tweak);
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_EXPORT, 'the derivation tweak is not a canonical scalar');
  }
}

export interface WrapShareForExportParams {
  /** This node's key share (self ∈ quorum). */
  readonly key: KeyShare;
  readonly keyId: string;
  /** Fresh, single-use id of the signed export request. */
  readonly exportId: string;
  /** Default: the key's epoch counter; when given it must equal it (INVALID_PARAMETERS). */
  readonly epoch?: number;
  /** S, ascending, |S| ≥ k. */
  readonly quorum: readonly PartyId[];
  readonly recipientPublicKey: Uint8Array;
  /** Default: inferred from the recipient key's length. */
  readonly suite?: BackupSuite;
  /** Round-1 output of every member of S, as received. */
  readonly rerandomization: ExportRerandomization;
  /**
   * Optional non-hardened derivation: the sum t of the IL values of the path (suite scalar
   * encoding), added to every share (Lagrange coefficients sum to 1, so the secret shifts by t).
   */
  readonly tweak?: Uint8Array;
}

/** One node's wrapped share (public: safe to hand to the coordinator). */
export interface WrappedExportShare {
  readonly player: PartyId;
  /** X'_m = x'_m·G. */
  readonly verifyingShare: Uint8Array;
  readonly recipientPublicKey: Uint8Array;
  /** HPKE enc ‖ ct of x'_m (suite scalar encoding). */
  readonly ciphertext: Uint8Array;
}

/** Round 2 (§14 step 2) at node m. Never stores x'_m. */
export function wrapShareForExport(p: WrapShareForExportParams): WrappedExportShare {
  const key = p.key;
  const suite = getSuite(key.scheme);
  const suiteName = p.suite ?? inferHpkeSuite(p.recipientPublicKey);
  if (!isBackupSuite(suiteName)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `unknown HPKE suite '${String(suiteName)}'`);
  validateHpkePublicKey(suiteName, p.recipientPublicKey);
  if (typeof p.exportId !== 'string' || p.exportId.length === 0 || typeof p.keyId !== 'string' || p.keyId.length === 0)
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'exportId and keyId must be non-empty strings');
  const S = checkQuorum(suite, key, p.quorum);
  const m = key.self;
  if (!S.includes(m)) throw new ProtocolError(ErrorCode.INVALID_EXPORT, 'this node is not in the export quorum');
  const epoch = checkedEpoch(key, p.epoch);
  const Z = decodeCommitments(suite, key.threshold, S, p.rerandomization.commitments);
  const Fn = suite.Fn;
  let x = suite.decodeNonZeroScalar(key.secretShare);
  for (const j of S) {
    const zb = p.rerandomization.shares[j];
    let z: bigint;
    try {
      if (!(zb instanceof Uint8Array)) throw new Error('missing');
      z = suite.decodeScalar(zb);
    } catch {
      throw new ProtocolError(ErrorCode.INVALID_SHARE, `dealer ${j} sent no valid zero-share`, [j]);
    }
    // Feldman: z_j(m)·G = Σ_l m^l·Z_{j,l}.
    const expected = evalCommitment(suite, Z.get(j)!, BigInt(m));
    const ok = z === 0n ? expected.is0() : suite.G.multiply(z).equals(expected);
    if (!ok) throw new ProtocolError(ErrorCode.INVALID_SHARE, `zero-share from dealer ${j} does not match its commitments`, [j]);
    x = Fn.add(x, z);
  }
  const t = decodeTweak(suite, p.tweak);
  x = Fn.add(x, t);
  if (x === 0n) throw new ProtocolError(ErrorCode.INVALID_EXPORT, 'the re-randomised share is zero (retry the export)');
  const Xm = suite.decodePoint(key.verifyingShares[m]!);
  const XmPrime = exportedVerifyingShare(suite, Xm, m, Z, t);
  if (!suite.G.multiply(x).equals(XmPrime)) throw new ProtocolError(ErrorCode.INVALID_EXPORT, 'the share does not match the key record');
  const PK = suite.decodePoint(key.groupKey);
  const PKPrime = t === 0n ? PK : PK.add(suite.G.multiplyUnsafe(t));
  const verifyingShare = suite.encodePoint(XmPrime);
  const info = exportInfo({
    exportId: p.exportId,
    keyId: p.keyId,
    epoch,
    player: m,
    quorum: S,
    verifyingShare,
    groupKey: suite.encodePoint(PKPrime),
    commitmentsHash: exportCommitmentsHash(S, p.rerandomization.commitments),
  });
  const pt = suite.encodeScalar(x);
  let ciphertext: Uint8Array;
  try {
    ciphertext = createHpkeSealer(suiteName, p.recipientPublicKey, info).seal(EMPTY, pt);
  } finally {
    pt.fill(0);
  }
  return { player: m, verifyingShare, recipientPublicKey: p.recipientPublicKey, ciphertext };
}

// ---------------------------------------------------------------------------------------------
// The export file and the recipient

/** Everything the recipient needs (serialised by `serializeExportFile`). */
export interface ExportFile {
  readonly version: 1;
  readonly scheme: Scheme;
  readonly keyId: string;
  readonly exportId: string;
  readonly epoch: number;
  readonly threshold: number;
  /** S, ascending. */
  readonly quorum: readonly PartyId[];
  /** PK of the live key (element encoding). */
  readonly groupKey: Uint8Array;
  /** X_m of the live key for every m ∈ S. */
  readonly verifyingShares: Readonly<Record<PartyId, Uint8Array>>;
  /** Derivation tweak t (absent = none). */
  readonly tweak?: Uint8Array;
  /** PK' = PK + t·G (element encoding): the exported key. */
  readonly exportedGroupKey: Uint8Array;
  /** External encoding of PK'. */
  readonly publicKey: Uint8Array;
  /** Chain code handed over with the key, when the request asked for it. */
  readonly chainCode?: Uint8Array;
  /** Z_{j,1..k−1} of every j ∈ S. */
  readonly commitments: Readonly<Record<PartyId, readonly Uint8Array[]>>;
  readonly suite: BackupSuite;
  /** One wrapped share per member of S that answered (ascending). */
  readonly shares: readonly WrappedExportShare[];
}

/** Problems with an export file (public checks; no decryption). Empty when consistent. */
export function exportFileProblems(f: ExportFile): string[] {
  const problems: string[] = [];
  let suite: Suite;
  try {
    suite = getSuite(f.scheme);
  } catch {
    return [`unknown scheme '${String(f.scheme)}'`];
  }
  if (!isBackupSuite(f.suite)) return [`unknown HPKE suite '${String(f.suite)}'`];
  let S: PartyId[];
  try {
    S = checkParties(suite, f.quorum, ErrorCode.INVALID_EXPORT);
  } catch (e) {
    return [e instanceof Error ? e.message : 'invalid quorum'];
  }
  if (!S.every((p, i) => p === f.quorum[i])) problems.push('quorum must be ascending');
  if (!Number.isInteger(f.threshold) || f.threshold < 1 || f.threshold > S.length) return [...problems, 'threshold must satisfy 1 ≤ k ≤ |S|'];
  let PK: GroupPoint;
  const Xs = new Map<PartyId, GroupPoint>();
  let Z: Map<PartyId, GroupPoint[]>;
  let t: bigint;
  try {
    PK = suite.decodePoint(f.groupKey);
    for (const m of S) Xs.set(m, suite.decodePoint(f.verifyingShares[m]!));
    Z = decodeCommitments(suite, f.threshold, S, f.commitments);
    t = decodeTweak(suite, f.tweak);
  } catch (e) {
    return [...problems, e instanceof Error ? e.message : 'invalid point'];
  }
  const inconsistent = recordInconsistency(suite, f.threshold, S, PK, Xs);
  if (inconsistent !== null) problems.push(inconsistent);
  const PKPrime = t === 0n ? PK : PK.add(suite.G.multiplyUnsafe(t));
  if (PKPrime.is0() || !equalBytes(suite.encodePoint(PKPrime), f.exportedGroupKey)) problems.push('exportedGroupKey is not PK + t·G');
  else if (!equalBytes(suite.encodePublicKey(PKPrime), f.publicKey)) problems.push('publicKey is not the external encoding of exportedGroupKey');
  const seen = new Set<PartyId>();
  for (const s of f.shares) {
    if (!S.includes(s.player) || seen.has(s.player)) {
      problems.push(`share of player ${s.player} is not from a distinct quorum member`);
      continue;
    }
    seen.add(s.player);
    try {
      validateHpkePublicKey(f.suite, s.recipientPublicKey);
    } catch {
      problems.push(`share of player ${s.player}: invalid recipient key`);
    }
    const expected = exportedVerifyingShare(suite, Xs.get(s.player)!, s.player, Z, t);
    if (expected.is0() || !equalBytes(suite.encodePoint(expected), s.verifyingShare)) problems.push(`share of player ${s.player}: X'_m does not match the commitments`);
  }
  if (f.shares.length < f.threshold) problems.push(`only ${f.shares.length} shares, k = ${f.threshold} are needed`);
  return problems;
}

export interface AssembleExportFileParams {
  readonly key: PublicKeyPackage;
  readonly keyId: string;
  readonly exportId: string;
  /** Default: the key's epoch counter; when given it must equal it (INVALID_PARAMETERS). */
  readonly epoch?: number;
  readonly quorum: readonly PartyId[];
  readonly commitments: Readonly<Record<PartyId, readonly Uint8Array[]>>;
  readonly tweak?: Uint8Array;
  readonly suite?: BackupSuite;
  readonly shares: readonly WrappedExportShare[];
  /** Include the key's chain code (only when the request asked for it). */
  readonly chainCode?: Uint8Array;
}

/** Collect the nodes' wrapped shares into an ExportFile; throws INVALID_EXPORT (culprits named) when inconsistent. */
export function assembleExportFile(p: AssembleExportFileParams): ExportFile {
  const suite = getSuite(p.key.scheme);
  const S = checkQuorum(suite, p.key, p.quorum);
  const t = decodeTweak(suite, p.tweak);
  const PK = suite.decodePoint(p.key.groupKey);
  const PKPrime = t === 0n ? PK : PK.add(suite.G.multiplyUnsafe(t));
  const vs: Record<PartyId, Uint8Array> = {};
  for (const m of S) vs[m] = p.key.verifyingShares[m]!;
  const commitments: Record<PartyId, readonly Uint8Array[]> = {};
  for (const j of S) commitments[j] = p.commitments[j] ?? [];
  const file: ExportFile = {
    version: 1,
    scheme: p.key.scheme,
    keyId: p.keyId,
    exportId: p.exportId,
    epoch: checkedEpoch(p.key, p.epoch),
    threshold: p.key.threshold,
    quorum: S,
    groupKey: p.key.groupKey,
    verifyingShares: vs,
    ...(p.tweak !== undefined ? { tweak: p.tweak } : {}),
    exportedGroupKey: suite.encodePoint(PKPrime),
    publicKey: suite.encodePublicKey(PKPrime),
    ...(p.chainCode !== undefined ? { chainCode: p.chainCode } : {}),
    commitments,
    suite: p.suite ?? (p.shares[0] !== undefined ? inferHpkeSuite(p.shares[0].recipientPublicKey) : 'x25519'),
    shares: [...p.shares].sort((a, b) => a.player - b.player),
  };
  const problems = exportFileProblems(file);
  if (problems.length > 0) {
    const culprits = file.shares.filter((s) => problems.some((q) => q.startsWith(`share of player ${s.player}:`))).map((s) => s.player);
    throw new ProtocolError(ErrorCode.INVALID_EXPORT, `export rejected: ${problems.join('; ')}`, culprits);
  }
  return file;
}

/** A share opened by the recipient (x'_m·G = X'_m checked). */
export interface UnwrappedExportShare {
  readonly player: PartyId;
  /** x'_m, suite scalar encoding. SECRET. */
  readonly share: Uint8Array;
  readonly verifyingShare: Uint8Array;
}

function infoFor(f: ExportFile, s: WrappedExportShare): Uint8Array {
  return exportInfo({
    exportId: f.exportId,
    keyId: f.keyId,
    epoch: f.epoch,
    player: s.player,
    quorum: f.quorum,
    verifyingShare: s.verifyingShare,
    groupKey: f.exportedGroupKey,
    commitmentsHash: exportCommitmentsHash(f.quorum, f.commitments),
  });
}

/**
 * Recipient, share by share (§14 step 3): checks the file, opens every share wrapped to one of
 * `recipientSecretKeys` and checks x'_m·G = X'_m. Shares wrapped to other keys are skipped.
 * Throws INVALID_EXPORT for an inconsistent file or a share that opens to a wrong value, and
 * DECRYPTION_FAILED when a share addressed to our key does not open.
 */
export function unwrapExportShares(file: ExportFile, recipientSecretKeys: Uint8Array | readonly Uint8Array[]): UnwrappedExportShare[] {
  const problems = exportFileProblems(file);
  if (problems.length > 0) throw new ProtocolError(ErrorCode.INVALID_EXPORT, `export file rejected: ${problems.join('; ')}`);
  const suite = getSuite(file.scheme);
  const keys = (recipientSecretKeys instanceof Uint8Array ? [recipientSecretKeys] : [...recipientSecretKeys]).map((sk) => {
    if (!(sk instanceof Uint8Array)) throw new TypeError('recipient secret keys must be Uint8Arrays');
    try {
      return { sk, pk: hpkePublicKey(file.suite, sk) };
    } catch {
      throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, `not a valid ${file.suite} secret key`);
    }
  });
  const out: UnwrappedExportShare[] = [];
  try {
    for (const s of file.shares) {
      const k = keys.find((c) => equalBytes(c.pk, s.recipientPublicKey));
      if (k === undefined) continue;
      let pt: Uint8Array;
      try {
        pt = createHpkeOpener(file.suite, k.sk, infoFor(file, s)).open(s.ciphertext, EMPTY);
      } catch {
        throw new ProtocolError(ErrorCode.DECRYPTION_FAILED, `wrapped share of player ${s.player} does not open (corrupted or bound to another export)`, [s.player]);
      }
      let x: bigint;
      try {
        x = suite.decodeNonZeroScalar(pt);
      } catch {
        pt.fill(0);
        throw new ProtocolError(ErrorCode.INVALID_EXPORT, `wrapped share of player ${s.player} is not a valid scalar`, [s.player]);
      }
      if (!suite.G.multiply(x).equals(suite.decodePoint(s.verifyingShare))) {
        pt.fill(0);
        throw new ProtocolError(ErrorCode.INVALID_EXPORT, `wrapped share of player ${s.player} does not match X'_m`, [s.player]);
      }
      out.push({ player: s.player, share: pt, verifyingShare: s.verifyingShare });
    }
  } catch (e) {
    // Shares already opened are not returned: wipe them.
    for (const o of out) o.share.fill(0);
    throw e;
  }
  return out;
}

export interface CombinedExport {
  readonly scheme: Scheme;
  readonly keyId: string;
  readonly exportId: string;
  /** PK' (element encoding). */
  readonly groupKey: Uint8Array;
  /** External encoding of PK'. */
  readonly publicKey: Uint8Array;
  /** The exported private key (suite scalar encoding; Ed25519: raw little-endian scalar). SECRET. */
  readonly privateKey: Uint8Array;
  readonly chainCode?: Uint8Array;
  readonly players: readonly PartyId[];
}

/**
 * Recipient, whole key (§14 step 3, "only if a whole key is wanted"): unwrap, combine any k by
 * Lagrange and check the result against PK'. Only the holder of the recipient secret key(s) can
 * do this: with any other key it throws DECRYPTION_FAILED ("not the recipient").
 */
export function combineExport(file: ExportFile, recipientSecretKeys: Uint8Array | readonly Uint8Array[], opts: { readonly expectedPublicKey?: Uint8Array } = {}): CombinedExport {
  const shares = unwrapExportShares(file, recipientSecretKeys);
  if (shares.length < file.threshold) {
    for (const s of shares) s.share.fill(0);
    throw new ProtocolError(ErrorCode.DECRYPTION_FAILED, `only ${shares.length} of the k = ${file.threshold} shares are wrapped to the given key(s): not the recipient`);
  }
  const suite = getSuite(file.scheme);
  const chosen = shares.slice(0, file.threshold);
  const m = new Map<PartyId, bigint>(chosen.map((s) => [s.player, suite.decodeNonZeroScalar(s.share)]));
  const players = chosen.map((s) => s.player);
  const x = interpolateScalars(suite, m, players, 0n);
  for (const s of shares) s.share.fill(0);
  const PKPrime = suite.decodePoint(file.exportedGroupKey);
  if (x === 0n || !suite.G.multiply(x).equals(PKPrime)) throw new ProtocolError(ErrorCode.RECOVERED_KEY_MISMATCH, 'the combined key does not match the exported public key');
  if (opts.expectedPublicKey !== undefined && !equalBytes(opts.expectedPublicKey, file.publicKey) && !equalBytes(opts.expectedPublicKey, file.exportedGroupKey))
    throw new ProtocolError(ErrorCode.RECOVERED_KEY_MISMATCH, 'the export is for another public key than the expected one');
  return {
    scheme: file.scheme,
    keyId: file.keyId,
    exportId: file.exportId,
    groupKey: file.exportedGroupKey,
    publicKey: file.publicKey,
    privateKey: suite.encodeScalar(x),
    ...(file.chainCode !== undefined ? { chainCode: file.chainCode } : {}),
    players,
  };
}
