/**
 * `npm run bench`: runs every benchmark, prints one table, writes bench/results/latest.json
 * (an array of rows {suite, op, threshold, impl, runs, median_ms, p99_ms}).
 * `npm run bench -- dkg frost` runs only the named groups.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { machine, printTable, type BenchRow } from './lib.js';

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
console.log(`OpenTSM benchmarks on ${machine()}`);
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
writeFileSync(file, JSON.stringify([...kept, ...rows.map((r) => ({ ...r, machine: machine(), measured_at: at }))], null, 2) + '\n');
console.log('\nwrote bench/results/latest.json');
