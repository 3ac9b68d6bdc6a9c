/**
 * End-to-end: a real 3-node cluster (node processes, TLS peer channels, SQLite stores) driven by
 * the SDK and the CLI. Every signature is checked by an independent verifier.
 */
import { after, before, describe, it } from 'node:test';
import { runClusterSuite } from './cluster-suite.js';

describe('cluster on SQLite', () => {
  runClusterSuite({ store: 'sqlite', before, after, it });
});
