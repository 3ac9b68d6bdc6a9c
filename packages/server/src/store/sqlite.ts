/**
 * SQLite implementation of {@link ShareStore} (better-sqlite3 v12; v13 needs Node 22).
 *
 * One file per node, WAL journal with `synchronous = NORMAL` (every commit survives a process crash,
 * kill -9 included; the WAL is fsynced at checkpoints), and every write of key material (a share
 * stored, activated or replaced) is committed with `synchronous = FULL`, which fsyncs the WAL and so
 * also makes every earlier commit (request ids, audit entries) durable against a power cut.
 * Foreign keys on, 5 s busy timeout so
 * several processes on one file wait instead of failing. The file (and its -wal/-shm companions,
 * which SQLite creates with the same mode) is chmod 0600.
 *
 * better-sqlite3 is synchronous; each method runs its statement(s) to completion and returns a
 * settled promise, so there is no interleaving inside one process. Multi-statement operations
 * (migrate, appendAuditEntry, activateKey) run in `BEGIN IMMEDIATE` transactions.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Run pending migrations on open (default true). */
  readonly migrate?: boolean;
  /** Busy timeout in ms when another process holds the write lock (default 5000). */
  readonly busyTimeoutMs?: number;
}

/** Opens (creating if needed) the SQLite database at `path` (`:memory:` for a throw-away one). */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const store = SqliteStore.open(path, options);
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

/** SQLite {@link ShareStore}. Construct with {@link openSqliteStore}. */
export class SqliteStore implements ShareStore {
  readonly dialect = 'sqlite' as const;
  readonly #statements = new Map<string, Database.Statement>();
  #closed = false;

  /**
   * True when the previous process using this file did not close it cleanly (crash, kill -9,
   * power cut). Presignatures are taken without an fsync of their own, so after an unclean stop
   * the node discards the whole pool (`purgeAllPresignatures`): a presignature whose deletion was
   * lost with the page cache can never come back.
   */
  readonly uncleanStart: boolean;

  private constructor(
    /** The underlying connection (tests and diagnostics only; bypasses every check). */
    readonly db: Database.Database,
    private readonly cleanMarker: string | undefined,
  ) {
    if (cleanMarker === undefined) this.uncleanStart = false;
    else if (existsSync(cleanMarker)) {
      unlinkSync(cleanMarker);
      this.uncleanStart = false;
    } else this.uncleanStart = true;
  }

