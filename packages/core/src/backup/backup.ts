/**
 * Verifiable encrypted backup of key shares (verifiable-backup.md §1–9): the public API.
 *
 * Node side:    `createShareBackup({ key, keyId, recipientPublicKey, suite })` → ShareBackup.
 * Anyone:       `verifyShareBackup(backup, statement)` from public data only (no secret).
 * Coordinator:  `assembleBackupFile(...)` → BackupFile (one per key and epoch), then
 *               `verifyBackupSet(file, trust)` checks the whole set against trusted state.
 * Offline:      `recoverFromBackups(file, recipientSecretKey)` (recover.ts).
 *
 * The statement of every check comes from the caller's trusted state (pitfall P1): the key
 * record (or the file's record when it is itself the trusted copy) and the pinned operator key,
 * never from a blob.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { equalBytes } from '../math/bytes.js';
import { keyEpoch, type KeyEpoch, type KeyShare, type PublicKeyPackage } from '../protocols/key-share.js';
import { getSuite, type GroupPoint, type Scheme } from '../suites/index.js';
import { checkParties, checkedEpoch, recordInconsistency } from './common.js';
import { hpkeGenerateKeyPair, inferHpkeSuite, isBackupSuite, validateHpkePublicKey, type BackupSuite, type HpkeKeyPair } from './hpke.js';
import { proveBackup, verifyBackupBlob, type BackupStatement } from './proof.js';

/** One player's backup B_i with the metadata needed to route and store it. */
export interface ShareBackup {
  readonly scheme: Scheme;
  readonly keyId: string;
  readonly epoch: number;
  readonly player: PartyId;
  readonly suite: BackupSuite;
  /** pkR the share is encrypted to. */
  readonly recipientPublicKey: Uint8Array;
  /**
   * B_i = H ‖ e ‖ row_0 ‖ … ‖ row_127 (spec §6.1). Verification never reads the metadata above:
   * it rebuilds H from the trusted statement and requires the blob to start with it.
   */
  readonly blob: Uint8Array;
}

/**
 * The epoch counter of a key share (absent = 0).
 * @deprecated Use `keyEpoch(key).counter` (protocols/key-share.ts); kept for API compatibility.
 */
export function shareEpoch(key: { readonly epoch?: KeyEpoch | undefined }): number {
  return keyEpoch(key).counter;
}

/** A fresh operator backup key pair (spec §3.2; `x25519` = suite A default, `p256` = suite B). */
export function generateBackupKeyPair(suite: BackupSuite = 'x25519'): HpkeKeyPair {
  return hpkeGenerateKeyPair(suite);
}

/** Infer the suite of an operator public key from its length (32 → x25519, 65 → p256) and validate it. */
export function backupSuiteOfPublicKey(publicKey: Uint8Array): BackupSuite {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('public key must be a Uint8Array');
  const suite = inferHpkeSuite(publicKey);
  validateHpkePublicKey(suite, publicKey);
  return suite;
}

export interface BackupStatementOptions {
  readonly keyId: string;
  /** Default: the key's epoch counter (0 when absent); when given it must equal it (INVALID_PARAMETERS). */
  readonly epoch?: number;
  readonly player: PartyId;
  readonly suite: BackupSuite;
  readonly recipientPublicKey: Uint8Array;
}

/**
 * The statement T for player `player` of a key record (spec §3.3). The epoch is the record's own
 * (`keyEpoch(key).counter`): an `o.epoch` that differs throws INVALID_PARAMETERS.
 */
export function backupStatement(key: PublicKeyPackage, o: BackupStatementOptions): BackupStatement {
  return statementAt(key, checkedEpoch(key, o.epoch), o);
}

/** The statement of a record at an explicit epoch (a backup file carries the counter but no KeyEpoch). */
function statementAt(key: PublicKeyPackage, epoch: number, o: Omit<BackupStatementOptions, 'epoch'>): BackupStatement {
  const vs = key.verifyingShares[o.player];
  if (!key.parties.includes(o.player) || vs === undefined) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `player ${o.player} holds no share of this key`);
  return {
    scheme: key.scheme,
    keyId: o.keyId,
    epoch,
    threshold: key.threshold,
    partyCount: key.parties.length,
    player: o.player,
    groupKey: key.groupKey,
    verifyingShare: vs,
    suite: o.suite,
    recipientPublicKey: o.recipientPublicKey,
  };
}

export interface CreateShareBackupParams {
  /** This node's key share (the share is backed up exactly as stored, spec §3.1). */
  readonly key: KeyShare;
  readonly keyId: string;
  /** Default: the key's epoch counter (0 when absent); when given it must equal it (INVALID_PARAMETERS). */
  readonly epoch?: number;
  /** The pinned operator key (nodes refuse unknown keys: that check is the caller's policy, H1). */
  readonly recipientPublicKey: Uint8Array;
  /** Default: inferred from the key (32 bytes → `x25519`, suite A; 65 bytes → `p256`, suite B). */
  readonly suite?: BackupSuite;
}

