/**
 * Node configuration file validation (src/config/node-config.ts): defaults, and the presignature
 * pool settings — accepted values, and a clear INVALID_NODE_CONFIG for each bad one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRESIGN_POOL, parseNodeConfig } from '../src/config/node-config.js';
import { ConfigError } from '../src/config/errors.js';

const base = {
  version: 1,
  player: 1,
  cluster: 'cluster.json',
  api: { host: '127.0.0.1', port: 7001 },
  peer: { host: '127.0.0.1', port: 7101 },
  identity: { cert: 'node-1.crt', key: 'node-1.key' },
  store: 'sqlite:node-1.db',
};

test('defaults: 30 s sessions, info logs, the default presignature pool', () => {
  const c = parseNodeConfig(base, '/etc/tsm');
  assert.equal(c.sessionTimeoutMs, 30_000);
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.presignPool, DEFAULT_PRESIGN_POOL);
  assert.equal(c.store, 'sqlite:/etc/tsm/node-1.db');
});

test('presignPool: given fields override the defaults', () => {
  assert.deepEqual(parseNodeConfig({ ...base, presignPool: { target: 128, low: 64, batch: 32 } }, '/x').presignPool, { target: 128, low: 64, batch: 32 });
  assert.deepEqual(parseNodeConfig({ ...base, presignPool: { target: 100 } }, '/x').presignPool, { target: 100, low: DEFAULT_PRESIGN_POOL.low, batch: DEFAULT_PRESIGN_POOL.batch });
});

test('presignPool: each bad value is refused with INVALID_NODE_CONFIG naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [[1, 2], /presignPool must be/],
    [{ target: 0 }, /presignPool\.target/],
    [{ target: 1.5 }, /presignPool\.target/],
    [{ low: -1 }, /presignPool\.low/],
    [{ batch: 257 }, /presignPool\.batch/],
    [{ batch: '16' }, /presignPool\.batch/],
    [{ target: 10, low: 20 }, /low must not exceed/],
    [{ target: 10, size: 3 }, /unknown field\(s\) size/],
  ];
  for (const [presignPool, re] of cases)
    assert.throws(
      () => parseNodeConfig({ ...base, presignPool }, '/x'),
      (e: unknown) => e instanceof ConfigError && e.code === 'INVALID_NODE_CONFIG' && re.test(e.message),
      JSON.stringify(presignPool),
    );
});
