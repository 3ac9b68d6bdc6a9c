/**
 * Test harness: run one suite against every backend. Not used by the node at runtime.
 *
 * - SQLite: a fresh file in a fresh temp directory per `open()`.
 * - PostgreSQL: `OPENTSM_TEST_PG_URL`, else `postgres://postgres@127.0.0.1:5432/test`, else
 *   `postgres://root@127.0.0.1:5432/test`; a fresh schema `opentsm_test_<random>` per `open()`,
 *   dropped by `cleanup()`. When no server answers, `pgUnavailable` says why: tests must then
 *   fail, unless `OPENTSM_SKIP_PG=1` (then `skip` holds the reason to pass to `describe`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { ShareStore, StoreDialect } from './types.js';

/** A store under test plus raw access to its database (to tamper with rows like an attacker would). */
export interface TestStore {
  readonly store: ShareStore;
  /** Runs raw SQL with `?` placeholders on the store's database; resolves to the rows (if any). */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Opens another store on the same database/schema (another process / replica). */
  openAnother(options?: { migrate?: boolean }): Promise<ShareStore>;
  /** Closes the store(s) and deletes the database / drops the schema. */
  cleanup(): Promise<void>;
}

/** One backend to run a suite against. */
export interface TestBackend {
  readonly dialect: StoreDialect;
  /** `false`, or the reason to skip (only when unavailable and OPENTSM_SKIP_PG=1). */
  readonly skip: string | false;
  /** Why the backend cannot be used (PostgreSQL not reachable), or `undefined`. */
  readonly unavailable: string | undefined;
  /** Opens a fresh, migrated (unless `migrate: false`) store. */
  open(options?: { migrate?: boolean }): Promise<TestStore>;
}

function randomSuffix(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}

/** The SQLite backend. */
export function sqliteBackend(): TestBackend {
  return {
    dialect: 'sqlite',
    skip: false,
    unavailable: undefined,
    async open(options = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'opentsm-store-'));
      const path = join(dir, 'node.db');
      const opened: ShareStore[] = [];
      const store = await openSqliteStore(path, options);
      opened.push(store);
      return {
        store,
        exec(sql, params = []) {
          try {
            const stmt = store.db.prepare(sql);
            if (stmt.reader) return Promise.resolve(stmt.all(...params) as Record<string, unknown>[]);
            stmt.run(...params);
            return Promise.resolve([]);
          } catch (err) {
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
        async openAnother(o = {}) {
          const s = await openSqliteStore(path, o);
          opened.push(s);
          return s;
        },
        async cleanup() {
          for (const s of opened) await s.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** First reachable PostgreSQL URL among the candidates, or the last error. */
async function probePostgres(): Promise<{ url: string } | { error: string }> {
  const candidates = process.env.OPENTSM_TEST_PG_URL
    ? [process.env.OPENTSM_TEST_PG_URL]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
  let error = 'no candidate URL';
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { url };
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { error };
}

/** The PostgreSQL backend (probes the server once). */
export async function postgresBackend(): Promise<TestBackend> {
  const probe = await probePostgres();
  const unavailable = 'error' in probe ? `PostgreSQL unreachable (${probe.error})` : undefined;
  const skip = unavailable !== undefined && process.env.OPENTSM_SKIP_PG === '1' ? `${unavailable}; skipped because OPENTSM_SKIP_PG=1` : false;
  return {
    dialect: 'postgres',
    skip,
    unavailable,
    async open(options = {}) {
      if ('error' in probe) {
        throw new Error(`${unavailable}: start PostgreSQL (postgres://postgres@127.0.0.1:5432/test) or set OPENTSM_SKIP_PG=1`);
      }
      const url = probe.url;
      const schema = `opentsm_test_${randomSuffix()}`;
      const storeOptions: PostgresStoreOptions = { schema, max: 4, ...options };
      const opened: ShareStore[] = [];
      const store = await openPostgresStore(url, storeOptions);
      opened.push(store);
      return {
        store,
        async exec(sql, params = []) {
          let i = 0;
          const text = sql.replace(/\?/g, () => `$${++i}`);
          const res = await store.pool.query(text, params);
          return (res.rows ?? []) as Record<string, unknown>[];
        },
        async openAnother(o = {}) {
          const s = await openPostgresStore(url, { ...storeOptions, ...o });
          opened.push(s);
          return s;
        },
        async cleanup() {
          for (const s of opened) await s.close();
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          } finally {
            await client.end();
          }
        },
      };
    },
  };
}

/** A test that fails when `backend` is unreachable (so the failure is counted, not only cancelled). */
export function assertReachable(backend: TestBackend): void {
  if (backend.unavailable !== undefined) {
    throw new Error(`${backend.unavailable}: start PostgreSQL (postgres://postgres@127.0.0.1:5432/test) or set OPENTSM_SKIP_PG=1`);
  }
}

/** Both backends, SQLite first. */
export async function testBackends(): Promise<TestBackend[]> {
  return [sqliteBackend(), await postgresBackend()];
}
