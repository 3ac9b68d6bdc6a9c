/**
 * Test harness: a real cluster of node processes on loopback (each node a `tsm node start`
 * child process), initialised by `tsm init` into a temporary directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TsmClient } from '@opentsm/client';
import { loadClusterFile, type ClusterFile } from '../../src/config/cluster.js';
import { readCredentials, type CredentialsFile } from '../../src/cli/credentials.js';
import { initCluster } from '../../src/cli/init.js';
import { waitForCluster } from '../../src/cli/status.js';

export const REPO = resolve(new URL('../../../../', import.meta.url).pathname);
export const CLI = join(REPO, 'packages/server/src/cli/main.ts');
/** The built CLI (what users run); benchmarks use it (set OPENTSM_HARNESS_DIST=1), tests use the sources. */
export const CLI_DIST = join(REPO, 'packages/server/dist/cli/main.js');
/** Extra Node.js flags for the node processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a benchmark). */
const extraNodeFlags = (): string[] => (process.env.OPENTSM_HARNESS_NODE_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
const nodeArgs = (): string[] => [...extraNodeFlags(), ...(process.env.OPENTSM_HARNESS_DIST === '1' ? [CLI_DIST] : ['--conditions=source', '--import', 'tsx', CLI])];
export const PG_URL = process.env.OPENTSM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

async function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** A base port such that base+1..base+n and base+101..base+100+n are free. */
export async function freeBasePort(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768+), so an outbound connection cannot hold a node's port.
    const base = 20000 + Math.floor(Math.random() * 120) * 100;
    let ok = true;
    for (let p = 1; p <= n && ok; p++) ok = (await portFree(base + p)) && (await portFree(base + 100 + p));
    if (ok) return base;
  }
  throw new Error('no free ports');
}

/** Run the CLI (from sources) and collect its output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], { cwd: REPO, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

export interface TestCluster {
  dir: string;
  cluster: ClusterFile;
  clusterFile: string;
  credentialsFile: string;
  admin: CredentialsFile;
  client(opts?: { mode?: 'fan-out' | 'primary'; primary?: number; timeoutMs?: number; credentials?: CredentialsFile }): TsmClient;
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Start a node; `env` adds environment variables for that process only. */
  start(player: number, env?: Record<string, string>): ChildProcess;
  /** kill -9 a node, start it again (with `env`), and wait until the cluster is up. */
  restart(player: number, env?: Record<string, string>): Promise<void>;
  kill(player: number, signal?: NodeJS.Signals): Promise<void>;
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  logs(player: number): string;
}

export async function startCluster(
  o: { nodes?: number; store?: 'sqlite' | 'postgres'; sessionTimeoutMs?: number; presignPool?: { target: number; low: number; batch: number } } = {},
): Promise<TestCluster> {
  const n = o.nodes ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'opentsm-e2e-'));
  const base = await freeBasePort(n);
  const schemaTag = `tsm_e2e_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const r = await initCluster({
    nodes: n,
    dir,
    host: '127.0.0.1',
    basePort: base,
    ...(o.store === 'postgres' ? { store: PG_URL, storeSchema: `${schemaTag}_n{n}` } : {}),
  });
  if (o.sessionTimeoutMs || o.presignPool) {
    const { readFileSync, writeFileSync } = await import('node:fs');
    for (const f of r.nodeConfigs) {
      const c = JSON.parse(readFileSync(f, 'utf8'));
      if (o.sessionTimeoutMs) c.sessionTimeoutMs = o.sessionTimeoutMs;
      if (o.presignPool) c.presignPool = o.presignPool;
      writeFileSync(f, JSON.stringify(c));
    }
  }
  const cluster = loadClusterFile(r.clusterFile);
  const admin = readCredentials(r.credentialsFile);
  const procs = new Map<number, ChildProcess>();
  const logs = new Map<number, string>();
  const start = (p: number, env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [...nodeArgs(), 'node', 'start', '--config', join(dir, `node-${p}.json`)], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (d: Buffer) => logs.set(p, (logs.get(p) ?? '') + d.toString());
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    procs.set(p, child);
    child.on('exit', () => {
      if (procs.get(p) === child) procs.delete(p);
    });
    return child;
  };
  const kill = async (p: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const c = procs.get(p);
    if (!c) return;
    const exited = new Promise((res) => c.once('exit', res));
    c.kill(signal);
    await exited;
  };
  for (let p = 1; p <= n; p++) start(p);
  const tc: TestCluster = {
    dir,
    cluster,
    clusterFile: r.clusterFile,
    credentialsFile: r.credentialsFile,
    admin,
    client: (co = {}) =>
      new TsmClient({
        nodes: cluster.nodes.map((x) => ({ player: x.player, url: x.apiUrl })),
        credentials: co.credentials ?? admin,
        mode: co.mode ?? 'fan-out',
        ...(co.primary ? { primary: co.primary } : {}),
        timeoutMs: co.timeoutMs ?? 20_000,
      }),
    cli: (args) => runCli(['--cluster', r.clusterFile, '--credentials', r.credentialsFile, ...args]),
    start,
    kill,
    restart: async (p, env = {}) => {
      await kill(p, 'SIGKILL');
      start(p, env);
      await tc.waitReady();
    },
    waitReady: async (t = 30_000) => {
      try {
        await waitForCluster(cluster, t);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${[...logs.entries()].map(([p, l]) => `--- node ${p}\n${l.slice(-3000)}`).join('\n')}`);
      }
    },
    stop: async () => {
      await Promise.all([...procs.keys()].map((p) => kill(p, 'SIGTERM')));
      if (o.store === 'postgres') {
        const pg = await import('pg');
        const client = new pg.default.Client({ connectionString: PG_URL });
        await client.connect();
        for (let p = 1; p <= n; p++) await client.query(`DROP SCHEMA IF EXISTS ${schemaTag}_n${p} CASCADE`);
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
    logs: (p) => logs.get(p) ?? '',
  };
  await tc.waitReady();
  return tc;
}

/** Print the nodes' warnings and errors (on a test failure). */
export function dumpLogs(tc: TestCluster): void {
  for (const n of tc.cluster.nodes) {
    const lines = tc
      .logs(n.player)
      .split('\n')
      .filter((l) => /"level":(40|50|60)/.test(l) && !/ECONNREFUSED|outbound connection error|connection closed/.test(l));
    if (lines.length > 0) console.error(`--- node ${n.player}\n${lines.slice(-15).join('\n')}`);
  }
}

/** `it`, but a failing test also prints the cluster's node warnings and errors. */
export function loggedTest(it: (name: string, fn: () => Promise<void>) => unknown, cluster: () => TestCluster | undefined) {
  return (name: string, fn: () => Promise<void>): void =>
    void it(name, async () => {
      try {
        await fn();
      } catch (e) {
        const tc = cluster();
        if (tc) dumpLogs(tc);
        throw e;
      }
    });
}
