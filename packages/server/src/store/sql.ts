/**
 * The SQL both dialects run, written once with `?` placeholders (PostgreSQL gets them rewritten to
 * `$1..$n` by {@link toPgPlaceholders}), plus row mappers that accept either driver's value types
 * (SQLite: integer numbers, 0/1 booleans, Buffer blobs; PostgreSQL: BIGINT as string, booleans,
 * Buffer bytea).
 *
 * Every query on the signing path is a primary-key lookup (`keys.key_id`,
 * `request_ids(application_id, request_id)`); listings use the (application_id, created_at, key_id)
 * index with keyset pagination, so cost does not grow with the number of stored keys.
 */
import { StoreError, StoreErrorCode } from './errors.js';
import type { ApplicationRecord, AuditRow, KeyInfo, KeyRecord, KeyStatus, PendingShareRecord, TakenPresignatureRow } from './types.js';
import { checkId, parseParties } from './validate.js';

const APP_COLS = 'application_id, name, algorithm, public_key, role, enabled, created_at';
const INFO_COLS = 'key_id, application_id, scheme, threshold, parties, public_key, status, version, created_at, updated_at, protocol';
const KEY_COLS = `${INFO_COLS}, sealed_share`;
const PENDING_COLS =
  'key_id, session_id, operation, action, application_id, scheme, protocol, public_key, from_version, version, sealed, threshold, parties, participants, digest, created_at';
const AUDIT_COLS = 'seq, at, actor, action, key_id, session_id, result, detail, prev_hash, hash';