/**
 * Backup(T, x_i) (spec §6): encrypts this node's share to the operator key with a proof that
 * binds it to the verifying share. About 0.37 s (suite A) / 0.73 s (suite B) per share
 * (bench/results/latest.json, docs/protocols/backup.md §8).
 */
export function createShareBackup(p: CreateShareBackupParams): ShareBackup {
  if (p === null || typeof p !== 'object' || p.key === null || typeof p.key !== 'object') throw new TypeError('createShareBackup: params.key must be a KeyShare');
  const suiteName = p.suite ?? inferHpkeSuite(p.recipientPublicKey);
  const T = backupStatement(p.key, { keyId: p.keyId, ...(p.epoch !== undefined ? { epoch: p.epoch } : {}), player: p.key.self, suite: suiteName, recipientPublicKey: p.recipientPublicKey });
  const suite = getSuite(p.key.scheme);
  const x = suite.decodeNonZeroScalar(p.key.secretShare);
  const blob = proveBackup(T, x);
  return { scheme: T.scheme, keyId: T.keyId, epoch: T.epoch, player: T.player, suite: T.suite, recipientPublicKey: T.recipientPublicKey, blob };
}

export type BackupCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const blobOf = (b: ShareBackup | Uint8Array): Uint8Array => (b instanceof Uint8Array ? b : b?.blob);

/** Verify(T, B) (spec §7) with the reason of a failure. Public data only. */
export function checkShareBackup(backup: ShareBackup | Uint8Array, statement: BackupStatement): BackupCheck {
  const blob = blobOf(backup);
  if (!(blob instanceof Uint8Array)) throw new TypeError('backup must be a ShareBackup or its blob');
  const v = verifyBackupBlob(statement, blob);
  return v.ok ? { ok: true } : { ok: false, reason: v.reason };
}

/** Verify(T, B) (spec §7): true iff the backup is a valid encryption of the share behind `statement.verifyingShare`. */
export function verifyShareBackup(backup: ShareBackup | Uint8Array, statement: BackupStatement): boolean {
  return checkShareBackup(backup, statement).ok;
}

/** Verify and throw `INVALID_BACKUP` naming the player as culprit on failure. */
export function assertShareBackup(backup: ShareBackup | Uint8Array, statement: BackupStatement): void {
  const r = checkShareBackup(backup, statement);
  if (!r.ok) throw new ProtocolError(ErrorCode.INVALID_BACKUP, `backup of player ${statement.player} rejected: ${r.reason}`, [statement.player]);
}

// ---------------------------------------------------------------------------------------------
// A key's backup set

/** One entry of a backup file: B_i of player i. */
export interface BackupEntry {
  readonly player: PartyId;
  readonly blob: Uint8Array;
}

/**
 * Every backup of one key and epoch, with the key record they were verified against
 * (serialised by `serializeBackupFile`, format in docs/protocols/backup.md).
 */
export interface BackupFile {
  readonly version: 1;
  readonly scheme: Scheme;
  readonly keyId: string;
  readonly epoch: number;
  readonly threshold: number;
  /** Players holding a share, ascending (n = parties.length). */
  readonly parties: readonly PartyId[];
  /** PK, element encoding. */
  readonly groupKey: Uint8Array;
  /** The scheme's external public key (x-only for Taproot). */
  readonly publicKey: Uint8Array;
  /** The key's 32-byte chain code (HD keys; output by recovery, spec §8.2). */
  readonly chainCode: Uint8Array;
  readonly verifyingShares: Readonly<Record<PartyId, Uint8Array>>;
  readonly suite: BackupSuite;
  /** pkR. */
  readonly recipientPublicKey: Uint8Array;
  /** Ascending by player, at most one per player. */
  readonly backups: readonly BackupEntry[];
  /** Free-form ISO-8601 timestamp (informational, not verified). */
  readonly createdAt?: string;
}

/** Trusted state a backup file is checked against (spec §3.3, P1). */
export interface BackupTrust {
  /** Key record from the cluster (co-signed at DKG): the file's record must equal it. */
  readonly key?: PublicKeyPackage;
  readonly keyId?: string;
  readonly epoch?: number;
  /** The pinned operator key. */
  readonly recipientPublicKey?: Uint8Array;
}

/** The key record of a backup file as a public key package. */
export function backupFileKey(f: BackupFile): PublicKeyPackage {
  return { scheme: f.scheme, threshold: f.threshold, parties: f.parties, groupKey: f.groupKey, publicKey: f.publicKey, verifyingShares: f.verifyingShares, chainCode: f.chainCode };
}

