/**
 * All schema migrations, in order. To change the schema, add a file `NNNN_name.ts` exporting a
 * {@link Migration} with the next version and append it here; never edit a released migration.
 */
import { migration0001 } from './0001_initial.js';
import { migration0002 } from './0002_protocols_presignatures.js';
import { migration0003 } from './0003_lifecycle.js';
import { migration0004 } from './0004_backup_export.js';
import type { Migration } from './types.js';

export type { Migration } from './types.js';

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004];

/** The schema version this code expects (the highest migration version). */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);
