/**
 * `tsm dev`: initialise a local cluster (if needed) and run one node process per player,
 * print the URLs, and stop them all cleanly on Ctrl-C. This is what `npm start` runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadClusterFile } from '../config/cluster.js';
import { initCluster } from './init.js';
import { waitForCluster } from './status.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

/** Render one pino JSON line as `HH:MM:SS LEVEL message key=value ...` (other lines unchanged). */
export function prettyLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const { level, time, msg, pid: _pid, hostname: _h, ...rest } = o;
    const t = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
    const kv = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${t} ${LEVELS[level as number] ?? String(level)} ${typeof msg === 'string' ? msg : ''}${kv ? '  ' + kv : ''}`;
  } catch {
    return line;
  }
}

export interface DevOptions {
  nodes: number;
  dir: string;
  host: string;
  basePort: number;
  /** Path of the CLI entry point to spawn nodes with. */
  cliPath: string;
}

export async function runDev(o: DevOptions): Promise<void> {
  const dir = resolve(o.dir);
  const clusterPath = join(dir, 'cluster.json');
  if (!existsSync(clusterPath)) {
    console.log(`Initialising a ${o.nodes}-node cluster in ${dir} ...`);
    await initCluster({ nodes: o.nodes, dir, host: o.host, basePort: o.basePort, name: 'dev', log: (l) => console.log('  ' + l) });
  } else {
    console.log(`Using the existing cluster in ${dir} (delete the directory to start afresh)`);
  }
  const cluster = loadClusterFile(clusterPath);
  const children = new Map<number, ChildProcess>();
  let stopping = false;
  for (const n of cluster.nodes) {
    const child = spawn(process.execPath, [o.cliPath, 'node', 'start', '--config', join(dir, `node-${n.player}.json`)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    const prefix = `[node-${n.player}] `;
    const pipe = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) out.write(prefix + prettyLogLine(l) + '\n');
      });
    };
    pipe(child.stdout, process.stdout);
    pipe(child.stderr, process.stderr);
    child.on('exit', (code, signal) => {
      children.delete(n.player);
      if (!stopping) {
        console.error(`${prefix}exited (${signal ?? code}); stopping the cluster`);
        void stop(1);
      }
    });
    children.set(n.player, child);
  }
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the cluster ...');
    for (const c of children.values()) c.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const c of children.values()) c.kill('SIGKILL');
    console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    await waitForCluster(cluster, 30_000);
  } catch (e) {
    console.error(`tsm dev: ${(e as Error).message}`);
    await stop(1);
    return;
  }
  console.log('\nOpenTSM cluster is up:');
  for (const n of cluster.nodes) console.log(`  node ${n.player}: ${n.apiUrl}   (peer channel ${n.peerUrl})`);
  console.log(`\nCluster file: ${clusterPath}\nAdmin credentials: ${join(dir, 'admin.key')}`);
  console.log('Try, in another terminal:');
  console.log('  npx tsm keys create --scheme frost-ed25519 --threshold 2-of-3');
  console.log('  npx tsm sign --key <keyId> --message 68656c6c6f');
  console.log('Press Ctrl-C to stop.');
}
