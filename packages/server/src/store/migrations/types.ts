/** A schema migration: numbered, named, one SQL statement list per dialect. */
export interface Migration {
  /** 1, 2, 3, ... — applied in order, recorded in `schema_migrations`. Never renumber or edit a released one. */
  readonly version: number;
  readonly name: string;
  /** Statements for SQLite, run in order inside the migration transaction. */
  readonly sqlite: readonly string[];
  /** Statements for PostgreSQL (tables are created in the store's schema via `search_path`). */
  readonly postgres: readonly string[];
}
