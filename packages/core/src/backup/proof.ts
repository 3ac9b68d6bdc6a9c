/**
 * Publicly verifiable encryption of one key share (Camenisch–Damgård cut and choose, κ = 128
 * rows): the exact byte layout of verifiable-backup.md §3–8.
 *
 * - `prepareStatement(T)`   §3.3, §4: validate the trusted statement, build the header H and ctx.
 * - `proveBackup(T, x)`     §6: the blob B = H ‖ e ‖ row_0 ‖ … ‖ row_127.
 * - `verifyBackupBlob(T,B)` §7: null when B is valid for T, otherwise the reason (never throws on
 *                           malformed input; TypeError only for wrong argument types).
 * - `recoverShareFromBlob`  §8.1: Verify, then open every unopened branch until one yields x with
 *                           x·G = X_i (pitfall P3), reporting bad rows.
 *
 * The statement always comes from trusted state (key record + pinned operator key), never from
 * the blob (pitfall P1): the verifier rebuilds H from T and requires the blob to start with it.
 *
 * Internal module: `index.ts` re-exports only the statement type and the public helpers; the
 * row-level pieces are exported for the tests (fixed-seed and grinding tests).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { equalBytes, randomBytes } from '../math/bytes.js';
import { lengthPrefixed, u16be as u16, u32be as u32, u8 } from '../math/transcript.js';
import { getSuite, isScheme, type GroupPoint, type Scheme, type Suite } from '../suites/index.js';
import { createHpkeDetSealer, createHpkeOpener, hpkePublicKey, HPKE_SUITES, isBackupSuite, validateHpkePublicKey, type BackupSuite, type HpkeDetSealer, type HpkeSuiteIds } from './hpke.js';

/** κ: number of rows (parallel repetitions). Do not lower (spec §10.1). */
export const PVE_ROWS = 128;
/** Format version byte of the header (spec §4). */
export const PVE_VERSION = 1;
/** Length of the challenge e in bytes (128 bits). */
export const PVE_CHALLENGE_LENGTH = 16;
const SEED_LENGTH = 32;

/** Share curve ids of spec §3.1. */
export const CURVE_IDS = { secp256k1: 1, p256: 2, ed25519: 3 } as const;

/** Curve id of a scheme's share curve (secp256k1 = 1, P-256 = 2, Ed25519 = 3). */
export function curveIdOf(scheme: Scheme): number {
  switch (scheme) {
    case 'frost-secp256k1':
    case 'frost-secp256k1-tr':
    case 'ecdsa-secp256k1':
      return CURVE_IDS.secp256k1;
    case 'frost-p256':
    case 'ecdsa-p256':
      return CURVE_IDS.p256;
    case 'frost-ed25519':
      return CURVE_IDS.ed25519;
  }
}

/**
 * The statement T of spec §3.3. Every field must come from trusted state: the co-signed key
 * record (scheme, keyId, epoch, threshold, parties, groupKey, verifyingShare) and the pinned
 * operator key (suite, recipientPublicKey). Never from the backup itself (pitfall P1).
 */
export interface BackupStatement {
  readonly scheme: Scheme;
  /** The key id (UTF-8, bound into the header). */
  readonly keyId: string;
  /** Share generation: 0 after key generation / import, + 1 per refresh or reshare (u32). */
  readonly epoch: number;
  /** k (u16). */
  readonly threshold: number;
  /** n = number of players holding a share (u16). */
  readonly partyCount: number;
  /** The player i whose share is backed up (u16). */
  readonly player: PartyId;
  /** PK in the suite's element encoding (33-byte SEC1 compressed; Ed25519 32 bytes). */
  readonly groupKey: Uint8Array;
  /** X_i = x_i·G, element encoding. */
  readonly verifyingShare: Uint8Array;
  /** HPKE suite of the operator key (`x25519` = suite A, `p256` = suite B). */
  readonly suite: BackupSuite;
  /** pkR: the operator's HPKE public key (32 bytes X25519, 65 bytes uncompressed P-256). */
  readonly recipientPublicKey: Uint8Array;
}

/** A validated statement with its derived values (header, ctx, HPKE info, decoded points). */
export interface PreparedStatement {
  readonly T: BackupStatement;
  readonly suite: Suite;
  readonly hpke: HpkeSuiteIds;
  readonly header: Uint8Array;
  readonly ctx: Uint8Array;
  readonly info: Uint8Array;
  readonly X: GroupPoint;
  readonly PK: GroupPoint;
  /** Lc = Nenc + 32 + 16. */
  readonly ciphertextLength: number;
  readonly sealer: HpkeDetSealer;
}