/** Every statement the stores run (DDL lives in `migrations/`). */
export const SQL = {
  insertApplication: `INSERT INTO applications (${APP_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  getApplication: `SELECT ${APP_COLS} FROM applications WHERE application_id = ?`,
  listApplications: `SELECT ${APP_COLS} FROM applications ORDER BY created_at, application_id`,
  setApplicationEnabled: `UPDATE applications SET enabled = ? WHERE application_id = ?`,

  insertPendingKey:
    `INSERT INTO keys (${INFO_COLS}, sealed_share) ` +
    `VALUES (?, ?, ?, ?, ?, NULL, 'pending', 0, ?, ?, ?, NULL)`,
  activateKey:
    `UPDATE keys SET status = 'active', public_key = ?, sealed_share = ?, version = ?, updated_at = ? ` +
    `WHERE key_id = ? AND status = 'pending'`,
  storePendingShare:
    `UPDATE keys SET public_key = ?, sealed_share = ?, version = ?, updated_at = ? ` +
    `WHERE key_id = ? AND status = 'pending'`,
  activateStoredKey:
    `UPDATE keys SET status = 'active', updated_at = ? ` +
    `WHERE key_id = ? AND status = 'pending' AND public_key IS NOT NULL AND sealed_share IS NOT NULL`,
  failKey: `UPDATE keys SET status = 'failed', updated_at = ? WHERE key_id = ? AND status = 'pending'`,
  replaceShare:
    `UPDATE keys SET sealed_share = ?, version = ?, updated_at = ? ` +
    `WHERE key_id = ? AND status = 'active' AND version = ?`,
  replaceShareQuorum:
    `UPDATE keys SET sealed_share = ?, version = ?, threshold = ?, parties = ?, updated_at = ? ` +
    `WHERE key_id = ? AND status = 'active' AND version = ?`,
  getKey: `SELECT ${KEY_COLS} FROM keys WHERE key_id = ? AND application_id = ? AND status = 'active'`,
  getKeyById: `SELECT ${KEY_COLS} FROM keys WHERE key_id = ?`,
  presignatureKeyVersion: `SELECT version FROM keys WHERE key_id = ? AND status = 'active'`,
  presignatureKeyVersionLocked: `SELECT version FROM keys WHERE key_id = ? AND status = 'active' FOR SHARE`,
  insertPresignature: `INSERT INTO presignatures (presig_id, key_id, players, key_version, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  takePresignature: `DELETE FROM presignatures WHERE presig_id = ? AND key_id = ? RETURNING sealed, key_version, players`,
  listPresignatureIds: `SELECT presig_id FROM presignatures WHERE key_id = ? AND players = ? ORDER BY created_at, presig_id LIMIT ?`,
  countPresignatures: `SELECT COUNT(*) AS n FROM presignatures WHERE key_id = ? AND players = ?`,
  deletePresignatures: `DELETE FROM presignatures WHERE key_id = ?`,
  deletePresignatureId: `DELETE FROM presignatures WHERE presig_id = ? AND key_id = ?`,
  purgeAllPresignatures: `DELETE FROM presignatures`,
  recordOtSession: `INSERT INTO ot_sessions (key_id, peer, ot_session_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  banPeer: `INSERT INTO peer_bans (key_id, peer, reason, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  listBans: `SELECT peer, reason, created_at FROM peer_bans WHERE key_id = ? ORDER BY peer`,
  clearBans: `DELETE FROM peer_bans WHERE key_id = ?`,
  listKeysByStatus: `SELECT ${KEY_COLS} FROM keys WHERE status = ? ORDER BY created_at, key_id LIMIT ?`,
  getKeyCursor: `SELECT created_at FROM keys WHERE key_id = ? AND application_id = ?`,
  listKeysFirst:
    `SELECT ${INFO_COLS} FROM keys WHERE application_id = ? AND status = 'active' ` +
    `ORDER BY created_at, key_id LIMIT ?`,
  listKeysAfter:
    `SELECT ${INFO_COLS} FROM keys WHERE application_id = ? AND status = 'active' ` +
    `AND (created_at, key_id) > (?, ?) ORDER BY created_at, key_id LIMIT ?`,
  deleteKey: `DELETE FROM keys WHERE key_id = ? AND application_id = ?`,
  countKeys: `SELECT COUNT(*) AS n FROM keys`,
  countKeysByApp: `SELECT COUNT(*) AS n FROM keys WHERE application_id = ?`,
  countKeysByStatus: `SELECT COUNT(*) AS n FROM keys WHERE status = ?`,
  countKeysByAppStatus: `SELECT COUNT(*) AS n FROM keys WHERE application_id = ? AND status = ?`,

  // refresh / reshare two-phase commit (migration 3)
  insertPendingShare:
    `INSERT INTO pending_shares (${PENDING_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  getPendingShare: `SELECT ${PENDING_COLS} FROM pending_shares WHERE key_id = ?`,
  listPendingShares: `SELECT ${PENDING_COLS} FROM pending_shares ORDER BY created_at, key_id LIMIT ?`,
  deletePendingShare: `DELETE FROM pending_shares WHERE key_id = ? AND session_id = ?`,
  getLifecycleOutcome: `SELECT outcome, digest, version FROM lifecycle_outcomes WHERE key_id = ? AND session_id = ?`,
  insertLifecycleOutcome:
    `INSERT INTO lifecycle_outcomes (key_id, session_id, outcome, digest, version, created_at) VALUES (?, ?, ?, ?, ?, ?) ` +
    `ON CONFLICT (key_id, session_id) DO NOTHING`,
  insertActiveKey:
    `INSERT INTO keys (${INFO_COLS}, sealed_share) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)`,
  deleteKeyById: `DELETE FROM keys WHERE key_id = ?`,
  deleteOtSessions: `DELETE FROM ot_sessions WHERE key_id = ?`,

  useRequestId:
    `INSERT INTO request_ids (application_id, request_id, expires_at) VALUES (?, ?, ?) ` +
    `ON CONFLICT (application_id, request_id) DO NOTHING`,
  purgeRequestIds: `DELETE FROM request_ids WHERE expires_at <= ?`,
  purgeStaleLifecycleOutcomes:
    `DELETE FROM lifecycle_outcomes WHERE outcome = 'aborted' AND created_at < ? ` +
    `AND NOT EXISTS (SELECT 1 FROM keys WHERE keys.key_id = lifecycle_outcomes.key_id) ` +
    `AND NOT EXISTS (SELECT 1 FROM pending_shares WHERE pending_shares.key_id = lifecycle_outcomes.key_id)`,

  lastAudit: `SELECT ${AUDIT_COLS} FROM audit_log ORDER BY seq DESC LIMIT 1`,
  insertAudit: `INSERT INTO audit_log (${AUDIT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  listAudit: `SELECT ${AUDIT_COLS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`,
  listAuditByKey: `SELECT ${AUDIT_COLS} FROM audit_log WHERE key_id = ? AND seq > ? ORDER BY seq LIMIT ?`,

  createMigrationsTable:
    `CREATE TABLE IF NOT EXISTS schema_migrations (` +
    `version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
  appliedMigrations: `SELECT version FROM schema_migrations ORDER BY version`,
  recordMigration: `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
} as const;

const pgCache = new Map<string, string>();
/** Rewrites `?` placeholders to `$1..$n` (our SQL has no `?` inside literals). */
export function toPgPlaceholders(sql: string): string {
  let out = pgCache.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    pgCache.set(sql, out);
  }
  return out;
}

/** A raw row as either driver returns it. */
export type RawRow = Record<string, unknown>;

function corrupt(column: string): StoreError {
  return new StoreError(StoreErrorCode.DB_ERROR, `stored ${column} column has an unexpected type`);
}

/** INTEGER/BIGINT column → number (PostgreSQL returns BIGINT as a decimal string). */
export function num(row: RawRow, column: string): number {
  const v = row[column];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw corrupt(column);
}

function str(row: RawRow, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') throw corrupt(column);
  return v;
}

function strOrNull(row: RawRow, column: string): string | null {
  const v = row[column];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw corrupt(column);
  return v;
}

function bool(row: RawRow, column: string): boolean {
  const v = row[column];
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  throw corrupt(column);
}

function bytesOrNull(row: RawRow, column: string): Uint8Array | null {
  const v = row[column];
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return new Uint8Array(v); // copy: detach from the driver's Buffer pool
  throw corrupt(column);
}

/** Uint8Array → Buffer view (both drivers bind Buffers as BLOB/BYTEA). */
export function toBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function mapApplication(row: RawRow): ApplicationRecord {
  return {
    applicationId: str(row, 'application_id'),
    name: str(row, 'name'),
    algorithm: str(row, 'algorithm') as ApplicationRecord['algorithm'],
    publicKey: str(row, 'public_key'),
    role: str(row, 'role') as ApplicationRecord['role'],
    enabled: bool(row, 'enabled'),
    createdAt: num(row, 'created_at'),
  };
}

export function mapKeyInfo(row: RawRow): KeyInfo {
  return {
    keyId: str(row, 'key_id'),
    applicationId: str(row, 'application_id'),
    scheme: str(row, 'scheme'),
    threshold: num(row, 'threshold'),
    parties: parseParties(str(row, 'parties')),
    publicKey: strOrNull(row, 'public_key'),
    status: str(row, 'status') as KeyStatus,
    version: num(row, 'version'),
    createdAt: num(row, 'created_at'),
    updatedAt: num(row, 'updated_at'),
    protocol: str(row, 'protocol'),
  };
}

export function mapKeyRecord(row: RawRow): KeyRecord {
  return { ...mapKeyInfo(row), sealedShare: bytesOrNull(row, 'sealed_share') };
}

/** A row returned by SQL.takePresignature. */
export function mapTakenPresignature(row: RawRow): TakenPresignatureRow {
  return { sealed: new Uint8Array(row.sealed as Buffer), keyVersion: num(row, 'key_version'), players: String(row.players) };
}

/** Most ids one takePresignatures call accepts. */
export const MAX_TAKE_IDS = 256;

/** Validated (keyId, distinct ids) of a takePresignatures call. */
export function checkPresignatureIds(keyId: string, presigIds: readonly string[]): string[] {
  checkId(keyId, 'keyId');
  if (!Array.isArray(presigIds) || presigIds.length > MAX_TAKE_IDS) throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, `at most ${MAX_TAKE_IDS} presignature ids at once`);
  return [...new Set(presigIds.map((id) => checkId(id, 'presigId')))];
}

export function mapPendingShare(row: RawRow): PendingShareRecord {
  return {
    keyId: str(row, 'key_id'),
    sessionId: str(row, 'session_id'),
    operation: str(row, 'operation') as PendingShareRecord['operation'],
    action: str(row, 'action') as PendingShareRecord['action'],
    applicationId: str(row, 'application_id'),
    scheme: str(row, 'scheme'),
    protocol: str(row, 'protocol'),
    publicKey: str(row, 'public_key'),
    fromVersion: num(row, 'from_version'),
    version: num(row, 'version'),
    sealedShare: bytesOrNull(row, 'sealed'),
    threshold: num(row, 'threshold'),
    parties: parseParties(str(row, 'parties')),
    participants: parseParties(str(row, 'participants')),
    digest: str(row, 'digest'),
    createdAt: num(row, 'created_at'),
  };
}

/** Parameters of {@link SQL.insertPendingShare}, in column order. */
export function pendingShareParams(p: PendingShareRecord): unknown[] {
  return [
    p.keyId,
    p.sessionId,
    p.operation,
    p.action,
    p.applicationId,
    p.scheme,
    p.protocol,
    p.publicKey,
    p.fromVersion,
    p.version,
    p.sealedShare === null ? null : toBuffer(p.sealedShare),
    p.threshold,
    JSON.stringify(p.parties),
    JSON.stringify(p.participants),
    p.digest,
    p.createdAt,
  ];
}

/** A lifecycle_outcomes row (or none) → the recorded outcome. */
export function mapLifecycleOutcome(row: RawRow): { outcome: 'committed' | 'aborted'; digest: string | null; version: number | null } {
  const outcome = str(row, 'outcome');
  if (outcome !== 'committed' && outcome !== 'aborted') throw corrupt('outcome');
  const v = row.version;
  return { outcome, digest: strOrNull(row, 'digest'), version: v === null || v === undefined ? null : num(row, 'version') };
}

export function mapAudit(row: RawRow): AuditRow {
  return {
    seq: num(row, 'seq'),
    at: str(row, 'at'),
    actor: str(row, 'actor'),
    action: str(row, 'action'),
    keyId: strOrNull(row, 'key_id'),
    sessionId: strOrNull(row, 'session_id'),
    result: str(row, 'result'),
    detail: str(row, 'detail'),
    prevHash: str(row, 'prev_hash'),
    hash: str(row, 'hash'),
  };
}

/** Parameters of {@link SQL.insertAudit}, in column order. */
export function auditParams(row: AuditRow): unknown[] {
  return [row.seq, row.at, row.actor, row.action, row.keyId, row.sessionId, row.result, row.detail, row.prevHash, row.hash];
}

/** Checks a row returned by an `appendAuditEntry` builder is well-formed before it is inserted. */
export function checkAuditRow(row: AuditRow): void {
  const ok =
    Number.isSafeInteger(row.seq) &&
    row.seq >= 1 &&
    typeof row.at === 'string' &&
    typeof row.actor === 'string' &&
    typeof row.action === 'string' &&
    (row.keyId === null || typeof row.keyId === 'string') &&
    (row.sessionId === null || typeof row.sessionId === 'string') &&
    typeof row.result === 'string' &&
    typeof row.detail === 'string' &&
    /^[0-9a-f]{64}$/.test(row.prevHash) &&
    /^[0-9a-f]{64}$/.test(row.hash);
  if (!ok) throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'audit row is malformed');
}