/** The statement of player i of a backup file. */
export function backupFileStatement(f: BackupFile, player: PartyId): BackupStatement {
  return statementAt(backupFileKey(f), f.epoch, { keyId: f.keyId, player, suite: f.suite, recipientPublicKey: f.recipientPublicKey });
}

/**
 * Structural and public checks of a file's key record (no proof verification): parties and
 * threshold, every point valid, verifying shares on one degree-(k−1) polynomial through PK,
 * publicKey = external encoding of PK, pkR valid, backups of known players only, no
 * duplicates, and equality with the trusted state when given. Returns the reasons found.
 */
export function backupRecordProblems(f: BackupFile, trust: BackupTrust = {}): string[] {
  const problems: string[] = [];
  let suite;
  try {
    suite = getSuite(f.scheme);
  } catch {
    return [`unknown scheme '${String(f.scheme)}'`];
  }
  let parties: PartyId[];
  try {
    parties = checkParties(suite, f.parties, ErrorCode.INVALID_BACKUP);
  } catch (e) {
    return [e instanceof Error ? e.message : 'invalid parties'];
  }
  if (!parties.every((p, i) => p === f.parties[i])) problems.push('parties must be listed in ascending order');
  if (!Number.isInteger(f.threshold) || f.threshold < 1 || f.threshold > parties.length) return [...problems, 'threshold must satisfy 1 ≤ k ≤ n'];
  if (!Number.isInteger(f.epoch) || f.epoch < 0 || f.epoch > 0xffffffff) problems.push('epoch must be a u32');
  if (!isBackupSuite(f.suite)) return [...problems, `unknown backup suite '${String(f.suite)}'`];
  try {
    validateHpkePublicKey(f.suite, f.recipientPublicKey);
  } catch {
    problems.push('recipient public key is not a valid key of the suite');
  }
  let PK: GroupPoint;
  const Xs = new Map<PartyId, GroupPoint>();
  try {
    PK = suite.decodePoint(f.groupKey);
    for (const p of parties) {
      const v = f.verifyingShares[p];
      if (v === undefined) throw new Error(`missing verifying share of player ${p}`);
      Xs.set(p, suite.decodePoint(v));
    }
  } catch (e) {
    return [...problems, `invalid key record: ${e instanceof Error ? e.message : 'bad point'}`];
  }
  if (Object.keys(f.verifyingShares).length !== parties.length) problems.push('verifying shares of players outside the key');
  if (!equalBytes(suite.encodePublicKey(PK), f.publicKey)) problems.push('publicKey is not the external encoding of groupKey');
  const inconsistent = recordInconsistency(suite, f.threshold, parties, PK, Xs);
  if (inconsistent !== null) problems.push(inconsistent);
  const seen = new Set<PartyId>();
  for (const b of f.backups) {
    if (!parties.includes(b.player)) problems.push(`backup of player ${b.player}, who holds no share of this key`);
    if (seen.has(b.player)) problems.push(`two backups of player ${b.player}`);
    seen.add(b.player);
  }
  // Trusted state (P1): the record in the file must be the one the caller trusts.
  if (trust.keyId !== undefined && trust.keyId !== f.keyId) problems.push('keyId differs from the trusted key record');
  if (trust.epoch !== undefined && trust.epoch !== f.epoch) problems.push('epoch differs from the trusted key record');
  if (trust.recipientPublicKey !== undefined && !equalBytes(trust.recipientPublicKey, f.recipientPublicKey)) problems.push('recipient key differs from the pinned operator key');
  const k = trust.key;
  if (k !== undefined) {
    if (k.scheme !== f.scheme || k.threshold !== f.threshold) problems.push('scheme or threshold differs from the trusted key record');
    if (keyEpoch(k).counter !== f.epoch) problems.push('epoch differs from the epoch of the trusted key record');
    const kp = [...k.parties].sort((a, b) => a - b);
    if (kp.length !== parties.length || kp.some((p, i) => p !== parties[i])) problems.push('player set differs from the trusted key record');
    else {
      if (!equalBytes(k.groupKey, f.groupKey)) problems.push('group key differs from the trusted key record');
      if (!(k.publicKey instanceof Uint8Array) || !equalBytes(k.publicKey, f.publicKey)) problems.push('public key differs from the trusted key record');
      if (!(k.chainCode instanceof Uint8Array) || !(f.chainCode instanceof Uint8Array) || !equalBytes(k.chainCode, f.chainCode)) problems.push('chain code differs from the trusted key record');
      for (const p of parties) {
        const v = k.verifyingShares[p];
        if (v === undefined || !equalBytes(v, f.verifyingShares[p]!)) problems.push(`verifying share of player ${p} differs from the trusted key record`);
      }
    }
  }
  return problems;
}

