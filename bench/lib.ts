/**
 * Benchmark harness shared by every benchmark: timing, the row format of
 * bench/results/latest.json, and a description of the machine.
 */
import { cpus, totalmem, platform, release } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';

export interface BenchRow {
  suite: string;
  op: string;
  threshold: string;
  impl: string;
  runs: number;
  median_ms: number;
  p99_ms: number;
  /** Optional extra fields (bytes per signature, throughput, ...). */
  [extra: string]: string | number;
}

export function machine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, node ${process.version}`;
}

/**
 * The machine's speed right now: the median wall time (ms) of a fixed single-threaded workload
 * (SHA-256 over 4 MiB with @noble/hashes, pure JavaScript) over 5 runs. Shared machines (CI
 * runners, VMs) change speed during the day; rows measured at different times compare only
 * after scaling by this figure.
 */
export function calibrationMs(): number {
  const data = new Uint8Array(64 * 1024).fill(7);
  const times: number[] = [];
  for (let run = 0; run < 6; run++) {
    const t0 = performance.now();
    for (let i = 0; i < 64; i++) sha256(data);
    if (run > 0) times.push(performance.now() - t0); // the first run warms up
  }
  times.sort((a, b) => a - b);
  return Math.round(times[2]! * 10) / 10;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!;
}

/** Run `fn` `warmup` times untimed, then `runs` times timed; returns sorted durations in ms. */
export async function measure(fn: () => unknown, runs = 20, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export async function row(
  base: { suite: string; op: string; threshold: string; impl: string },
  fn: () => unknown,
  runs = 20,
  warmup = 3,
): Promise<BenchRow> {
  const t = await measure(fn, runs, warmup);
  return { ...base, runs, median_ms: round(percentile(t, 50)), p99_ms: round(percentile(t, 99)) };
}

export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function printTable(rows: BenchRow[]): void {
  const cols = ['suite', 'op', 'threshold', 'impl', 'runs', 'median_ms', 'p99_ms'];
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !cols.includes(k));
  const all = [...cols, ...extra];
  const w = all.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(w[i]!)).join('  ');
  console.log(line(all));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const r of rows) console.log(line(all.map((c) => String(r[c] ?? ''))));
}
