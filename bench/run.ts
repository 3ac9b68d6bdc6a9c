/**
 * `npm run bench`: runs every benchmark, prints one table, writes bench/results/latest.json
 * (an array of rows {suite, op, threshold, impl, runs, median_ms, p99_ms}, each with the machine,
 * the time, and the machine's speed at the start and end of the run: `calibration`).
 * `npm run bench -- dkg frost` runs only the named groups.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { calibrationMs, machine, printTable, type BenchRow } from './lib.js';

type Group = () => Promise<BenchRow[]>;
const groups: Record<string, () => Promise<Group>> = {
  dkg: async () => (await import('./dkg.js')).benchDkg,
  frost: async () => (await import('./frost.js')).benchFrost,
  cluster: async () => (await import('./cluster.js')).benchCluster,
  'cluster-ecdsa': async () => (await import('./cluster-ecdsa.js')).benchClusterEcdsa,
  'ecdsa-hm': async () => (await import('./ecdsa-hm.js')).benchEcdsaHm,
  'backup': async () => (await import('./backup.js')).benchBackup,
  'backup-cluster': async () => (await import('./backup-cluster.js')).benchBackupCluster,
  'dkls23': async () => (await import('./dkls23.js')).benchDkls23,
  lifecycle: async () => (await import('./lifecycle.js')).benchLifecycle,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(groups);
const calibrationStart = calibrationMs();
console.log(`OpenTSM benchmarks on ${machine()}; machine speed: ${calibrationStart} ms for the calibration workload (lower is faster)`);
const rows: BenchRow[] = [];
for (const name of names) {
  const load = groups[name];
  if (!load) {
    console.error(`unknown benchmark group '${name}' (known: ${Object.keys(groups).join(', ')})`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  const r = await (await load())();
  printTable(r);
  rows.push(...r.map((x) => ({ ...x, group: name })));
}
// Groups run now replace their earlier rows; rows of groups not run are kept.
const file = new URL('./results/latest.json', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
let kept: BenchRow[] = [];
if (existsSync(file)) {
  try {
    kept = (JSON.parse(readFileSync(file, 'utf8')) as BenchRow[]).filter((r) => typeof r.group === 'string' && !names.includes(r.group));
  } catch {
    kept = [];
  }
}
const at = new Date().toISOString();
// The machine's speed at the start and at the end of this run (bench/lib.ts calibrationMs).
const calibration = `${calibrationStart} / ${calibrationMs()} ms`;
console.log(`\nmachine speed at the end: calibration ${calibration} (start / end)`);
writeFileSync(file, JSON.stringify([...kept, ...rows.map((r) => ({ ...r, machine: machine(), measured_at: at, calibration }))], null, 2) + '\n');
console.log('\nwrote bench/results/latest.json');