// ---------------------------------------------------------------------------------------------
// Byte helpers (spec §3.4)

// u8 / u16 / u32 are math/transcript.ts's u8 / u16be / u32be (big-endian).

/** lp(x) = u32(len(x)) ‖ x (one field of `lengthPrefixed`). */
export function lp(x: Uint8Array): Uint8Array {
  return lengthPrefixed([x]);
}
function os2ip(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
/** bit_j(e): most significant bit first (spec §3.4). */
export function challengeBit(e: Uint8Array, j: number): 0 | 1 {
  return ((e[j >> 3]! >> (7 - (j & 7))) & 1) as 0 | 1;
}
/** aad(j, b) = u16(j) ‖ u8(b). */
export function rowAad(j: number, b: 0 | 1): Uint8Array {
  return concatBytes(u16(j), u8(b));
}

const isU16 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff;
const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

// ---------------------------------------------------------------------------------------------
// Statement, header and context (spec §3.3, §4, §5)

/** Thrown by `prepareStatement` for an invalid statement (the reason is public). */
class StatementError extends Error {}

/** Type checks (TypeError) of a statement; value checks are reported by `prepareStatement`. */
function assertStatementTypes(T: BackupStatement): void {
  if (T === null || typeof T !== 'object') throw new TypeError('statement must be an object');
  if (typeof T.scheme !== 'string') throw new TypeError('statement.scheme must be a string');
  if (typeof T.keyId !== 'string') throw new TypeError('statement.keyId must be a string');
  for (const f of ['epoch', 'threshold', 'partyCount', 'player'] as const)
    if (typeof T[f] !== 'number') throw new TypeError(`statement.${f} must be a number`);
  for (const f of ['groupKey', 'verifyingShare', 'recipientPublicKey'] as const)
    if (!(T[f] instanceof Uint8Array)) throw new TypeError(`statement.${f} must be a Uint8Array`);
  if (typeof T.suite !== 'string') throw new TypeError('statement.suite must be a string');
}

/**
 * Validate T and derive H, ctx and the HPKE info (spec §4–5). Throws TypeError for wrong types
 * and `StatementError` (caught by the callers) for invalid values.
 */
function prepare(T: BackupStatement): PreparedStatement {
  assertStatementTypes(T);
  const bad = (why: string): never => {
    throw new StatementError(`invalid statement: ${why}`);
  };
  if (!isScheme(T.scheme)) bad('unknown scheme');
  if (!isBackupSuite(T.suite)) bad('unknown backup suite');
  if (!isU32(T.epoch)) bad('epoch must be a u32');
  if (!isU16(T.threshold) || !isU16(T.partyCount) || T.threshold < 1 || T.threshold > T.partyCount) bad('threshold must satisfy 1 ≤ k ≤ n ≤ 65535');
  if (!isU16(T.player) || T.player < 1) bad('player index must be in 1..65535');
  const keyIdBytes = utf8ToBytes(T.keyId);
  if (keyIdBytes.length === 0 || keyIdBytes.length > 1024) bad('keyId must be 1..1024 bytes of UTF-8');
  const suite = getSuite(T.scheme);
  let X: GroupPoint;
  let PK: GroupPoint;
  try {
    // decodePoint: exact length, canonical, on curve, not the identity, torsion-free (Ed25519) — §3.1, P7.
    PK = suite.decodePoint(T.groupKey);
    X = suite.decodePoint(T.verifyingShare);
  } catch {
    return bad('group key or verifying share is not a valid non-identity group element');
  }
  try {
    validateHpkePublicKey(T.suite, T.recipientPublicKey);
  } catch {
    bad('recipient public key is not a valid key of the suite');
  }
  const hpke = HPKE_SUITES[T.suite];
  const header = concatBytes(
    u8(PVE_VERSION),
    u8(curveIdOf(T.scheme)),
    u16(hpke.kem),
    u16(hpke.kdf),
    u16(hpke.aead),
    u16(PVE_ROWS),
    lp(keyIdBytes),
    u32(T.epoch),
    u16(T.threshold),
    u16(T.partyCount),
    u16(T.player),
    lp(T.groupKey),
    lp(T.verifyingShare),
    lp(T.recipientPublicKey),
  );
  const ctx = sha256(concatBytes(lp(utf8ToBytes('OpenTSM/pve/v1/context')), lp(header)));
  const info = concatBytes(utf8ToBytes('OpenTSM/pve/v1/hpke'), ctx);
  const sealer = createHpkeDetSealer(T.suite, T.recipientPublicKey, info);
  const nEnc = T.suite === 'x25519' ? 32 : 65;
  return { T, suite, hpke, header, ctx, info, X, PK, ciphertextLength: nEnc + suite.scalarLength + 16, sealer };
}

/** Validate a statement and derive its header and context; throws ProtocolError(INVALID_BACKUP) when invalid. */
export function prepareStatement(T: BackupStatement): PreparedStatement {
  try {
    return prepare(T);
  } catch (e) {
    if (e instanceof StatementError) throw new ProtocolError(ErrorCode.INVALID_BACKUP, e.message);
    throw e;
  }
}

/** The header H of spec §4 for a statement (the first bytes of every valid blob). */
export function backupHeader(T: BackupStatement): Uint8Array {
  return prepareStatement(T).header;
}

// ---------------------------------------------------------------------------------------------
// PRF, rows and challenge (spec §6)

/** PRF(s, tag, j, b, L) = HKDF-SHA256(IKM = s, salt = ctx, info = utf8("OpenTSM/pve/v1/" ‖ tag) ‖ u16(j) ‖ u8(b), L). */
export function prf(ctx: Uint8Array, s: Uint8Array, tag: 'mask' | 'encap', j: number, b: 0 | 1, L: number): Uint8Array {
  return hkdf(sha256, s, ctx, concatBytes(utf8ToBytes(`OpenTSM/pve/v1/${tag}`), u16(j), u8(b)), L);
}

/** r_j = OS2IP(PRF(s_{j,0}, "mask", j, 0, 48)) mod n. */
export function rowMask(p: PreparedStatement, s0: Uint8Array, j: number): bigint {
  return os2ip(prf(p.ctx, s0, 'mask', j, 0, 48)) % p.suite.order;
}

/** c_{j,b} = DetSeal(pkR, info, aad(j,b), Fn.toBytes(v), PRF(s_{j,b}, "encap", j, b, 32)). */
export function rowCiphertext(p: PreparedStatement, j: number, b: 0 | 1, value: bigint, seed: Uint8Array): Uint8Array {
  const ikmE = prf(p.ctx, seed, 'encap', j, b, 32);
  const pt = p.suite.encodeScalar(value);
  const c = p.sealer.detSeal(rowAad(j, b), pt, ikmE);
  ikmE.fill(0);
  pt.fill(0);
  return c;
}

/** What the challenge hashes for one row: R_j and both ciphertexts. */
export interface RowCommitment {
  readonly R: Uint8Array;
  readonly c0: Uint8Array;
  readonly c1: Uint8Array;
}

/** e = SHA-256(lp("OpenTSM/pve/v1/challenge") ‖ lp(ctx) ‖ Π_j lp(enc(R_j)) ‖ lp(c_{j,0}) ‖ lp(c_{j,1}))[0..16). */
export function computeChallenge(ctx: Uint8Array, rows: readonly RowCommitment[]): Uint8Array {
  const h = sha256.create();
  h.update(lp(utf8ToBytes('OpenTSM/pve/v1/challenge')));
  h.update(lp(ctx));
  for (const r of rows) {
    h.update(lp(r.R));
    h.update(lp(r.c0));
    h.update(lp(r.c1));
  }
  return h.digest().subarray(0, PVE_CHALLENGE_LENGTH);
}

/** One prover row with its secrets (internal; zeroize after use). */
export interface ProverRow extends RowCommitment {
  readonly s0: Uint8Array;
  readonly s1: Uint8Array;
  readonly d: bigint;
}

/** Build row j for share x with seeds drawn from `rng` (resampled until r_j ≠ 0 and d_j ≠ 0). */
export function buildRow(p: PreparedStatement, j: number, x: bigint, rng: (n: number) => Uint8Array): ProverRow {
  const Fn = p.suite.Fn;
  for (;;) {
    const s0 = rng(SEED_LENGTH);
    const s1 = rng(SEED_LENGTH);
    if (!(s0 instanceof Uint8Array) || s0.length !== SEED_LENGTH || !(s1 instanceof Uint8Array) || s1.length !== SEED_LENGTH)
      throw new TypeError('rng must return the requested number of bytes');
    const r = rowMask(p, s0, j);
    const d = Fn.sub(x, r);
    if (r === 0n || d === 0n) continue; // probability 2^-255 (spec §6)
    const c0 = rowCiphertext(p, j, 0, r, s0);
    const c1 = rowCiphertext(p, j, 1, d, s1);
    const R = p.suite.encodePoint(p.suite.G.multiply(r)); // secret r: constant-time multiplication
    return { R, c0, c1, s0, s1, d };
  }
}

/** Serialise B = H ‖ e ‖ rows, revealing per row only the opened branch (spec §6.1). */
export function encodeBlob(p: PreparedStatement, e: Uint8Array, rows: readonly ProverRow[]): Uint8Array {
  const parts: Uint8Array[] = [p.header, e];
  rows.forEach((row, j) => {
    if (challengeBit(e, j) === 0) parts.push(row.s0, row.c1);
    else parts.push(row.s1, p.suite.encodeScalar(row.d), row.c0);
  });
  return concatBytes(...parts);
}

function zeroize(rows: readonly ProverRow[]): void {
  for (const r of rows) {
    r.s0.fill(0);
    r.s1.fill(0);
  }
}

/**
 * Backup(T, x_i) → B_i (spec §6). Refuses (INVALID_SHARE) unless x·G = X_i. `rng` defaults to
 * crypto.getRandomValues; a different source is for fixed-seed test vectors only.
 */
export function proveBackup(T: BackupStatement, share: bigint, rng: (n: number) => Uint8Array = randomBytes): Uint8Array {
  const p = prepareStatement(T);
  if (share <= 0n || share >= p.suite.order || !p.suite.G.multiply(share).equals(p.X))
    throw new ProtocolError(ErrorCode.INVALID_SHARE, 'the share does not match the verifying share of the statement');
  const rows: ProverRow[] = [];
  for (let j = 0; j < PVE_ROWS; j++) rows.push(buildRow(p, j, share, rng));
  const e = computeChallenge(p.ctx, rows);
  const blob = encodeBlob(p, e, rows);
  zeroize(rows);
  return blob;
}

// ---------------------------------------------------------------------------------------------
// Verify (spec §7)

/** A verified row: the opened value and the ciphertext of the unopened branch. */
export interface VerifiedRow {
  readonly bit: 0 | 1;
  /** r_j (bit 0) or d_j (bit 1): public. */
  readonly opened: bigint;
  /** c_{j,1−bit}: the branch recovery decrypts. */
  readonly unopened: Uint8Array;
}

export type VerifyOutcome = { readonly ok: true; readonly prepared: PreparedStatement; readonly rows: readonly VerifiedRow[] } | { readonly ok: false; readonly reason: string };

/** Expected length of a blob for a statement and a challenge: |H| + 16 + 128·(32 + Lc) + 32·popcount(e). */
export function blobLength(p: PreparedStatement, e: Uint8Array): number {
  let ones = 0;
  for (let j = 0; j < PVE_ROWS; j++) ones += challengeBit(e, j);
  return p.header.length + PVE_CHALLENGE_LENGTH + PVE_ROWS * (SEED_LENGTH + p.ciphertextLength) + ones * p.suite.scalarLength;
}

/**
 * Verify(T, B) with details. Returns `{ ok: false, reason }` for any malformed or invalid input;
 * throws TypeError only for wrong argument types. Every value involved is public.
 */
export function verifyBackupBlob(T: BackupStatement, blob: Uint8Array): VerifyOutcome {
  if (!(blob instanceof Uint8Array)) throw new TypeError('backup blob must be a Uint8Array');
  let p: PreparedStatement;
  try {
    p = prepare(T);
  } catch (e) {
    if (e instanceof StatementError) return { ok: false, reason: e.message };
    throw e;
  }
  const fail = (reason: string): VerifyOutcome => ({ ok: false, reason });
  // 1. Header: the blob must start with exactly H rebuilt from T (P1, P8).
  if (blob.length < p.header.length + PVE_CHALLENGE_LENGTH) return fail('truncated backup');
  if (!equalBytes(blob.subarray(0, p.header.length), p.header)) return fail('header does not match the statement (key, player, epoch, group key, verifying share, suite or recipient key)');
  // 2. Challenge and rows, exact length.
  let off = p.header.length;
  const e = blob.subarray(off, off + PVE_CHALLENGE_LENGTH);
  off += PVE_CHALLENGE_LENGTH;
  if (blob.length !== blobLength(p, e)) return fail('backup length does not match its challenge (truncated or trailing bytes)');
  const { suite } = p;
  const Lc = p.ciphertextLength;
  const commitments: RowCommitment[] = [];
  const rows: VerifiedRow[] = [];
  // 3. Recompute R_j and the opened ciphertext of every row.
  for (let j = 0; j < PVE_ROWS; j++) {
    const bit = challengeBit(e, j);
    const seed = blob.subarray(off, off + SEED_LENGTH);
    off += SEED_LENGTH;
    if (bit === 0) {
      const c1 = blob.subarray(off, off + Lc);
      off += Lc;
      const r = rowMask(p, seed, j);
      if (r === 0n) return fail(`row ${j}: r = 0`);
      const Rp = suite.G.multiplyUnsafe(r); // r is public here (its seed is revealed)
      if (Rp.equals(p.X)) return fail(`row ${j}: R = X_i (d = 0)`);
      const c0 = rowCiphertext(p, j, 0, r, seed);
      commitments.push({ R: suite.encodePoint(Rp), c0, c1 });
      rows.push({ bit, opened: r, unopened: c1 });
    } else {
      const dBytes = blob.subarray(off, off + suite.scalarLength);
      off += suite.scalarLength;
      const c0 = blob.subarray(off, off + Lc);
      off += Lc;
      let d: bigint;
      try {
        d = suite.decodeNonZeroScalar(dBytes);
      } catch {
        return fail(`row ${j}: d is not a canonical non-zero scalar`);
      }
      const Rp = p.X.subtract(suite.G.multiplyUnsafe(d));
      if (Rp.is0()) return fail(`row ${j}: R is the identity`);
      const c1 = rowCiphertext(p, j, 1, d, seed);
      commitments.push({ R: suite.encodePoint(Rp), c0, c1 });
      rows.push({ bit, opened: d, unopened: c0 });
    }
  }
  // 4. e' = e.
  if (!equalBytes(computeChallenge(p.ctx, commitments), e)) return fail('challenge mismatch: the proof does not verify');
  return { ok: true, prepared: p, rows };
}

// ---------------------------------------------------------------------------------------------
// RecoverShare (spec §8.1)

export interface RecoveredShare {
  readonly player: PartyId;
  /** x_i (SECRET). */
  readonly share: bigint;
  /** Rows whose unopened branch did not decrypt to a value matching X_i: evidence the prover cheated (§10.1). */
  readonly badRows: readonly number[];
}

/**
 * RecoverShare(T, B, skR): Verify first (P2), then try every unopened row until one yields x with
 * x·G = X_i (P3). Throws INVALID_BACKUP (verification failed), INVALID_RECIPIENT_KEY (skR is not
 * the statement's key) or BACKUP_UNRECOVERABLE (no row matches).
 */
export function recoverShareFromBlob(T: BackupStatement, blob: Uint8Array, recipientSecretKey: Uint8Array): RecoveredShare {
  if (!(recipientSecretKey instanceof Uint8Array)) throw new TypeError('recipient secret key must be a Uint8Array');
  const v = verifyBackupBlob(T, blob);
  if (!v.ok) throw new ProtocolError(ErrorCode.INVALID_BACKUP, `backup of player ${T.player} does not verify: ${v.reason}`, [T.player]);
  const p = v.prepared;
  let pk: Uint8Array;
  try {
    pk = hpkePublicKey(T.suite, recipientSecretKey);
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, 'the backup secret key is not a valid key of the suite');
  }
  if (!equalBytes(pk, T.recipientPublicKey)) throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, 'the backup secret key does not belong to the recipient public key of the backup');
  const opener = createHpkeOpener(T.suite, recipientSecretKey, p.info);
  const badRows: number[] = [];
  const Fn = p.suite.Fn;
  for (let j = 0; j < PVE_ROWS; j++) {
    const row = v.rows[j]!;
    const u: 0 | 1 = row.bit === 0 ? 1 : 0;
    let pt: Uint8Array;
    try {
      pt = opener.open(row.unopened, rowAad(j, u));
    } catch {
      badRows.push(j);
      continue;
    }
    let value: bigint;
    try {
      value = p.suite.decodeScalar(pt);
    } catch {
      badRows.push(j);
      continue;
    } finally {
      pt.fill(0);
    }
    const x = Fn.add(value, row.opened);
    if (x !== 0n && p.suite.G.multiply(x).equals(p.X)) return { player: T.player, share: x, badRows };
    badRows.push(j);
  }
  throw new ProtocolError(ErrorCode.BACKUP_UNRECOVERABLE, `backup of player ${T.player} is unrecoverable: no row decrypts to the share (forged proof or broken implementation)`, [T.player]);
}
