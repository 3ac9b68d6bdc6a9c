/**
 * Cluster benchmark of ECDSA (3 nodes on loopback, plus the SDK, all in one machine). Honest-majority
 * (t = 1, all 3 players sign): online signing latency with a full presignature pool (p50/p99), and
 * sustained signatures/s with 16 concurrent clients (one SDK instance, fan-out) while the nodes
 * refill the pool in the background — with the pool sized for sustained load (node config
 * `presignPool` {target 128, low 64, batch 16}, docs/operations.md: a presigning batch stalls each
 * node's event loop for ≈ 1 ms of curve work per presignature and round, so smaller batches keep
 * signing latency flat while the pool refills). The row also reports the CPU
 * time per signature of each node process and of the client process, and how many signatures
 * had to presign inline because the pool was empty. DKLs23 2-of-3: signing latency and one key
 * generation.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { percentile, round, type BenchRow } from './lib.js';
import { startCluster } from '../packages/server/test/e2e/harness.js';

const enc = new TextEncoder();
const POOL = { target: 128, low: 64, batch: 16 };

/** CPU time (user + system, ms) of a process so far, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

async function inlinePresignatures(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^tsm_presignatures_total\{use="inline"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

export async function benchClusterEcdsa(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tc = await startCluster({ nodes: 3, sessionTimeoutMs: 30_000, presignPool: POOL });
  try {
    const c = tc.client({ timeoutMs: 60_000 });
    for (const scheme of ['ecdsa-secp256k1', 'ecdsa-p256'] as const) {
      const key = await c.createKey({ scheme, threshold: '2-of-3', protocol: 'honest-majority' });
      await c.presign({ keyId: key.keyId, count: 200 });
      for (let i = 0; i < 5; i++) await c.sign({ keyId: key.keyId, message: enc.encode(`warm ${i}`) });
      const t: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        await c.sign({ keyId: key.keyId, message: enc.encode(`lat ${i}`) });
        t.push(performance.now() - t0);
      }
      t.sort((a, b) => a - b);
      rows.push({ suite: scheme, op: 'cluster online sign, full pool (fan-out)', threshold: '2-of-3', impl: 'opentsm', runs: t.length, median_ms: round(percentile(t, 50)), p99_ms: round(percentile(t, 99)) });
      if (scheme !== 'ecdsa-secp256k1') continue;
      await c.presign({ keyId: key.keyId, count: 200 });
      const pids = tc.cluster.nodes.map((n) => Number(execFileSync('pgrep', ['-f', `${tc.dir}/node-${n.player}.json`]).toString().trim().split('\n')[0]));
      const nodeCpu0 = pids.map(processCpuMs);
      const inline0 = await inlinePresignatures(tc.cluster.nodes[0]!.apiUrl);
      const clientCpu0 = process.cpuUsage();
      const seconds = 10;
      const deadline = performance.now() + seconds * 1000;
      let n = 0;
      const lat: number[] = [];
      await Promise.all(
        Array.from({ length: 16 }, async (_, j) => {
          let i = 0;
          while (performance.now() < deadline) {
            const t0 = performance.now();
            await c.sign({ keyId: key.keyId, message: enc.encode(`tp ${j} ${i++}`) });
            lat.push(performance.now() - t0);
            n++;
          }
        }),
      );
      const clientCpu = process.cpuUsage(clientCpu0);
      const nodeCpu = pids.map((pid, i) => processCpuMs(pid) - nodeCpu0[i]!);
      const inline = (await inlinePresignatures(tc.cluster.nodes[0]!.apiUrl)) - inline0;
      lat.sort((a, b) => a - b);
      rows.push({
        suite: scheme,
        op: `cluster sign throughput 16 clients (pool ${POOL.target}/${POOL.low}/${POOL.batch}, refilling)`,
        threshold: '2-of-3',
        impl: 'opentsm',
        runs: lat.length,
        median_ms: round(percentile(lat, 50)),
        p99_ms: round(percentile(lat, 99)),
        signatures_per_s: round(n / seconds),
        cpu_ms_per_signature: `nodes ${nodeCpu.map((t) => (t / n).toFixed(2)).join(' / ')}, client ${((clientCpu.user + clientCpu.system) / 1000 / n).toFixed(2)}`,
        inline_presign: `${inline} of ${n}`,
      });
    }
    // DKLs23 2-of-3 (issue bar: cluster signing p50 ≤ 150 ms on loopback).
    for (const scheme of ['ecdsa-secp256k1', 'ecdsa-p256'] as const) {
      const key = await c.createKey({ scheme, threshold: '2-of-3', protocol: 'dkls23' });
      for (let i = 0; i < 3; i++) await c.sign({ keyId: key.keyId, message: enc.encode(`warm ${i}`), players: [1, 2] });
      const t: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        await c.sign({ keyId: key.keyId, message: enc.encode(`dkls ${i}`), players: [1, 2] });
        t.push(performance.now() - t0);
      }
      t.sort((a, b) => a - b);
      rows.push({ suite: scheme, op: 'cluster sign DKLs23 (fan-out)', threshold: '2-of-3', impl: 'opentsm', runs: t.length, median_ms: round(percentile(t, 50)), p99_ms: round(percentile(t, 99)) });
      const k0 = performance.now();
      await c.createKey({ scheme, threshold: '2-of-3', protocol: 'dkls23' });
      rows.push({ suite: scheme, op: 'cluster keygen DKLs23 (one run)', threshold: '2-of-3', impl: 'opentsm', runs: 1, median_ms: round(performance.now() - k0), p99_ms: round(performance.now() - k0) });
    }
  } finally {
    await tc.stop();
  }
  return rows;
}
