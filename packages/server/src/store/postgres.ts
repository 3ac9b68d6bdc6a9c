/**
 * PostgreSQL implementation of {@link ShareStore} (`pg` Pool).
 *
 * All tables live in one schema (option `schema`, or `?schema=` in the URL, default `public`), set
 * as the connection's `search_path`, so several nodes (or test runs) can share one database, each
 * in its own schema. `migrate()` creates the schema if needed and applies pending migrations in one
 * transaction under a transaction-level advisory lock keyed by the schema name, so concurrent
 * replicas starting together are safe. Audit appends take a self-conflicting table lock so the
 * chain cannot fork even across replicas.
 */
import pg from 'pg';
import { StoreError, StoreErrorCode, wrapDbError } from './errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index.js';
import {
  BACKUP_SQL,
  backupRecipientParams,
  checkFingerprint,
  checkNewBackupRecipient,
  checkNewExportPolicy,
  exportPolicyParams,
  mapBackupRecipient,
  mapExportPolicy,
} from './backup-policy.js';
import type { BackupRecipientRecord, ExportPolicyRecord, NewBackupRecipient, NewExportPolicy, TakenPresignatureRow } from './types.js';
import {
  auditParams,
  checkAuditRow,
  mapApplication,
  mapAudit,
  mapKeyInfo,
  mapKeyRecord,
  mapLifecycleOutcome,
  mapPendingShare,
  num,
  pendingShareParams,
  SQL,
  toBuffer,
  toPgPlaceholders,
  type RawRow,
  checkPresignatureIds,
  mapTakenPresignature,
} from './sql.js';
import type {
  ApplicationRecord,
  AuditRow,
  CountKeysOptions,
  KeyActivation,
  KeyInfo,
  KeyRecord,
  KeyStatus,
  ListAuditOptions,
  LifecycleStatus,
  ListKeysOptions,
  NewApplication,
  NewKey,
  NewPendingShare,
  PendingShareRecord,
  ShareReplacement,
  ShareStore,
} from './types.js';
import {
  checkActivation,
  checkAuditRows,
  checkId,
  checkListAudit,
  checkListKeys,
  checkNewApplication,
  checkNewKey,
  checkNewPendingShare,
  checkReplacement,
  checkSessionId,
  checkTime,
  checkSmallInt,
  checkStatus,
} from './validate.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Schema holding this node's tables: `[a-z_][a-z0-9_]{0,62}`. Overrides `?schema=` in the URL. Default `public`. */
  readonly schema?: string;
  /** Run pending migrations on open (default true). */
  readonly migrate?: boolean;
  /** Pool size (default 10). */
  readonly max?: number;
  /** Connection timeout in ms (default 10000). */
  readonly connectionTimeoutMs?: number;
  /** Called with errors of idle pooled connections (which would otherwise crash the process). */
  readonly onError?: (err: Error) => void;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;
/** First key of the migration advisory lock: "OTSM". */
const MIGRATION_LOCK_CLASS = 0x4f54534d;
/** First key of the per-key advisory lock of the refresh / reshare commit: "OTSL". */
const LIFECYCLE_LOCK_CLASS = 0x4f54534c;

/** Opens a pool on `url` (`postgres://` or `postgresql://`) and, unless told not to, migrates. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const store = PostgresStore.open(url, options);
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

/** PostgreSQL {@link ShareStore}. Construct with {@link openPostgresStore}. */
export class PostgresStore implements ShareStore {
  readonly dialect = 'postgres' as const;
  #closed = false;

  private constructor(
    /** The pool (tests and diagnostics only; bypasses every check). */
    readonly pool: pg.Pool,
    /** The schema holding this store's tables. */
    readonly schema: string,
  ) {}

