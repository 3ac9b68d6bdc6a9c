/**
 * Errors raised by the persistence layer.
 *
 * Every error carries a stable machine-readable `code`. Messages are one line and never contain
 * secret material: no share bytes, no database URLs (which may hold passwords), no row contents.
 * Database driver errors are wrapped (`DB_ERROR`) keeping only the driver's own message and code,
 * never PostgreSQL's `detail` field (which can echo a failing row) and never the original error
 * object as `cause`.
 */

/** Stable store error codes. Add new codes at the end; never rename one. */
export const StoreErrorCode = {
  /** The URL given to `openStore` is not a supported SQLite path or PostgreSQL URL. */
  UNSUPPORTED_URL: 'UNSUPPORTED_URL',
  /** A method argument has the wrong shape (empty id, bad hex, bad threshold, ...). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A row with the same primary key already exists (application id, key id). */
  CONFLICT: 'CONFLICT',
  /** The referenced application does not exist. */
  APPLICATION_NOT_FOUND: 'APPLICATION_NOT_FOUND',
  /** The referenced key does not exist. */
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  /** The key is not in the state the operation needs (e.g. activating a key that is not pending). */
  KEY_STATE_CONFLICT: 'KEY_STATE_CONFLICT',
  /** The database holds migrations newer than this code knows (downgrade refused). */
  SCHEMA_TOO_NEW: 'SCHEMA_TOO_NEW',
  /** A migration failed; the transaction was rolled back and nothing changed. */
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  /** The store was closed. */
  CLOSED: 'CLOSED',
  /** Any other database error (connection refused, constraint, ...). */
  DB_ERROR: 'DB_ERROR',
  /** The audit chain would fork (a concurrent writer appended the same sequence number). */
  AUDIT_CONFLICT: 'AUDIT_CONFLICT',
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** An error raised by a {@link ShareStore}. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Driver error fields we may look at (SQLite: `code` string; PostgreSQL: SQLSTATE `code`). */
interface DriverError {
  code?: unknown;
  message?: unknown;
}

/**
 * Wraps a driver error into a {@link StoreError}, mapping unique / foreign-key violations to
 * `CONFLICT` / `APPLICATION_NOT_FOUND`. `StoreError`s pass through unchanged.
 */
export function wrapDbError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as DriverError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? firstLine(e.message) : 'unknown error';
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') {
    return new StoreError(StoreErrorCode.CONFLICT, 'a row with the same primary key already exists');
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new StoreError(StoreErrorCode.APPLICATION_NOT_FOUND, 'the referenced application does not exist');
  }
  return new StoreError(StoreErrorCode.DB_ERROR, `database error${code ? ` ${code}` : ''}: ${message}`);
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
