/**
 * Offline recovery from verified backups (verifiable-backup.md §8): `RecoverShare` × k, then
 * `Combine` with the checks x·G = PK and f(m)·G = X_m for every other player of the record.
 *
 * Runs with no node: input is a BackupFile and the operator's HPKE secret key. The output is the
 * whole private key (pitfall P10: run it offline; the result is as sensitive as the key).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { equalBytes, randomBytes } from '../math/bytes.js';
import { getSuite, type GroupPoint, type Scheme } from '../suites/index.js';
import { backupFileStatement, backupRecordProblems, type BackupFile, type BackupTrust } from './backup.js';
import { interpolateScalars } from './common.js';
import { hpkePublicKey } from './hpke.js';
import { recoverShareFromBlob, type BackupStatement } from './proof.js';
import type { ShareBackup } from './backup.js';

export interface RecoverOptions extends BackupTrust {
  /**
   * The public key the operator expects (external encoding, e.g. x-only for Taproot, or the
   * element encoding of PK). Recovery fails unless the file's key matches it.
   */
  readonly expectedPublicKey?: Uint8Array;
}

export interface RecoveredKey {
  readonly scheme: Scheme;
  readonly keyId: string;
  readonly epoch: number;
  /** PK, element encoding. */
  readonly groupKey: Uint8Array;
  /** External encoding of PK (x-only for Taproot). */
  readonly publicKey: Uint8Array;
  /**
   * The private key x with x·G = PK, in the suite's scalar encoding: 32 bytes big-endian
   * (secp256k1, P-256), 32 bytes little-endian for Ed25519 — a raw scalar, NOT an RFC 8032
   * seed (see `ed25519ExpandedKey`). For Taproot keys: the scalar of the stored (TapTweaked)
   * output key, as a BIP340 secret key. SECRET.
   */
  readonly privateKey: Uint8Array;
  /** The key record's chain code (HD keys). */
  readonly chainCode: Uint8Array;
  /** The players whose shares were combined. */
  readonly players: readonly PartyId[];
  /** Per player: rows that did not decrypt to the share (evidence of a cheating prover, §10.1). */
  readonly badRows: Readonly<Record<PartyId, readonly number[]>>;
  /** Backups that could not be used, with the reason (fallback to other players, §8.1 step 3). */
  readonly skipped: readonly { readonly player: PartyId; readonly reason: string }[];
}

/**
 * Recover a key offline from its backup file (spec §8): Verify + RecoverShare for backups in
 * player order until k shares are recovered (a bad backup is skipped and reported), Combine by
 * Lagrange at 0, then check x·G = PK and that every verifying share of the record lies on the
 * recovered polynomial. Throws INVALID_BACKUP (bad record), INVALID_RECIPIENT_KEY (the secret
 * key is not the file's operator key), BACKUP_UNRECOVERABLE (fewer than k usable backups) or
 * RECOVERED_KEY_MISMATCH.
 */
