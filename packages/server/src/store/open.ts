/**
 * `openStore(url)`: the one factory the node uses. The URL comes from the node config:
 * - `postgres://…` or `postgresql://…` → {@link PostgresStore} (`?schema=name` or `options.schema`
 *   selects the schema, so several nodes can share one database);
 * - `sqlite:PATH`, `sqlite://PATH`, or a plain file path → {@link SqliteStore} (the default;
 *   `:memory:` / `sqlite::memory:` for a throw-away database).
 * Pending migrations are applied on open unless `migrate: false`.
 */
import { StoreError, StoreErrorCode } from './errors.js';
import { openPostgresStore, type PostgresStoreOptions } from './postgres.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { ShareStore, StoreDialect } from './types.js';

/** Options of {@link openStore}; each backend ignores the other's. */
export interface OpenStoreOptions extends SqliteStoreOptions, PostgresStoreOptions {}

/** Which backend a URL selects, and the SQLite path when it is SQLite. Throws `UNSUPPORTED_URL`. */
export function parseStoreUrl(url: string): { dialect: 'postgres' } | { dialect: 'sqlite'; path: string } {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new StoreError(StoreErrorCode.UNSUPPORTED_URL, 'the store URL is empty');
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres' };
  let path = url;
  if (/^sqlite:\/\//i.test(url)) path = url.slice('sqlite://'.length);
  else if (/^sqlite:/i.test(url)) path = url.slice('sqlite:'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new StoreError(StoreErrorCode.UNSUPPORTED_URL, 'the store URL must be a file path, sqlite:PATH or postgres://…');
  }
  if (path === '') throw new StoreError(StoreErrorCode.UNSUPPORTED_URL, 'the SQLite path is empty');
  return { dialect: 'sqlite', path };
}

/** Opens (and by default migrates) the store selected by `url`. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<ShareStore> {
  const target = parseStoreUrl(url);
  if (target.dialect === 'postgres') return openPostgresStore(url, options);
  return openSqliteStore(target.path, options);
}

export type { StoreDialect };
