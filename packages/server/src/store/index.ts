/** The node's persistence layer: `openStore(url)` and the {@link ShareStore} interface. */
export { openStore, parseStoreUrl, type OpenStoreOptions } from './open.js';
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { openPostgresStore, PostgresStore, type PostgresStoreOptions } from './postgres.js';
export { StoreError, StoreErrorCode } from './errors.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations/index.js';
export type {
  AppAlgorithm,
  AppRole,
  ApplicationRecord,
  AuditRow,
  CountKeysOptions,
  KeyActivation,
  KeyInfo,
  KeyRecord,
  KeyStatus,
  ListAuditOptions,
  ListKeysOptions,
  NewApplication,
  NewKey,
  ShareReplacement,
  ShareStore,
  LifecycleOperation,
  LifecycleState,
  LifecycleStatus,
  NewPendingShare,
  PendingShareAction,
  PendingShareRecord,
  StoreDialect,
} from './types.js';
