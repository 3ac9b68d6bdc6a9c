/**
 * `tsm init`: creates a cluster directory — the cluster file, one config per node, each node's
 * TLS identity (key 0600), master key (0600) and HPKE identity key (node-N.hpke, 0600; its public
 * key is pinned in the cluster file: key import encrypts shares to it), and the first admin
 * application's credentials.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateApplicationKey } from '@opentsm/client';
import { randomBytes, toHex } from '@opentsm/core';
import type { ClusterFile } from '../config/cluster.js';
import { generateNodeHpkeKey, writeNodeHpkeKey } from '../node/backup/node-key.js';
import { generateNodeIdentity } from '../pki/identity.js';
import { writeCredentials } from './credentials.js';
import { CliError } from './output.js';

export interface InitOptions {
  nodes: number;
  dir: string;
  host: string;
  basePort: number;
  force?: boolean;
  /** Store URL template; `{n}` is replaced by the player. Default: sqlite:./node-{n}.db */
  store?: string;
  /** PostgreSQL schema template per node; `{n}` is replaced by the player. */
  storeSchema?: string;
  name?: string;
  log?: (line: string) => void;
}

export interface InitResult {
  dir: string;
  clusterFile: string;
  credentialsFile: string;
  nodeConfigs: string[];
}

function writeSecret(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export async function initCluster(o: InitOptions): Promise<InitResult> {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 64) throw new CliError('INVALID_ARGUMENT', '--nodes must be an integer 1..64');
  if (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort + 100 + o.nodes > 65535) throw new CliError('INVALID_ARGUMENT', '--base-port must leave room for 2 ports per node below 65536');
  const dir = resolve(o.dir);
  const clusterFile = join(dir, 'cluster.json');
  if (existsSync(clusterFile) && !o.force) throw new CliError('ALREADY_INITIALIZED', `${clusterFile} already exists (use --force to overwrite)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const log = o.log ?? (() => undefined);
  const admin = generateApplicationKey('ed25519');
  const adminId = 'app_' + toHex(randomBytes(12));
  const nodes: ClusterFile['nodes'][number][] = [];
  const nodeConfigs: string[] = [];
  const hosts = [o.host, ...(o.host === '127.0.0.1' ? ['localhost'] : [])];
  for (let p = 1; p <= o.nodes; p++) {
    const id = await generateNodeIdentity({ player: p, hosts });
    writeFileSync(join(dir, `node-${p}.crt`), id.certPem);
    writeSecret(join(dir, `node-${p}.key`), id.keyPem);
    writeSecret(join(dir, `node-${p}.master`), toHex(randomBytes(32)) + '\n');
    const hpke = generateNodeHpkeKey(p);
    writeNodeHpkeKey(join(dir, `node-${p}.hpke`), hpke.text);
    const apiPort = o.basePort + p;
    const peerPort = o.basePort + 100 + p;
    nodes.push({ player: p, apiUrl: `http://${o.host}:${apiPort}`, peerUrl: `wss://${o.host}:${peerPort}`, fingerprint: id.fingerprint, hpkePublicKey: toHex(hpke.key.publicKey) });
    const cfg = {
      version: 1,
      player: p,
      cluster: './cluster.json',
      api: { host: o.host, port: apiPort },
      peer: { host: o.host, port: peerPort },
      identity: { cert: `./node-${p}.crt`, key: `./node-${p}.key` },
      store: (o.store ?? 'sqlite:./node-{n}.db').replaceAll('{n}', String(p)),
      ...(o.storeSchema ? { storeSchema: o.storeSchema.replaceAll('{n}', String(p)) } : {}),
      masterKeyFile: `./node-${p}.master`,
      hpkeKeyFile: `./node-${p}.hpke`,
      sessionTimeoutMs: 30000,
      logLevel: 'info',
    };
    const cfgPath = join(dir, `node-${p}.json`);
    writeFileSync(cfgPath, JSON.stringify(cfg, null, 2) + '\n');
    nodeConfigs.push(cfgPath);
    log(`node ${p}: api ${nodes[p - 1]!.apiUrl}, peer ${nodes[p - 1]!.peerUrl}, fingerprint ${id.fingerprint.slice(0, 16)}…`);
  }
  const cluster: ClusterFile = {
    version: 1,
    name: o.name ?? 'opentsm',
    nodes,
    applications: [{ applicationId: adminId, name: 'admin', algorithm: 'ed25519', publicKey: admin.publicKey, role: 'admin' }],
    policy: { allowImport: false },
  };
  writeFileSync(clusterFile, JSON.stringify(cluster, null, 2) + '\n');
  const credentialsFile = join(dir, 'admin.key');
  writeCredentials(credentialsFile, { applicationId: adminId, algorithm: 'ed25519', privateKey: admin.privateKey, publicKey: admin.publicKey });
  log(`cluster file ${clusterFile}; admin credentials ${credentialsFile} (mode 0600)`);
  return { dir, clusterFile, credentialsFile, nodeConfigs };
}
