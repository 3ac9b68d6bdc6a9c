/**
 * Migration 1: applications, keys, request_ids, audit_log.
 *
 * Same columns in both dialects. Times are integer milliseconds (BIGINT on PostgreSQL), except
 * audit `at`, an ISO-8601 string hashed into the chain exactly as stored. `parties` and audit
 * `detail` are JSON text. The audit log is append-only at the database level too (triggers refuse
 * UPDATE/DELETE), as defence in depth behind the hash chain.
 */
import type { Migration } from './types.js';

export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  sqlite: [
    `CREATE TABLE applications (
      application_id TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      algorithm TEXT NOT NULL CHECK (algorithm IN ('ed25519', 'p256')),
      public_key TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('admin', 'app')),
      enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    `CREATE TABLE keys (
      key_id TEXT PRIMARY KEY NOT NULL,
      application_id TEXT NOT NULL REFERENCES applications (application_id),
      scheme TEXT NOT NULL,
      threshold INTEGER NOT NULL CHECK (threshold >= 1),
      parties TEXT NOT NULL,
      public_key TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
      version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
      sealed_share BLOB,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      CHECK (status <> 'active' OR (public_key IS NOT NULL AND sealed_share IS NOT NULL))
    )`,
    `CREATE INDEX keys_application_created ON keys (application_id, created_at, key_id)`,
    `CREATE TABLE request_ids (
      application_id TEXT NOT NULL,
      request_id TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (application_id, request_id)
    ) WITHOUT ROWID`,
    `CREATE INDEX request_ids_expires ON request_ids (expires_at)`,
    `CREATE TABLE audit_log (
      seq INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 1),
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      key_id TEXT,
      session_id TEXT,
      result TEXT NOT NULL,
      detail TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    )`,
    `CREATE INDEX audit_log_key ON audit_log (key_id, seq)`,
    `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
    `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
  ],
  postgres: [
    `CREATE TABLE applications (
      application_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      algorithm TEXT NOT NULL CHECK (algorithm IN ('ed25519', 'p256')),
      public_key TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('admin', 'app')),
      enabled BOOLEAN NOT NULL DEFAULT TRUE,
      created_at BIGINT NOT NULL
    )`,
    `CREATE TABLE keys (
      key_id TEXT PRIMARY KEY,
      application_id TEXT NOT NULL REFERENCES applications (application_id),
      scheme TEXT NOT NULL,
      threshold INTEGER NOT NULL CHECK (threshold >= 1),
      parties TEXT NOT NULL,
      public_key TEXT,
      status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
      version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
      sealed_share BYTEA,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      CHECK (status <> 'active' OR (public_key IS NOT NULL AND sealed_share IS NOT NULL))
    )`,
    `CREATE INDEX keys_application_created ON keys (application_id, created_at, key_id)`,
    `CREATE TABLE request_ids (
      application_id TEXT NOT NULL,
      request_id TEXT NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (application_id, request_id)
    )`,
    `CREATE INDEX request_ids_expires ON request_ids (expires_at)`,
    `CREATE TABLE audit_log (
      seq BIGINT PRIMARY KEY CHECK (seq >= 1),
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      key_id TEXT,
      session_id TEXT,
      result TEXT NOT NULL,
      detail TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    )`,
    `CREATE INDEX audit_log_key ON audit_log (key_id, seq)`,
    `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
    `CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
    `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
  ],
};
