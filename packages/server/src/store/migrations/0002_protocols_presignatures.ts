/**
 * Migration 2: the signing protocol of each key (frost, honest-majority, dkls23), the presignature
 * pool of honest-majority ECDSA keys, the used OT-extension session ids of DKLs23 keys (an id must
 * never repeat from the sender's side) and the per-key peer bans that a failed DKLs23 check records.
 */
import type { Migration } from './types.js';

const common = (blob: string, bigint: string): string[] => [
  `ALTER TABLE keys ADD COLUMN protocol TEXT NOT NULL DEFAULT 'frost'`,
  `CREATE TABLE presignatures (
    presig_id TEXT PRIMARY KEY NOT NULL,
    key_id TEXT NOT NULL,
    players TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    sealed ${blob} NOT NULL,
    created_at ${bigint} NOT NULL
  )`,
  `CREATE INDEX presignatures_key_players ON presignatures (key_id, players, created_at, presig_id)`,
  `CREATE TABLE ot_sessions (
    key_id TEXT NOT NULL,
    peer INTEGER NOT NULL,
    ot_session_id TEXT NOT NULL,
    created_at ${bigint} NOT NULL,
    PRIMARY KEY (key_id, peer, ot_session_id)
  )`,
  `CREATE TABLE peer_bans (
    key_id TEXT NOT NULL,
    peer INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at ${bigint} NOT NULL,
    PRIMARY KEY (key_id, peer)
  )`,
];

export const migration0002: Migration = {
  version: 2,
  name: 'protocols_presignatures',
  sqlite: common('BLOB', 'INTEGER'),
  postgres: common('BYTEA', 'BIGINT'),
};