  /** Synchronous open without migrating (see {@link openSqliteStore}). */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const memory = path === ':memory:';
    let db: Database.Database;
    try {
      if (!memory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      db = new Database(path);
    } catch (err) {
      throw wrapDbError(err);
    }
    try {
      if (!memory) chmodSync(path, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    } catch (err) {
      db.close();
      throw wrapDbError(err);
    }
    return new SqliteStore(db, memory ? undefined : `${path}.clean-shutdown`);
  }

  /** Runs `fn` and turns its result / exception into a promise; wraps driver errors. */
  #run<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError(StoreErrorCode.CLOSED, 'the store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(wrapDbError(err));
    }
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #get(sql: string, ...params: unknown[]): RawRow | undefined {
    return this.#stmt(sql).get(...params) as RawRow | undefined;
  }

  #all(sql: string, ...params: unknown[]): RawRow[] {
    return this.#stmt(sql).all(...params) as RawRow[];
  }

  #exec(sql: string, ...params: unknown[]): number {
    return this.#stmt(sql).run(...params).changes;
  }

  migrate(): Promise<number> {
    return this.#run(() => {
      const apply = this.db.transaction((): number => {
        this.db.exec(SQL.createMigrationsTable);
        const applied = new Set(this.db.prepare(SQL.appliedMigrations).pluck().all() as number[]);
        if ([...applied].some((v) => v > LATEST_SCHEMA_VERSION)) {
          throw new StoreError(StoreErrorCode.SCHEMA_TOO_NEW, `database schema is newer than this code (version ${LATEST_SCHEMA_VERSION})`);
        }
        let count = 0;
        for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
          if (applied.has(m.version)) continue;
          try {
            for (const statement of m.sqlite) this.db.exec(statement);
          } catch (err) {
            throw new StoreError(StoreErrorCode.MIGRATION_FAILED, `migration ${m.version} (${m.name}) failed: ${wrapDbError(err).message}`);
          }
          this.db.prepare(SQL.recordMigration).run(m.version, m.name, Date.now());
          count++;
        }
        return count;
      });
      const count = apply.immediate();
      if (count > 0) this.#statements.clear();
      return count;
    });
  }

  schemaVersion(): Promise<number> {
    return this.#run(() => {
      const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      if (exists === undefined) return 0;
      const row = this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as RawRow;
      return num(row, 'v');
    });
  }

  // ---- applications ----

  createApplication(app: NewApplication): Promise<ApplicationRecord> {
    return this.#run(() => {
      const a = checkNewApplication(app);
      this.#exec(SQL.insertApplication, a.applicationId, a.name, a.algorithm, a.publicKey, a.role, a.enabled ? 1 : 0, a.createdAt);
      return { ...a };
    });
  }

  getApplication(applicationId: string): Promise<ApplicationRecord | undefined> {
    return this.#run(() => {
      const row = this.#get(SQL.getApplication, checkId(applicationId, 'applicationId'));
      return row === undefined ? undefined : mapApplication(row);
    });
  }

  listApplications(): Promise<ApplicationRecord[]> {
    return this.#run(() => this.#all(SQL.listApplications).map(mapApplication));
  }

  setApplicationEnabled(applicationId: string, enabled: boolean): Promise<boolean> {
    return this.#run(() => {
      if (typeof enabled !== 'boolean') throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'enabled must be a boolean');
      return this.#exec(SQL.setApplicationEnabled, enabled ? 1 : 0, checkId(applicationId, 'applicationId')) === 1;
    });
  }

  // ---- keys ----

  insertPendingKey(key: NewKey): Promise<KeyInfo> {
    return this.#run(() => {
      const k = checkNewKey(key);
      this.#exec(SQL.insertPendingKey, k.keyId, k.applicationId, k.scheme, k.threshold, JSON.stringify(k.parties), k.createdAt, k.createdAt, k.protocol);
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
    });
  }

  /** Run `fn` with `synchronous = FULL` (its commit is fsynced, and with it the whole WAL so far). */
  #durable<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  storePendingShare(keyId: string, activation: KeyActivation): Promise<KeyRecord> {
    return this.#run(() => this.#durable(() => {
      checkId(keyId, 'keyId');
      const a = checkActivation(activation);
      return this.#updatePending(keyId, 'only a pending key can take a share', SQL.storePendingShare, a.publicKey, toBuffer(a.sealedShare), a.version, a.updatedAt, keyId);
    }));
  }

  activateKey(keyId: string, activation?: KeyActivation): Promise<KeyRecord> {
    return this.#run(() => this.#durable(() => {
      checkId(keyId, 'keyId');
      const conflict = 'only a pending key with a stored share can be activated';
      if (activation === undefined) return this.#updatePending(keyId, conflict, SQL.activateStoredKey, Date.now(), keyId);
      const a = checkActivation(activation);
      return this.#updatePending(keyId, conflict, SQL.activateKey, a.publicKey, toBuffer(a.sealedShare), a.version, a.updatedAt, keyId);
    }));
  }

  /** Runs an UPDATE guarded by `status = 'pending'` and returns the row, or explains why nothing changed. */
  #updatePending(keyId: string, conflict: string, sql: string, ...params: unknown[]): KeyRecord {
    const tx = this.db.transaction((): KeyRecord => {
      const changed = this.#exec(sql, ...params);
      const row = this.#get(SQL.getKeyById, keyId);
      if (row === undefined) throw new StoreError(StoreErrorCode.KEY_NOT_FOUND, 'no such key');
      if (changed !== 1) throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, conflict);
      return mapKeyRecord(row);
    });
    return tx.immediate();
  }

  failKey(keyId: string, updatedAt?: number): Promise<boolean> {
    return this.#run(() => {
      const at = updatedAt === undefined ? Date.now() : checkTime(updatedAt, 'updatedAt');
      return this.#exec(SQL.failKey, at, checkId(keyId, 'keyId')) === 1;
    });
  }

  replaceShare(keyId: string, replacement: ShareReplacement): Promise<boolean> {
    return this.#run(() => this.#durable(() => {
      checkId(keyId, 'keyId');
      const r = checkReplacement(replacement);
      const share = toBuffer(r.sealedShare);
      const changed = r.quorum
        ? this.#exec(SQL.replaceShareQuorum, share, r.version, r.quorum.threshold, JSON.stringify(r.quorum.parties), r.updatedAt, keyId, r.expectedVersion)
        : this.#exec(SQL.replaceShare, share, r.version, r.updatedAt, keyId, r.expectedVersion);
      return changed === 1;
    }));
  }

  getKey(applicationId: string, keyId: string): Promise<KeyRecord | undefined> {
    return this.#run(() => {
      const row = this.#get(SQL.getKey, checkId(keyId, 'keyId'), checkId(applicationId, 'applicationId'));
      return row === undefined ? undefined : mapKeyRecord(row);
    });
  }

  getKeyById(keyId: string): Promise<KeyRecord | undefined> {
    return this.#run(() => {
      const row = this.#get(SQL.getKeyById, checkId(keyId, 'keyId'));
      return row === undefined ? undefined : mapKeyRecord(row);
    });
  }

  // ---- presignatures, OT sessions, bans ----

  putPresignatures(keyId: string, keyVersion: number, players: string, items: readonly { presigId: string; sealed: Uint8Array }[]): Promise<number> {
    // No fsync of its own: a batch lost with the page cache at a power cut is harmless (the stop
    // was unclean, so the node discards its whole pool at the next start anyway).
    return this.#run(() => {
      checkId(keyId, 'keyId');
      const at = Date.now();
      // IMMEDIATE: the write lock is held from the version check to the last insert.
      return this.db
        .transaction(() => {
          const key = this.#get(SQL.presignatureKeyVersion, keyId);
          if (key === undefined || num(key, 'version') !== keyVersion) return 0;
          for (const it of items) this.#exec(SQL.insertPresignature, checkId(it.presigId, 'presigId'), keyId, checkId(players, 'players'), keyVersion, toBuffer(it.sealed), at);
          return items.length;
        })
        .immediate();
    });
  }

  takePresignatures(keyId: string, presigIds: readonly string[]): Promise<Map<string, TakenPresignatureRow>> {
    // Committed before the caller releases anything: it survives a process crash (WAL). A power
    // cut could lose it from the page cache, but then the stop was unclean and the node discards
    // the whole pool at its next start (`uncleanStart`), so a presignature never comes back.
    return this.#run(() => {
      const ids = checkPresignatureIds(keyId, presigIds);
      return this.db.transaction(() => {
        const out = new Map<string, TakenPresignatureRow>();
        for (const id of ids) {
          const row = this.#get(SQL.takePresignature, id, keyId);
          if (row !== undefined) out.set(id, mapTakenPresignature(row));
        }
        return out;
      })();
    });
  }

  purgeAllPresignatures(): Promise<number> {
    return this.#run(() => this.#durable(() => this.#exec(SQL.purgeAllPresignatures)));
  }

  listPresignatureIds(keyId: string, players: string, limit: number): Promise<string[]> {
    return this.#run(() => this.#all(SQL.listPresignatureIds, checkId(keyId, 'keyId'), checkId(players, 'players'), checkSmallInt(limit, 'limit', 1)).map((r) => String(r.presig_id)));
  }

  countPresignatures(keyId: string, players: string): Promise<number> {
    return this.#run(() => num(this.#get(SQL.countPresignatures, checkId(keyId, 'keyId'), checkId(players, 'players'))!, 'n'));
  }

  deletePresignatures(keyId: string): Promise<number> {
    return this.#run(() => this.#durable(() => this.#exec(SQL.deletePresignatures, checkId(keyId, 'keyId'))));
  }

  deletePresignatureIds(keyId: string, presigIds: readonly string[]): Promise<number> {
    return this.#run(() => {
      checkId(keyId, 'keyId');
      const ids = presigIds.map((id) => checkId(id, 'presigId'));
      return this.db.transaction(() => ids.reduce((n, id) => n + this.#exec(SQL.deletePresignatureId, id, keyId), 0)).immediate();
    });
  }

  recordOtSession(keyId: string, peer: number, otSessionId: string): Promise<boolean> {
    return this.#run(() => this.#durable(() => this.#exec(SQL.recordOtSession, checkId(keyId, 'keyId'), checkSmallInt(peer, 'peer', 1), checkId(otSessionId, 'otSessionId'), Date.now()) === 1));
  }

  banPeer(keyId: string, peer: number, reason: string): Promise<void> {
    return this.#run(() => {
      this.#exec(SQL.banPeer, checkId(keyId, 'keyId'), checkSmallInt(peer, 'peer', 1), checkId(reason, 'reason'), Date.now());
    });
  }

  listBans(keyId: string): Promise<{ peer: number; reason: string; createdAt: number }[]> {
    return this.#run(() => this.#all(SQL.listBans, checkId(keyId, 'keyId')).map((r) => ({ peer: num(r, 'peer'), reason: String(r.reason), createdAt: num(r, 'created_at') })));
  }

  clearBans(keyId: string): Promise<number> {
    return this.#run(() => this.#exec(SQL.clearBans, checkId(keyId, 'keyId')));
  }

  listKeysByStatus(status: KeyStatus, limit: number): Promise<KeyRecord[]> {
    return this.#run(() => this.#all(SQL.listKeysByStatus, checkStatus(status), checkSmallInt(limit, 'limit', 1)).map(mapKeyRecord));
  }

  listKeys(applicationId: string, options?: ListKeysOptions): Promise<KeyInfo[]> {
    return this.#run(() => {
      checkId(applicationId, 'applicationId');
      const { limit, after } = checkListKeys(options);
      if (after === undefined) return this.#all(SQL.listKeysFirst, applicationId, limit).map(mapKeyInfo);
      const cursor = this.#get(SQL.getKeyCursor, after, applicationId);
      if (cursor === undefined) throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'after must name a key of this application');
      return this.#all(SQL.listKeysAfter, applicationId, num(cursor, 'created_at'), after, limit).map(mapKeyInfo);
    });
  }

  deleteKey(applicationId: string, keyId: string): Promise<boolean> {
    return this.#run(() => this.#exec(SQL.deleteKey, checkId(keyId, 'keyId'), checkId(applicationId, 'applicationId')) === 1);
  }

  countKeys(options: CountKeysOptions = {}): Promise<number> {
    return this.#run(() => {
      const app = options.applicationId === undefined ? undefined : checkId(options.applicationId, 'applicationId');
      const status = options.status;
      if (status !== undefined && status !== 'pending' && status !== 'active' && status !== 'failed') {
        throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'status must be pending, active or failed');
      }
      const row =
        app !== undefined && status !== undefined
          ? this.#get(SQL.countKeysByAppStatus, app, status)
          : app !== undefined
            ? this.#get(SQL.countKeysByApp, app)
            : status !== undefined
              ? this.#get(SQL.countKeysByStatus, status)
              : this.#get(SQL.countKeys);
      return row === undefined ? 0 : num(row, 'n');
    });
  }

  // ---- refresh / reshare two-phase commit ----

  insertPendingShare(pending: NewPendingShare): Promise<boolean> {
    return this.#run(() =>
      this.#durable(() => {
        const p = checkNewPendingShare(pending);
        return this.db
          .transaction((): boolean => {
            if (this.#get(SQL.getLifecycleOutcome, p.keyId, p.sessionId) !== undefined) return false;
            if (this.#get(SQL.getPendingShare, p.keyId) !== undefined) return false;
            this.#exec(SQL.insertPendingShare, ...pendingShareParams(p));
            return true;
          })
          .immediate();
      }),
    );
  }

  getPendingShare(keyId: string): Promise<PendingShareRecord | undefined> {
    return this.#run(() => {
      const row = this.#get(SQL.getPendingShare, checkId(keyId, 'keyId'));
      return row === undefined ? undefined : mapPendingShare(row);
    });
  }

  listPendingShares(limit: number): Promise<PendingShareRecord[]> {
    return this.#run(() => this.#all(SQL.listPendingShares, checkSmallInt(limit, 'limit', 1)).map(mapPendingShare));
  }

  commitPendingShare(keyId: string, sessionId: string, updatedAt?: number): Promise<boolean> {
    return this.#run(() =>
      this.#durable(() => {
        checkId(keyId, 'keyId');
        checkSessionId(sessionId);
        const at = updatedAt === undefined ? Date.now() : checkTime(updatedAt, 'updatedAt');
        return this.db
          .transaction((): boolean => {
            const raw = this.#get(SQL.getPendingShare, keyId);
            if (raw === undefined) return false;
            const p = mapPendingShare(raw);
            if (p.sessionId !== sessionId) return false;
            if (this.#get(SQL.getLifecycleOutcome, keyId, sessionId) !== undefined)
              throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, 'the run is already decided on this node');
            if (p.action === 'replace') {
              const changed = this.#exec(SQL.replaceShareQuorum, toBuffer(p.sealedShare!), p.version, p.threshold, JSON.stringify(p.parties), at, keyId, p.fromVersion);
              if (changed !== 1) throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, 'the key is not active at the version the run started from');
            } else if (p.action === 'insert') {
              if (this.#get(SQL.getKeyById, keyId) !== undefined) throw new StoreError(StoreErrorCode.KEY_STATE_CONFLICT, 'the key already exists on this node');
              this.#exec(SQL.insertActiveKey, keyId, p.applicationId, p.scheme, p.threshold, JSON.stringify(p.parties), p.publicKey, p.version, at, at, p.protocol, toBuffer(p.sealedShare!));
            } else this.#exec(SQL.deleteKeyById, keyId);
            this.#exec(SQL.deletePresignatures, keyId);
            this.#exec(SQL.deleteOtSessions, keyId);
            this.#exec(SQL.clearBans, keyId);
            this.#exec(SQL.deletePendingShare, keyId, sessionId);
            this.#exec(SQL.insertLifecycleOutcome, keyId, sessionId, 'committed', p.digest, p.version, at);
            return true;
          })
          .immediate();
      }),
    );
  }

  abortLifecycle(keyId: string, sessionId: string): Promise<'aborted' | 'committed'> {
    return this.#run(() =>
      this.#durable(() => {
        checkId(keyId, 'keyId');
        checkSessionId(sessionId);
        return this.db
          .transaction((): 'aborted' | 'committed' => {
            const o = this.#get(SQL.getLifecycleOutcome, keyId, sessionId);
            if (o !== undefined && mapLifecycleOutcome(o).outcome === 'committed') return 'committed';
            this.#exec(SQL.deletePendingShare, keyId, sessionId);
            this.#exec(SQL.insertLifecycleOutcome, keyId, sessionId, 'aborted', null, null, Date.now());
            return 'aborted';
          })
          .immediate();
      }),
    );
  }

  lifecycleStatus(keyId: string, sessionId: string, options: { readonly abortIfUnknown?: boolean } = {}): Promise<LifecycleStatus> {
    return this.#run(() => {
      checkId(keyId, 'keyId');
      checkSessionId(sessionId);
      const read = (): LifecycleStatus | undefined => {
        const o = this.#get(SQL.getLifecycleOutcome, keyId, sessionId);
        if (o !== undefined) {
          const m = mapLifecycleOutcome(o);
          return { state: m.outcome, digest: m.digest, version: m.version };
        }
        const raw = this.#get(SQL.getPendingShare, keyId);
        if (raw !== undefined && String(raw.session_id) === sessionId) {
          const p = mapPendingShare(raw);
          return { state: 'pending', digest: p.digest, version: p.version };
        }
        return undefined;
      };
      if (options.abortIfUnknown !== true) return read() ?? { state: 'unknown', digest: null, version: null };
      return this.#durable(() =>
        this.db
          .transaction((): LifecycleStatus => {
            const known = read();
            if (known !== undefined) return known;
            this.#exec(SQL.insertLifecycleOutcome, keyId, sessionId, 'aborted', null, null, Date.now());
            return { state: 'aborted', digest: null, version: null };
          })
          .immediate(),
      );
    });
  }

  // ---- request ids ----

  // ---- backup recipients and export policies (migration 4) ----

  addBackupRecipient(recipient: NewBackupRecipient): Promise<boolean> {
    return this.#run(() => this.#exec(BACKUP_SQL.insertBackupRecipient, ...backupRecipientParams(checkNewBackupRecipient(recipient))) === 1);
  }

  getBackupRecipient(fingerprint: string): Promise<BackupRecipientRecord | undefined> {
    return this.#run(() => {
      const row = this.#get(BACKUP_SQL.getBackupRecipient, checkFingerprint(fingerprint));
      return row === undefined ? undefined : mapBackupRecipient(row);
    });
  }

  listBackupRecipients(): Promise<BackupRecipientRecord[]> {
    return this.#run(() => this.#all(BACKUP_SQL.listBackupRecipients).map(mapBackupRecipient));
  }

  removeBackupRecipient(fingerprint: string): Promise<boolean> {
    return this.#run(() => this.#exec(BACKUP_SQL.deleteBackupRecipient, checkFingerprint(fingerprint)) === 1);
  }

  setExportPolicy(policy: NewExportPolicy): Promise<ExportPolicyRecord> {
    return this.#run(() =>
      this.#durable(() => {
        const p = checkNewExportPolicy(policy);
        this.#exec(BACKUP_SQL.upsertExportPolicy, ...exportPolicyParams(p, (b) => (b ? 1 : 0)));
        return p;
      }),
    );
  }

  getExportPolicy(keyId: string): Promise<ExportPolicyRecord | undefined> {
    return this.#run(() => {
      const row = this.#get(BACKUP_SQL.getExportPolicy, checkId(keyId, 'keyId'));
      return row === undefined ? undefined : mapExportPolicy(row);
    });
  }

  useRequestId(applicationId: string, requestId: string, expiresAtMs: number): Promise<boolean> {
    return this.#run(
      () =>
        this.#exec(SQL.useRequestId, checkId(applicationId, 'applicationId'), checkId(requestId, 'requestId'), checkTime(expiresAtMs, 'expiresAtMs')) === 1,
    );
  }

  purgeExpiredRequestIds(nowMs: number): Promise<number> {
    return this.#run(() => this.#exec(SQL.purgeRequestIds, checkTime(nowMs, 'nowMs')));
  }

  purgeStaleLifecycleOutcomes(beforeMs: number): Promise<number> {
    return this.#run(() => this.#exec(SQL.purgeStaleLifecycleOutcomes, checkTime(beforeMs, 'beforeMs')));
  }

  // ---- audit ----

  appendAuditEntries(build: (last: AuditRow | undefined) => AuditRow[]): Promise<AuditRow[]> {
    return this.#run(() => {
      const tx = this.db.transaction((): AuditRow[] => {
        const lastRaw = this.#get(SQL.lastAudit);
        const last = lastRaw === undefined ? undefined : mapAudit(lastRaw);
        const rows = build(last);
        checkAuditRows(last, rows);
        for (const row of rows) {
          checkAuditRow(row);
          this.#exec(SQL.insertAudit, ...auditParams(row));
        }
        return rows;
      });
      return tx.immediate();
    });
  }


  listAudit(options?: ListAuditOptions): Promise<AuditRow[]> {
    return this.#run(() => {
      const { afterSeq, limit, keyId } = checkListAudit(options);
      const rows = keyId === undefined ? this.#all(SQL.listAudit, afterSeq, limit) : this.#all(SQL.listAuditByKey, keyId, afterSeq, limit);
      return rows.map(mapAudit);
    });
  }

  lastAudit(): Promise<AuditRow | undefined> {
    return this.#run(() => {
      const row = this.#get(SQL.lastAudit);
      return row === undefined ? undefined : mapAudit(row);
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#statements.clear();
      try {
        // Make every commit durable, then record the clean stop (see `uncleanStart`).
        this.db.pragma('wal_checkpoint(FULL)');
        this.db.close();
        if (this.cleanMarker !== undefined) {
          const fd = openSync(this.cleanMarker, 'w', 0o600);
          fsyncSync(fd);
          closeSync(fd);
        }
      } catch (err) {
        return Promise.reject(wrapDbError(err));
      }
    }
    return Promise.resolve();
  }
}
