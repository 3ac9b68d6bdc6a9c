/**
 * Migration 3: the two-phase commit of refresh and reshare (docs/operations.md, "Refresh, reshare,
 * derivation in the cluster").
 *
 * - `pending_shares`: at most one per key and node — the sealed new share of a refresh / reshare
 *   run that finished its protocol but whose commit is not decided yet, with everything needed to
 *   apply it (a newcomer of a reshare has no `keys` row yet; a dealer that leaves the committee
 *   stores no share: `sealed` is NULL and the commit deletes its row). `participants` are every
 *   player of the run (refresh: the key's parties; reshare: old ∪ new), the players a restarted
 *   node asks about the run's outcome.
 * - `lifecycle_outcomes`: the decided outcome of each run on this node (`committed` or `aborted`).
 *   A node records `aborted` for a run it holds no pending share of when a peer asks, and then
 *   refuses to store one: so once any node has recorded `aborted`, no node can complete the
 *   commit, and a pending share may be dropped safely.
 */
import type { Migration } from './types.js';

const common = (blob: string, bigint: string): string[] => [
  `CREATE TABLE pending_shares (
    key_id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ('refresh', 'reshare')),
    action TEXT NOT NULL CHECK (action IN ('replace', 'insert', 'remove')),
    application_id TEXT NOT NULL,
    scheme TEXT NOT NULL,
    protocol TEXT NOT NULL,
    public_key TEXT NOT NULL,
    from_version INTEGER NOT NULL CHECK (from_version >= 0),
    version INTEGER NOT NULL CHECK (version > from_version),
    sealed ${blob},
    threshold INTEGER NOT NULL CHECK (threshold >= 1),
    parties TEXT NOT NULL,
    participants TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at ${bigint} NOT NULL,
    CHECK ((action = 'remove') = (sealed IS NULL))
  )`,
  `CREATE TABLE lifecycle_outcomes (
    key_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('committed', 'aborted')),
    digest TEXT,
    version INTEGER,
    created_at ${bigint} NOT NULL,
    PRIMARY KEY (key_id, session_id)
  )`,
];

export const migration0003: Migration = {
  version: 3,
  name: 'lifecycle',
  sqlite: common('BLOB', 'INTEGER'),
  postgres: common('BYTEA', 'BIGINT'),
};