export function recoverFromBackups(file: BackupFile, recipientSecretKey: Uint8Array, opts: RecoverOptions = {}): RecoveredKey {
  if (file === null || typeof file !== 'object') throw new TypeError('recoverFromBackups: file must be a BackupFile');
  if (!(recipientSecretKey instanceof Uint8Array)) throw new TypeError('recoverFromBackups: recipientSecretKey must be a Uint8Array');
  const problems = backupRecordProblems(file, opts);
  if (problems.length > 0) throw new ProtocolError(ErrorCode.INVALID_BACKUP, `backup file rejected: ${problems.join('; ')}`);
  const suite = getSuite(file.scheme);
  let pk: Uint8Array;
  try {
    pk = hpkePublicKey(file.suite, recipientSecretKey);
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, `the secret key is not a valid ${file.suite} key`);
  }
  if (!equalBytes(pk, file.recipientPublicKey)) throw new ProtocolError(ErrorCode.INVALID_RECIPIENT_KEY, 'the secret key does not belong to the backup file\'s recipient key');
  const PK = suite.decodePoint(file.groupKey);
  if (opts.expectedPublicKey !== undefined && !equalBytes(opts.expectedPublicKey, file.publicKey) && !equalBytes(opts.expectedPublicKey, file.groupKey))
    throw new ProtocolError(ErrorCode.RECOVERED_KEY_MISMATCH, 'the backup file is for another public key than the expected one');

  const shares = new Map<PartyId, bigint>();
  const badRows: Record<PartyId, readonly number[]> = {};
  const skipped: { player: PartyId; reason: string }[] = [];
  // Same keyId, epoch, k and n for every share: guaranteed by construction (one record per file, P6).
  for (const b of [...file.backups].sort((x, y) => x.player - y.player)) {
    if (shares.size === file.threshold) break;
    try {
      const r = recoverShareFromBlob(backupFileStatement(file, b.player), b.blob, recipientSecretKey);
      shares.set(b.player, r.share);
      if (r.badRows.length > 0) badRows[b.player] = r.badRows;
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      skipped.push({ player: b.player, reason: e.message });
    }
  }
  if (shares.size < file.threshold)
    throw new ProtocolError(
      ErrorCode.BACKUP_UNRECOVERABLE,
      `only ${shares.size} of the ${file.threshold} required shares could be recovered${skipped.length ? ` (${skipped.map((s) => `player ${s.player}: ${s.reason}`).join('; ')})` : ''}`,
      skipped.map((s) => s.player),
    );
  const players = [...shares.keys()];
  const x = interpolateScalars(suite, shares, players, 0n);
  if (x === 0n || !suite.G.multiply(x).equals(PK)) throw new ProtocolError(ErrorCode.RECOVERED_KEY_MISMATCH, 'the recovered key does not match the group key (record and backups disagree)');
  // §8.2: the polynomial of the recovered shares must explain every verifying share of the record.
  for (const m of file.parties) {
    if (shares.has(m)) continue;
    const fm = interpolateScalars(suite, shares, players, BigInt(m));
    const Xm: GroupPoint = suite.decodePoint(file.verifyingShares[m]!);
    if (fm === 0n || !suite.G.multiply(fm).equals(Xm)) throw new ProtocolError(ErrorCode.RECOVERED_KEY_MISMATCH, `verifying share of player ${m} is not on the recovered polynomial (record and backups disagree)`);
  }
  shares.clear(); // bigints cannot be wiped (P9); drop the references at least
  return {
    scheme: file.scheme,
    keyId: file.keyId,
    epoch: file.epoch,
    groupKey: file.groupKey,
    publicKey: file.publicKey,
    privateKey: suite.encodeScalar(x),
    chainCode: file.chainCode,
    players,
    badRows,
    skipped,
  };
}

/** One recovered share. */
export interface RecoveredShareBackup {
  readonly player: PartyId;
  /** x_i in the suite's scalar encoding. SECRET. */
  readonly share: Uint8Array;
  /** Rows whose unopened branch did not decrypt to x_i (evidence of a cheating prover). */
  readonly badRows: readonly number[];
}

/**
 * RecoverShare(T, B_i, skR) of spec §8.1 for one backup: Verify against the trusted statement,
 * then try every row until one decrypts to x_i with x_i·G = X_i. Throws INVALID_BACKUP,
 * INVALID_RECIPIENT_KEY or BACKUP_UNRECOVERABLE. (`recoverFromBackups` does this for k players
 * and combines.)
 */
export function recoverShareBackup(backup: ShareBackup | Uint8Array, statement: BackupStatement, recipientSecretKey: Uint8Array): RecoveredShareBackup {
  const blob = backup instanceof Uint8Array ? backup : backup?.blob;
  if (!(blob instanceof Uint8Array)) throw new TypeError('backup must be a ShareBackup or its blob');
  const r = recoverShareFromBlob(statement, blob, recipientSecretKey);
  return { player: r.player, share: getSuite(statement.scheme).encodeScalar(r.share), badRows: r.badRows };
}

/**
 * Ed25519 "expanded" private key for a raw scalar (spec §8.2): scalar (32 bytes little-endian)
 * ‖ a fresh random 32-byte prefix — the form RFC 8032 signing uses after hashing a seed (the
 * prefix only derandomises nonces). Most wallets cannot import it: re-import into a TSM (§15)
 * is the other option.
 */
export function ed25519ExpandedKey(scalar: Uint8Array): Uint8Array {
  const suite = getSuite('frost-ed25519');
  suite.decodeNonZeroScalar(scalar);
  const out = new Uint8Array(64);
  out.set(scalar, 0);
  out.set(randomBytes(32), 32);
  return out;
}