  /** Creates the pool without connecting (see {@link openPostgresStore}). */
  static open(url: string, options: PostgresStoreOptions = {}): PostgresStore {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StoreError(StoreErrorCode.UNSUPPORTED_URL, 'the PostgreSQL URL is malformed');
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      throw new StoreError(StoreErrorCode.UNSUPPORTED_URL, 'a PostgreSQL URL starts with postgres:// or postgresql://');
    }
    const schema = options.schema ?? parsed.searchParams.get('schema') ?? 'public';
    if (!SCHEMA_RE.test(schema)) throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'schema must match [a-z_][a-z0-9_]{0,62}');
    const userOptions = parsed.searchParams.get('options');
    parsed.searchParams.delete('schema');
    parsed.searchParams.delete('options');
    const pool = new pg.Pool({
      connectionString: parsed.toString(),
      options: `-c search_path=${schema}${userOptions ? ` ${userOptions}` : ''}`,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      application_name: 'opentsm',
    });
    const onError = options.onError;
    pool.on('error', (err) => onError?.(err));
    return new PostgresStore(pool, schema);
  }

  #check(): void {
    if (this.#closed) throw new StoreError(StoreErrorCode.CLOSED, 'the store is closed');
  }

  async #query(sql: string, params: unknown[] = [], client?: pg.PoolClient): Promise<pg.QueryResult<RawRow>> {
    this.#check();
    try {
      return await (client ?? this.pool).query<RawRow>(toPgPlaceholders(sql), params);
    } catch (err) {
      throw wrapDbError(err);
    }
  }

  async #rows(sql: string, params: unknown[] = []): Promise<RawRow[]> {
    return (await this.#query(sql, params)).rows;
  }

  async #changes(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }

  /** Runs `fn` in a transaction on one pooled connection; rolls back on any error. */
  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#check();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw wrapDbError(err);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // connection is unusable: destroy it instead of returning it to the pool
      }
      throw wrapDbError(err);
    } finally {
      client.release(broken);
    }
  }

  async migrate(): Promise<number> {
    const count = await this.#transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, this.schema]);
      const exists = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (exists.rowCount === 0) await c.query(`CREATE SCHEMA "${this.schema}"`);
      await c.query(SQL.createMigrationsTable);
      const applied = new Set((await c.query<RawRow>(SQL.appliedMigrations)).rows.map((r) => num(r, 'version')));
      if ([...applied].some((v) => v > LATEST_SCHEMA_VERSION)) {
        throw new StoreError(StoreErrorCode.SCHEMA_TOO_NEW, `database schema is newer than this code (version ${LATEST_SCHEMA_VERSION})`);
      }
      let n = 0;
      for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        try {
          for (const statement of m.postgres) await c.query(statement);
        } catch (err) {
          throw new StoreError(StoreErrorCode.MIGRATION_FAILED, `migration ${m.version} (${m.name}) failed: ${wrapDbError(err).message}`);
        }
        await c.query(toPgPlaceholders(SQL.recordMigration), [m.version, m.name, Date.now()]);
        n++;
      }
      return n;
    });
    return count;
  }

  async schemaVersion(): Promise<number> {
    const exists = await this.#rows('SELECT 1 FROM pg_tables WHERE schemaname = ? AND tablename = ?', [this.schema, 'schema_migrations']);
    if (exists.length === 0) return 0;
    const rows = await this.#rows('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations');
    return rows[0] === undefined ? 0 : num(rows[0], 'v');
  }

  // ---- applications ----

  async createApplication(app: NewApplication): Promise<ApplicationRecord> {
    const a = checkNewApplication(app);
    await this.#query(SQL.insertApplication, [a.applicationId, a.name, a.algorithm, a.publicKey, a.role, a.enabled, a.createdAt]);
    return { ...a };
  }

  async getApplication(applicationId: string): Promise<ApplicationRecord | undefined> {
    const rows = await this.#rows(SQL.getApplication, [checkId(applicationId, 'applicationId')]);
    return rows[0] === undefined ? undefined : mapApplication(rows[0]);
  }

  async listApplications(): Promise<ApplicationRecord[]> {
    return (await this.#rows(SQL.listApplications)).map(mapApplication);
  }

  async setApplicationEnabled(applicationId: string, enabled: boolean): Promise<boolean> {
    if (typeof enabled !== 'boolean') throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'enabled must be a boolean');
    return (await this.#changes(SQL.setApplicationEnabled, [enabled, checkId(applicationId, 'applicationId')])) === 1;
  }

  // ---- keys ----

  async insertPendingKey(key: NewKey): Promise<KeyInfo> {
    const k = checkNewKey(key);
    await this.#query(SQL.insertPendingKey, [k.keyId, k.applicationId, k.scheme, k.threshold, JSON.stringify(k.parties), k.createdAt, k.createdAt, k.protocol]);
    return {
      keyId: k.keyId,
      applicationId: k.applicationId,
      scheme: k.scheme,
      threshold: k.threshold,
      parties: k.parties,
      publicKey: null,
      status: 'pending',
      version: 0,
      createdAt: k.createdAt,
      updatedAt: k.createdAt,
      protocol: k.protocol,
    };
  }

  async storePendingShare(keyId: string, activation: KeyActivation): Promise<KeyRecord> {
    checkId(keyId, 'keyId');
    const a = checkActivation(activation);
    return this.#updatePending(keyId, 'only a pending key can take a share', SQL.storePendingShare, [a.publicKey, toBuffer(a.sealedShare), a.version, a.updatedAt, keyId]);
  }

  async activateKey(keyId: string, activation?: KeyActivation): Promise<KeyRecord> {
    checkId(keyId, 'keyId');
    const conflict = 'only a pending key with a stored share can be activated';
    if (activation === undefined) return this.#updatePending(keyId, conflict, SQL.activateStoredKey, [Date.now(), keyId]);
    const a = checkActivation(activation);
    return this.#updatePending(keyId, conflict, SQL.activateKey, [a.publicKey, toBuffer(a.sealedShare), a.version, a.updatedAt, keyId]);
  }

  /** Runs an UPDATE guarded by `status = 'pending'` and returns the row, or explains why nothing changed. */
  #updatePending(keyId: string, conflict: string, sql: string, params: unknown[]): Promise<KeyRecord> {
    return this.#transaction(async (c) => {
      const changed = await this.#query(sql, params, c);
      const row = (await this.#query(SQL.getKeyById, [keyId], c)).rows[0];
      if (row === undefined) throw new StoreError(StoreErrorCode.KEY_NOT_FOUND, 'no such key');
      if (changed.rowCount !== 1) throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, conflict);
      return mapKeyRecord(row);
    });
  }

  async failKey(keyId: string, updatedAt?: number): Promise<boolean> {
    const at = updatedAt === undefined ? Date.now() : checkTime(updatedAt, 'updatedAt');
    return (await this.#changes(SQL.failKey, [at, checkId(keyId, 'keyId')])) === 1;
  }

  async replaceShare(keyId: string, replacement: ShareReplacement): Promise<boolean> {
    checkId(keyId, 'keyId');
    const r = checkReplacement(replacement);
    const share = toBuffer(r.sealedShare);
    const changed = r.quorum
      ? await this.#changes(SQL.replaceShareQuorum, [share, r.version, r.quorum.threshold, JSON.stringify(r.quorum.parties), r.updatedAt, keyId, r.expectedVersion])
      : await this.#changes(SQL.replaceShare, [share, r.version, r.updatedAt, keyId, r.expectedVersion]);
    return changed === 1;
  }

  async getKey(applicationId: string, keyId: string): Promise<KeyRecord | undefined> {
    const rows = await this.#rows(SQL.getKey, [checkId(keyId, 'keyId'), checkId(applicationId, 'applicationId')]);
    return rows[0] === undefined ? undefined : mapKeyRecord(rows[0]);
  }

  async getKeyById(keyId: string): Promise<KeyRecord | undefined> {
    const rows = await this.#rows(SQL.getKeyById, [checkId(keyId, 'keyId')]);
    return rows[0] === undefined ? undefined : mapKeyRecord(rows[0]);
  }

  // ---- presignatures, OT sessions, bans ----

  async putPresignatures(keyId: string, keyVersion: number, players: string, items: readonly { presigId: string; sealed: Uint8Array }[]): Promise<number> {
    checkId(keyId, 'keyId');
    checkId(players, 'players');
    const at = Date.now();
    return this.#transaction(async (c) => {
      // FOR SHARE: a concurrent refresh's UPDATE of the key waits for this transaction (and then deletes the batch).
      const key = (await this.#query(SQL.presignatureKeyVersionLocked, [keyId], c)).rows[0];
      if (key === undefined || num(key, 'version') !== keyVersion) return 0;
      for (const it of items) await this.#query(SQL.insertPresignature, [checkId(it.presigId, 'presigId'), keyId, players, keyVersion, Buffer.from(it.sealed), at], c);
      return items.length;
    });
  }

  async takePresignatures(keyId: string, presigIds: readonly string[]): Promise<Map<string, TakenPresignatureRow>> {
    const ids = checkPresignatureIds(keyId, presigIds);
    const out = new Map<string, TakenPresignatureRow>();
    if (ids.length === 0) return out;
    return this.#transaction(async (c) => {
      for (const id of ids) {
        const row = (await this.#query(SQL.takePresignature, [id, keyId], c)).rows[0];
        if (row !== undefined) out.set(id, mapTakenPresignature(row));
      }
      return out;
    });
  }

  async listPresignatureIds(keyId: string, players: string, limit: number): Promise<string[]> {
    return (await this.#rows(SQL.listPresignatureIds, [checkId(keyId, 'keyId'), checkId(players, 'players'), checkSmallInt(limit, 'limit', 1)])).map((r) => String(r.presig_id));
  }

  async countPresignatures(keyId: string, players: string): Promise<number> {
    return num((await this.#rows(SQL.countPresignatures, [checkId(keyId, 'keyId'), checkId(players, 'players')]))[0]!, 'n');
  }

  /** PostgreSQL commits are durable (synchronous_commit), so a clean stop need not be tracked. */
  readonly uncleanStart = false;

  async purgeAllPresignatures(): Promise<number> {
    return this.#changes(SQL.purgeAllPresignatures, []);
  }

  async deletePresignatures(keyId: string): Promise<number> {
    return this.#changes(SQL.deletePresignatures, [checkId(keyId, 'keyId')]);
  }

  async deletePresignatureIds(keyId: string, presigIds: readonly string[]): Promise<number> {
    checkId(keyId, 'keyId');
    const ids = presigIds.map((id) => checkId(id, 'presigId'));
    let n = 0;
    for (const id of ids) n += await this.#changes(SQL.deletePresignatureId, [id, keyId]);
    return n;
  }

  async recordOtSession(keyId: string, peer: number, otSessionId: string): Promise<boolean> {
    return (await this.#changes(SQL.recordOtSession, [checkId(keyId, 'keyId'), checkSmallInt(peer, 'peer', 1), checkId(otSessionId, 'otSessionId'), Date.now()])) === 1;
  }

  async banPeer(keyId: string, peer: number, reason: string): Promise<void> {
    await this.#changes(SQL.banPeer, [checkId(keyId, 'keyId'), checkSmallInt(peer, 'peer', 1), checkId(reason, 'reason'), Date.now()]);
  }

  async listBans(keyId: string): Promise<{ peer: number; reason: string; createdAt: number }[]> {
    return (await this.#rows(SQL.listBans, [checkId(keyId, 'keyId')])).map((r) => ({ peer: num(r, 'peer'), reason: String(r.reason), createdAt: num(r, 'created_at') }));
  }

  async clearBans(keyId: string): Promise<number> {
    return this.#changes(SQL.clearBans, [checkId(keyId, 'keyId')]);
  }

  async listKeysByStatus(status: KeyStatus, limit: number): Promise<KeyRecord[]> {
    return (await this.#rows(SQL.listKeysByStatus, [checkStatus(status), checkSmallInt(limit, 'limit', 1)])).map(mapKeyRecord);
  }

  async listKeys(applicationId: string, options?: ListKeysOptions): Promise<KeyInfo[]> {
    checkId(applicationId, 'applicationId');
    const { limit, after } = checkListKeys(options);
    if (after === undefined) return (await this.#rows(SQL.listKeysFirst, [applicationId, limit])).map(mapKeyInfo);
    const cursor = (await this.#rows(SQL.getKeyCursor, [after, applicationId]))[0];
    if (cursor === undefined) throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'after must name a key of this application');
    return (await this.#rows(SQL.listKeysAfter, [applicationId, num(cursor, 'created_at'), after, limit])).map(mapKeyInfo);
  }

  async deleteKey(applicationId: string, keyId: string): Promise<boolean> {
    return (await this.#changes(SQL.deleteKey, [checkId(keyId, 'keyId'), checkId(applicationId, 'applicationId')])) === 1;
  }

  async countKeys(options: CountKeysOptions = {}): Promise<number> {
    const app = options.applicationId === undefined ? undefined : checkId(options.applicationId, 'applicationId');
    const status = options.status;
    if (status !== undefined && status !== 'pending' && status !== 'active' && status !== 'failed') {
      throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'status must be pending, active or failed');
    }
    const rows =
      app !== undefined && status !== undefined
        ? await this.#rows(SQL.countKeysByAppStatus, [app, status])
        : app !== undefined
          ? await this.#rows(SQL.countKeysByApp, [app])
          : status !== undefined
            ? await this.#rows(SQL.countKeysByStatus, [status])
            : await this.#rows(SQL.countKeys);
    return rows[0] === undefined ? 0 : num(rows[0], 'n');
  }

  // ---- refresh / reshare two-phase commit ----

  /** A transaction holding the key's lifecycle lock (serialises the commit decisions about one key). */
  #lifecycleTransaction<T>(keyId: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LIFECYCLE_LOCK_CLASS, keyId]);
      return fn(c);
    });
  }

  async insertPendingShare(pending: NewPendingShare): Promise<boolean> {
    const p = checkNewPendingShare(pending);
    return this.#lifecycleTransaction(p.keyId, async (c) => {
      if ((await this.#query(SQL.getLifecycleOutcome, [p.keyId, p.sessionId], c)).rows.length > 0) return false;
      if ((await this.#query(SQL.getPendingShare, [p.keyId], c)).rows.length > 0) return false;
      await this.#query(SQL.insertPendingShare, pendingShareParams(p), c);
      return true;
    });
  }

  async getPendingShare(keyId: string): Promise<PendingShareRecord | undefined> {
    const row = (await this.#rows(SQL.getPendingShare, [checkId(keyId, 'keyId')]))[0];
    return row === undefined ? undefined : mapPendingShare(row);
  }

  async listPendingShares(limit: number): Promise<PendingShareRecord[]> {
    return (await this.#rows(SQL.listPendingShares, [checkSmallInt(limit, 'limit', 1)])).map(mapPendingShare);
  }

  async commitPendingShare(keyId: string, sessionId: string, updatedAt?: number): Promise<boolean> {
    checkId(keyId, 'keyId');
    checkSessionId(sessionId);
    const at = updatedAt === undefined ? Date.now() : checkTime(updatedAt, 'updatedAt');
    return this.#lifecycleTransaction(keyId, async (c) => {
      const raw = (await this.#query(SQL.getPendingShare, [keyId], c)).rows[0];
      if (raw === undefined) return false;
      const p = mapPendingShare(raw);
      if (p.sessionId !== sessionId) return false;
      if ((await this.#query(SQL.getLifecycleOutcome, [keyId, sessionId], c)).rows.length > 0)
        throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, 'the run is already decided on this node');
      if (p.action === 'replace') {
        const r = await this.#query(SQL.replaceShareQuorum, [toBuffer(p.sealedShare!), p.version, p.threshold, JSON.stringify(p.parties), at, keyId, p.fromVersion], c);
        if (r.rowCount !== 1) throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, 'the key is not active at the version the run started from');
      } else if (p.action === 'insert') {
        if ((await this.#query(SQL.getKeyById, [keyId], c)).rows.length > 0) throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, 'the key already exists on this node');
        await this.#query(SQL.insertActiveKey, [keyId, p.applicationId, p.scheme, p.threshold, JSON.stringify(p.parties), p.publicKey, p.version, at, at, p.protocol, toBuffer(p.sealedShare!)], c);
      } else await this.#query(SQL.deleteKeyById, [keyId], c);
      await this.#query(SQL.deletePresignatures, [keyId], c);
      await this.#query(SQL.deleteOtSessions, [keyId], c);
      await this.#query(SQL.clearBans, [keyId], c);
      await this.#query(SQL.deletePendingShare, [keyId, sessionId], c);
      await this.#query(SQL.insertLifecycleOutcome, [keyId, sessionId, 'committed', p.digest, p.version, at], c);
      return true;
    });
  }

  async abortLifecycle(keyId: string, sessionId: string): Promise<'aborted' | 'committed'> {
    checkId(keyId, 'keyId');
    checkSessionId(sessionId);
    return this.#lifecycleTransaction(keyId, async (c) => {
      const o = (await this.#query(SQL.getLifecycleOutcome, [keyId, sessionId], c)).rows[0];
      if (o !== undefined && mapLifecycleOutcome(o).outcome === 'committed') return 'committed';
      await this.#query(SQL.deletePendingShare, [keyId, sessionId], c);
      await this.#query(SQL.insertLifecycleOutcome, [keyId, sessionId, 'aborted', null, null, Date.now()], c);
      return 'aborted';
    });
  }

  async lifecycleStatus(keyId: string, sessionId: string, options: { readonly abortIfUnknown?: boolean } = {}): Promise<LifecycleStatus> {
    checkId(keyId, 'keyId');
    checkSessionId(sessionId);
    const read = async (c?: pg.PoolClient): Promise<LifecycleStatus | undefined> => {
      const o = (await this.#query(SQL.getLifecycleOutcome, [keyId, sessionId], c)).rows[0];
      if (o !== undefined) {
        const m = mapLifecycleOutcome(o);
        return { state: m.outcome, digest: m.digest, version: m.version };
      }
      const raw = (await this.#query(SQL.getPendingShare, [keyId], c)).rows[0];
      if (raw !== undefined && String(raw.session_id) === sessionId) {
        const p = mapPendingShare(raw);
        return { state: 'pending', digest: p.digest, version: p.version };
      }
      return undefined;
    };
    if (options.abortIfUnknown !== true) return (await read()) ?? { state: 'unknown', digest: null, version: null };
    return this.#lifecycleTransaction(keyId, async (c) => {
      const known = await read(c);
      if (known !== undefined) return known;
      await this.#query(SQL.insertLifecycleOutcome, [keyId, sessionId, 'aborted', null, null, Date.now()], c);
      return { state: 'aborted', digest: null, version: null };
    });
  }

  // ---- request ids ----

  // ---- backup recipients and export policies (migration 4) ----

  async addBackupRecipient(recipient: NewBackupRecipient): Promise<boolean> {
    return (await this.#changes(BACKUP_SQL.insertBackupRecipient, backupRecipientParams(checkNewBackupRecipient(recipient)))) === 1;
  }

  async getBackupRecipient(fingerprint: string): Promise<BackupRecipientRecord | undefined> {
    const row = (await this.#rows(BACKUP_SQL.getBackupRecipient, [checkFingerprint(fingerprint)]))[0];
    return row === undefined ? undefined : mapBackupRecipient(row);
  }

  async listBackupRecipients(): Promise<BackupRecipientRecord[]> {
    return (await this.#rows(BACKUP_SQL.listBackupRecipients)).map(mapBackupRecipient);
  }

  async removeBackupRecipient(fingerprint: string): Promise<boolean> {
    return (await this.#changes(BACKUP_SQL.deleteBackupRecipient, [checkFingerprint(fingerprint)])) === 1;
  }

  async setExportPolicy(policy: NewExportPolicy): Promise<ExportPolicyRecord> {
    const p = checkNewExportPolicy(policy);
    await this.#changes(BACKUP_SQL.upsertExportPolicy, exportPolicyParams(p, (b) => b));
    return p;
  }

  async getExportPolicy(keyId: string): Promise<ExportPolicyRecord | undefined> {
    const row = (await this.#rows(BACKUP_SQL.getExportPolicy, [checkId(keyId, 'keyId')]))[0];
    return row === undefined ? undefined : mapExportPolicy(row);
  }

  async useRequestId(applicationId: string, requestId: string, expiresAtMs: number): Promise<boolean> {
    const params = [checkId(applicationId, 'applicationId'), checkId(requestId, 'requestId'), checkTime(expiresAtMs, 'expiresAtMs')];
    return (await this.#changes(SQL.useRequestId, params)) === 1;
  }

  async purgeExpiredRequestIds(nowMs: number): Promise<number> {
    return this.#changes(SQL.purgeRequestIds, [checkTime(nowMs, 'nowMs')]);
  }

  async purgeStaleLifecycleOutcomes(beforeMs: number): Promise<number> {
    return this.#changes(SQL.purgeStaleLifecycleOutcomes, [checkTime(beforeMs, 'beforeMs')]);
  }

  // ---- audit ----

  async appendAuditEntries(build: (last: AuditRow | undefined) => AuditRow[]): Promise<AuditRow[]> {
    return this.#transaction(async (c) => {
      // SHARE ROW EXCLUSIVE conflicts with itself (one appender at a time) but not with readers.
      await c.query('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE');
      const lastRaw = (await this.#query(SQL.lastAudit, [], c)).rows[0];
      const last = lastRaw === undefined ? undefined : mapAudit(lastRaw);
      const rows = build(last);
      checkAuditRows(last, rows);
      for (const row of rows) {
        checkAuditRow(row);
        await this.#query(SQL.insertAudit, auditParams(row), c);
      }
      return rows;
    });
  }

  async listAudit(options?: ListAuditOptions): Promise<AuditRow[]> {
    const { afterSeq, limit, keyId } = checkListAudit(options);
    const rows = keyId === undefined ? await this.#rows(SQL.listAudit, [afterSeq, limit]) : await this.#rows(SQL.listAuditByKey, [keyId, afterSeq, limit]);
    return rows.map(mapAudit);
  }

  async lastAudit(): Promise<AuditRow | undefined> {
    const rows = await this.#rows(SQL.lastAudit);
    return rows[0] === undefined ? undefined : mapAudit(rows[0]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}
