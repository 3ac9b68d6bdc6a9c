/**
 * SQL, row mappers and argument checks of the backup / export policy tables (migration 4), shared
 * by the SQLite and PostgreSQL stores.
 */
import { StoreError, StoreErrorCode } from './errors.js';
import { num, type RawRow } from './sql.js';
import type { BackupRecipientRecord, ExportPolicyRecord, NewBackupRecipient, NewExportPolicy } from './types.js';
import { checkId, checkTime } from './validate.js';

const RECIPIENT_COLS = 'fingerprint, suite, public_key, name, created_by, created_at';
const POLICY_COLS = 'key_id, allow_export, recipients, updated_by, updated_at';

export const BACKUP_SQL = {
  insertBackupRecipient: `INSERT INTO backup_recipients (${RECIPIENT_COLS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING`,
  getBackupRecipient: `SELECT ${RECIPIENT_COLS} FROM backup_recipients WHERE fingerprint = ?`,
  listBackupRecipients: `SELECT ${RECIPIENT_COLS} FROM backup_recipients ORDER BY created_at, fingerprint`,
  deleteBackupRecipient: `DELETE FROM backup_recipients WHERE fingerprint = ?`,
  upsertExportPolicy:
    `INSERT INTO export_policies (${POLICY_COLS}) VALUES (?, ?, ?, ?, ?) ` +
    `ON CONFLICT (key_id) DO UPDATE SET allow_export = excluded.allow_export, recipients = excluded.recipients, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  getExportPolicy: `SELECT ${POLICY_COLS} FROM export_policies WHERE key_id = ?`,
} as const;

const FP_RE = /^[0-9a-f]{64}$/;
const X25519_RE = /^[0-9a-f]{64}$/;
const P256_RE = /^04[0-9a-f]{128}$/;

function invalid(message: string): StoreError {
  return new StoreError(StoreErrorCode.INVALID_ARGUMENT, message);
}

function corrupt(column: string): StoreError {
  return new StoreError(StoreErrorCode.DB_ERROR, `stored ${column} column has an unexpected type`);
}

export function checkFingerprint(v: unknown): string {
  if (typeof v !== 'string' || !FP_RE.test(v)) throw invalid('fingerprint must be 64 lower-case hex characters');
  return v;
}

function checkHpkeKey(v: unknown, field: string): string {
  if (typeof v !== 'string' || !(X25519_RE.test(v) || P256_RE.test(v))) throw invalid(`${field} must be an X25519 (32 bytes) or uncompressed P-256 (65 bytes) public key, lower-case hex`);
  return v;
}

export function checkNewBackupRecipient(r: NewBackupRecipient): Required<NewBackupRecipient> {
  if (r === null || typeof r !== 'object') throw invalid('recipient must be an object');
  if (r.suite !== 'x25519' && r.suite !== 'p256') throw invalid('suite must be x25519 or p256');
  const publicKey = checkHpkeKey(r.publicKey, 'publicKey');
  if ((r.suite === 'x25519') !== (publicKey.length === 64)) throw invalid('publicKey does not match the suite');
  if (typeof r.name !== 'string' || r.name.length > 128 || /[\x00-\x1f\x7f]/.test(r.name)) throw invalid('name must be at most 128 characters without control characters');
  return {
    fingerprint: checkFingerprint(r.fingerprint),
    suite: r.suite,
    publicKey,
    name: r.name,
    createdBy: checkId(r.createdBy, 'createdBy'),
    createdAt: r.createdAt === undefined ? Date.now() : checkTime(r.createdAt, 'createdAt'),
  };
}

export function checkNewExportPolicy(p: NewExportPolicy): Required<NewExportPolicy> {
  if (p === null || typeof p !== 'object') throw invalid('policy must be an object');
  if (typeof p.allowExport !== 'boolean') throw invalid('allowExport must be a boolean');
  if (!Array.isArray(p.recipients) || p.recipients.length > 16) throw invalid('recipients must be an array of at most 16 keys');
  const recipients = p.recipients.map((k, i) => checkHpkeKey(k, `recipients[${i}]`));
  if (new Set(recipients).size !== recipients.length) throw invalid('recipients must be distinct');
  return {
    keyId: checkId(p.keyId, 'keyId'),
    allowExport: p.allowExport,
    recipients,
    updatedBy: checkId(p.updatedBy, 'updatedBy'),
    updatedAt: p.updatedAt === undefined ? Date.now() : checkTime(p.updatedAt, 'updatedAt'),
  };
}

function str(row: RawRow, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') throw corrupt(column);
  return v;
}

export function mapBackupRecipient(row: RawRow): BackupRecipientRecord {
  const suite = str(row, 'suite');
  if (suite !== 'x25519' && suite !== 'p256') throw corrupt('suite');
  return { fingerprint: str(row, 'fingerprint'), suite, publicKey: str(row, 'public_key'), name: str(row, 'name'), createdBy: str(row, 'created_by'), createdAt: num(row, 'created_at') };
}

export function mapExportPolicy(row: RawRow): ExportPolicyRecord {
  const a = row.allow_export;
  let allowExport: boolean;
  if (typeof a === 'boolean') allowExport = a;
  else if (a === 0 || a === 1) allowExport = a === 1;
  else throw corrupt('allow_export');
  let recipients: unknown;
  try {
    recipients = JSON.parse(str(row, 'recipients'));
  } catch {
    throw corrupt('recipients');
  }
  if (!Array.isArray(recipients) || !recipients.every((r) => typeof r === 'string')) throw corrupt('recipients');
  return { keyId: str(row, 'key_id'), allowExport, recipients, updatedBy: str(row, 'updated_by'), updatedAt: num(row, 'updated_at') };
}

/** Parameters of {@link BACKUP_SQL.insertBackupRecipient}, in column order. */
export function backupRecipientParams(r: Required<NewBackupRecipient>): unknown[] {
  return [r.fingerprint, r.suite, r.publicKey, r.name, r.createdBy, r.createdAt];
}

/** Parameters of {@link BACKUP_SQL.upsertExportPolicy}; `bool` maps the flag to the dialect's type. */
export function exportPolicyParams(p: Required<NewExportPolicy>, bool: (b: boolean) => unknown): unknown[] {
  return [p.keyId, bool(p.allowExport), JSON.stringify(p.recipients), p.updatedBy, p.updatedAt];
}