export interface BackupSetReport {
  /** True iff the record is consistent, matches the trusted state, and every required backup verifies. */
  readonly ok: boolean;
  /** Problems with the key record or the set (missing players, trust mismatch, …). */
  readonly problems: readonly string[];
  /** Per backup in the file: whether its proof verifies. */
  readonly backups: readonly { readonly player: PartyId; readonly ok: boolean; readonly reason?: string }[];
  /** Players with no backup in the file. */
  readonly missing: readonly PartyId[];
}

export interface VerifyBackupSetOptions extends BackupTrust {
  /** Require a backup of every player (default true: a key is "backed up" only when all n verify, spec §9). */
  readonly requireAll?: boolean;
}

/**
 * Check a whole backup file: the record (consistency, trust) and every proof against its
 * statement. Public data only. About 0.2 s (suite A) / 0.37 s (suite B) per backup.
 */
export function verifyBackupSet(file: BackupFile, opts: VerifyBackupSetOptions = {}): BackupSetReport {
  if (file === null || typeof file !== 'object') throw new TypeError('verifyBackupSet: file must be a BackupFile');
  const problems = backupRecordProblems(file, opts);
  const parties = Array.isArray(file.parties) ? file.parties : [];
  const have = new Set(file.backups.map((b) => b.player));
  const missing = parties.filter((p) => !have.has(p));
  if ((opts.requireAll ?? true) && missing.length > 0) problems.push(`no backup of player(s) ${missing.join(', ')}`);
  const backups = file.backups.map((b) => {
    if (!parties.includes(b.player)) return { player: b.player, ok: false, reason: 'player holds no share of this key' };
    let T: BackupStatement;
    try {
      T = backupFileStatement(file, b.player);
    } catch (e) {
      return { player: b.player, ok: false, reason: e instanceof Error ? e.message : 'invalid statement' };
    }
    const v = verifyBackupBlob(T, b.blob);
    return v.ok ? { player: b.player, ok: true } : { player: b.player, ok: false, reason: v.reason };
  });
  return { ok: problems.length === 0 && backups.every((b) => b.ok) && backups.length > 0, problems, backups, missing };
}

export interface AssembleBackupFileParams {
  /** The key record (public key package) of the key. */
  readonly key: PublicKeyPackage;
  readonly keyId: string;
  /** Default: the key's epoch counter (0 when absent); when given it must equal it (INVALID_PARAMETERS). */
  readonly epoch?: number;
  readonly suite: BackupSuite;
  readonly recipientPublicKey: Uint8Array;
  /** Every node's ShareBackup (any order). */
  readonly backups: readonly ShareBackup[];
  /** Verify every proof and require all n (default true). */
  readonly verify?: boolean;
  readonly createdAt?: string;
}

/**
 * Collect the nodes' backups of one key into a BackupFile. Each backup's metadata must match the
 * key and operator key; by default the whole set is verified (`verifyBackupSet`) and a failure
 * throws INVALID_BACKUP naming the culprit players.
 */
export function assembleBackupFile(p: AssembleBackupFileParams): BackupFile {
  const k = p.key;
  const epoch = checkedEpoch(k, p.epoch);
  const parties = [...k.parties].sort((a, b) => a - b);
  const vs: Record<PartyId, Uint8Array> = {};
  for (const q of parties) vs[q] = k.verifyingShares[q]!;
  const culprits: PartyId[] = [];
  for (const b of p.backups)
    if (b.scheme !== k.scheme || b.keyId !== p.keyId || b.epoch !== epoch || b.suite !== p.suite || !equalBytes(b.recipientPublicKey, p.recipientPublicKey)) culprits.push(b.player);
  if (culprits.length > 0) throw new ProtocolError(ErrorCode.INVALID_BACKUP, 'backup made for another key, epoch or operator key', culprits);
  const file: BackupFile = {
    version: 1,
    scheme: k.scheme,
    keyId: p.keyId,
    epoch,
    threshold: k.threshold,
    parties,
    groupKey: k.groupKey,
    publicKey: k.publicKey,
    chainCode: k.chainCode,
    verifyingShares: vs,
    suite: p.suite,
    recipientPublicKey: p.recipientPublicKey,
    backups: [...p.backups].sort((a, b) => a.player - b.player).map((b) => ({ player: b.player, blob: b.blob })),
    ...(p.createdAt !== undefined ? { createdAt: p.createdAt } : {}),
  };
  if (p.verify ?? true) {
    const r = verifyBackupSet(file, { key: k, keyId: p.keyId, epoch, recipientPublicKey: p.recipientPublicKey });
    if (!r.ok) {
      const bad = r.backups.filter((b) => !b.ok).map((b) => b.player);
      throw new ProtocolError(ErrorCode.INVALID_BACKUP, `backup set rejected: ${[...r.problems, ...r.backups.filter((b) => !b.ok).map((b) => `player ${b.player}: ${b.reason ?? ''}`)].join('; ')}`, bad);
    }
  }
  return file;
}
