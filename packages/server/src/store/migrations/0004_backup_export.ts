/**
 * Migration 4: the policy state of backup and export (docs/operations.md, "Backup, recovery,
 * export and import").
 *
 * - `backup_recipients`: the operator backup keys an administrator authorised on this node
 *   (verifiable-backup.md §3.2: "nodes refuse to back up to an unknown pkR"), by fingerprint
 *   SHA-256(u16(kem) ‖ u16(kdf) ‖ u16(aead) ‖ pkR).
 * - `export_policies`: per key, whether an administrator allowed exporting it and to which
 *   recipient keys (no row = export forbidden, the default; checklist H1).
 */
import type { Migration } from './types.js';

const common = (bool: string, bigint: string): string[] => [
  `CREATE TABLE backup_recipients (
    fingerprint TEXT PRIMARY KEY NOT NULL,
    suite TEXT NOT NULL CHECK (suite IN ('x25519', 'p256')),
    public_key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at ${bigint} NOT NULL
  )`,
  `CREATE TABLE export_policies (
    key_id TEXT PRIMARY KEY NOT NULL,
    allow_export ${bool} NOT NULL,
    recipients TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at ${bigint} NOT NULL
  )`,
];

export const migration0004: Migration = {
  version: 4,
  name: 'backup_export',
  sqlite: common('INTEGER', 'INTEGER'),
  postgres: common('BOOLEAN', 'BIGINT'),
};
