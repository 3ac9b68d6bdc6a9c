/**
 * Cluster benchmark: a real 3-node cluster on loopback (node processes, TLS 1.3 peer channels),
 * driven by the SDK from this process.
 * - key creation latency (FROST Ed25519, 2-of-3), p50/p99
 * - signing latency 2-of-3 FROST Ed25519 and secp256k1, fan-out and primary, p50/p99
 * - throughput with 16 concurrent clients (signatures/s)
 * - signing latency with 100 stored keys vs 100,000 stored keys, SQLite and PostgreSQL
 *   (the extra keys are inserted directly into every node's database in bulk: rows of the same
 *   shape as real keys, with random sealed shares — they are never opened; what is measured is
 *   the lookup cost on the signing path as the table grows)
 */
import { performance } from 'node:perf_hooks';
import { randomBytes, toHex } from '@opentsm/core';
import type { TsmClient } from '@opentsm/client';
import { percentile, round, type BenchRow } from './lib.js';
import { PG_URL, startCluster, type TestCluster } from '../packages/server/test/e2e/harness.js';

const enc = new TextEncoder();

async function latencies(n: number, f: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(5, n); i++) await f(-1 - i); // warm-up
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i);
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b);
}

function rowOf(base: { suite: string; op: string; impl?: string }, t: number[], extra: Record<string, string | number> = {}): BenchRow {
  return { impl: 'opentsm', threshold: '2-of-3', ...base, runs: t.length, median_ms: round(percentile(t, 50)), p99_ms: round(percentile(t, 99)), ...extra };
}

async function throughput(client: TsmClient, keyId: string, clients: number, seconds: number): Promise<{ perSec: number; lat: number[] }> {
  const deadline = performance.now() + seconds * 1000;
  let count = 0;
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      let i = 0;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await client.sign({ keyId, message: enc.encode(`tp ${c} ${i++}`), players: [1, 2] });
        lat.push(performance.now() - t0);
        count++;
      }
    }),
  );
  return { perSec: count / seconds, lat: lat.sort((a, b) => a - b) };
}

/** Bulk-insert `count` filler keys into every node's store. */
async function addFillerKeys(tc: TestCluster, store: 'sqlite' | 'postgres', count: number): Promise<void> {
  const appId = tc.admin.applicationId;
  const now = Date.now();
  if (store === 'sqlite') {
    const Database = (await import('better-sqlite3')).default;
    for (const n of tc.cluster.nodes) {
      const db = new Database(`${tc.dir}/node-${n.player}.db`);
      db.pragma('busy_timeout = 10000');
      const ins = db.prepare(
        `INSERT INTO keys (key_id, application_id, scheme, threshold, parties, public_key, status, version, sealed_share, created_at, updated_at)
         VALUES (?, ?, 'frost-ed25519', 2, '[1,2,3]', ?, 'active', 1, ?, ?, ?)`,
      );
      db.transaction(() => {
        for (let i = 0; i < count; i++) ins.run('key_' + toHex(randomBytes(16)), appId, toHex(randomBytes(32)), Buffer.from(randomBytes(80)), now - count + i, now);
      })();
      db.close();
    }
  } else {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    for (const n of tc.cluster.nodes) {
      const schema = JSON.parse((await import('node:fs')).readFileSync(`${tc.dir}/node-${n.player}.json`, 'utf8')).storeSchema as string;
      await c.query(
        `INSERT INTO ${schema}.keys (key_id, application_id, scheme, threshold, parties, public_key, status, version, sealed_share, created_at, updated_at)
         SELECT 'key_' || md5(random()::text || g::text), $1, 'frost-ed25519', 2, '[1,2,3]', md5(g::text) || md5(g::text), 'active', 1, decode(md5(g::text), 'hex'), $2::bigint - $3::bigint + g, $2::bigint
         FROM generate_series(1, $3::int) g`,
        [appId, now, count],
      );
      await c.query(`ANALYZE ${schema}.keys`);
    }
    await c.end();
  }
}

async function runFor(store: 'sqlite' | 'postgres', full: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tc = await startCluster({ nodes: 3, store, sessionTimeoutMs: 30_000 });
  const tag = store === 'sqlite' ? 'sqlite' : 'postgres';
  try {
    const fan = tc.client({ timeoutMs: 60_000 });
    const primary = tc.client({ mode: 'primary', primary: 1, timeoutMs: 60_000 });
    const keys: Record<string, string> = {};
    if (full) {
      const t = await latencies(30, async () => fan.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }));
      rows.push(rowOf({ suite: 'frost-ed25519', op: `cluster keygen fan-out (${tag})` }, t));
    }
    for (const scheme of ['frost-ed25519', 'frost-secp256k1'] as const) keys[scheme] = (await fan.createKey({ scheme, threshold: '2-of-3' })).keyId;
    // ~100 keys stored in total for the "100 keys" baseline.
    await addFillerKeys(tc, store, 100);
    for (const scheme of full ? (['frost-ed25519', 'frost-secp256k1'] as const) : (['frost-ed25519'] as const)) {
      const keyId = keys[scheme]!;
      const t1 = await latencies(100, (i) => fan.sign({ keyId, message: enc.encode(`m${i}`), players: [1, 2] }));
      rows.push(rowOf({ suite: scheme, op: `cluster sign fan-out (${tag}, ~100 keys)` }, t1));
      if (full) {
        const t2 = await latencies(100, (i) => primary.sign({ keyId, message: enc.encode(`p${i}`) }));
        rows.push(rowOf({ suite: scheme, op: `cluster sign primary (${tag}, ~100 keys)` }, t2));
      }
    }
    if (full) {
      const tp = await throughput(fan, keys['frost-ed25519']!, 16, 10);
      rows.push(rowOf({ suite: 'frost-ed25519', op: `cluster sign throughput 16 clients (${tag})` }, tp.lat, { signatures_per_s: round(tp.perSec) }));
    }
    await addFillerKeys(tc, store, 100_000);
    const t3 = await latencies(100, (i) => fan.sign({ keyId: keys['frost-ed25519']!, message: enc.encode(`big${i}`), players: [1, 2] }));
    rows.push(rowOf({ suite: 'frost-ed25519', op: `cluster sign fan-out (${tag}, ~100,100 keys)` }, t3));
    const base = rows.find((r) => r.op === `cluster sign fan-out (${tag}, ~100 keys)` && r.suite === 'frost-ed25519')!;
    rows[rows.length - 1]!.ratio_vs_100_keys = round(rows[rows.length - 1]!.median_ms / base.median_ms);
  } finally {
    await tc.stop();
  }
  return rows;
}

export async function benchCluster(): Promise<BenchRow[]> {
  const rows = await runFor('sqlite', true);
  if (process.env.OPENTSM_SKIP_PG !== '1') rows.push(...(await runFor('postgres', false)));
  return rows;
}
