/**
 * End-to-end: the same cluster suite with every node on the PostgreSQL store
 * (127.0.0.1:5432, database test, one schema per node). CI starts PostgreSQL.
 * Set OPENTSM_SKIP_PG=1 to skip when no PostgreSQL is available.
 */
import { after, before, describe, it } from 'node:test';
import { runClusterSuite } from './cluster-suite.js';

describe('cluster on PostgreSQL', { skip: process.env.OPENTSM_SKIP_PG === '1' ? 'OPENTSM_SKIP_PG=1' : false }, () => {
  runClusterSuite({ store: 'postgres', before, after, it });
});
