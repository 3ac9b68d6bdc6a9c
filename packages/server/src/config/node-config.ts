/**
 * One node's configuration file (`node-N.json`). Paths are relative to the file's directory.
 * Secrets are never inline: the identity key and the master key are files (mode 0600) or, for
 * the master key, the environment variable TSM_MASTER_KEY.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.js';

export interface NodeConfig {
  readonly version: 1;
  readonly player: number;
  /** Absolute path of the cluster file. */
  readonly clusterFile: string;
  readonly api: { readonly host: string; readonly port: number };
  readonly peer: { readonly host: string; readonly port: number };
  readonly identity: { readonly certFile: string; readonly keyFile: string };
  /** `sqlite:/abs/path.db` or a `postgres://` URL. */
  readonly store: string;
  /** PostgreSQL schema for this node (several nodes may share one database). */
  readonly storeSchema?: string;
  /** Master key file; when absent, TSM_MASTER_KEY must be set. */
  readonly masterKeyFile?: string;
  /** The node's HPKE identity key file (key import); absent in configs created before import existed. */
  readonly hpkeKeyFile?: string;
  /** A session whose peers do not answer fails after this long (default 30 s). */
  readonly sessionTimeoutMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Honest-majority ECDSA presignature pool per (key, player set) in use: the set's leader
   * refills it to `target` in batches of `batch` once it drops below `low`. Default
   * { target: 32, low: 16, batch: 16 }; raise it for keys with a sustained signing rate.
   */
  readonly presignPool: { readonly target: number; readonly low: number; readonly batch: number };
}

export const DEFAULT_PRESIGN_POOL = { target: 32, low: 16, batch: 16 } as const;

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseNodeConfig(raw: unknown, baseDir: string): NodeConfig {
  const bad = (m: string): never => {
    throw new ConfigError('INVALID_NODE_CONFIG', `node config: ${m}`);
  };
  if (!isObj(raw)) bad('not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) bad('version must be 1');
  if (!Number.isInteger(r.player) || (r.player as number) < 1 || (r.player as number) > 64) bad('player must be an integer 1..64');
  const p = (v: unknown, what: string): string => {
    if (typeof v !== 'string' || v.length === 0) bad(`${what} must be a path`);
    return isAbsolute(v as string) ? (v as string) : resolve(baseDir, v as string);
  };
  const hostPort = (v: unknown, what: string) => {
    if (!isObj(v)) bad(`${what} must be {host, port}`);
    const o = v as Record<string, unknown>;
    if (typeof o.host !== 'string' || o.host.length === 0) bad(`${what}.host must be a string`);
    if (!Number.isInteger(o.port) || (o.port as number) < 0 || (o.port as number) > 65535) bad(`${what}.port must be 0..65535`);
    return { host: o.host as string, port: o.port as number };
  };
  if (!isObj(r.identity)) bad('identity must be {cert, key}');
  const id = r.identity as Record<string, unknown>;
  let store: string;
  if (typeof r.store !== 'string' || r.store.length === 0) bad('store must be "sqlite:PATH" or a postgres:// URL');
  const s = r.store as string;
  if (s.startsWith('postgres://') || s.startsWith('postgresql://')) store = s;
  else if (s.startsWith('sqlite:')) store = `sqlite:${p(s.slice('sqlite:'.length), 'store')}`;
  else store = bad('store must be "sqlite:PATH" or a postgres:// URL');
  const timeout = r.sessionTimeoutMs ?? 30_000;
  if (!Number.isInteger(timeout) || (timeout as number) < 100 || (timeout as number) > 3_600_000) bad('sessionTimeoutMs must be 100..3600000');
  const level = r.logLevel ?? 'info';
  if (!(LEVELS as readonly unknown[]).includes(level)) bad(`logLevel must be one of ${LEVELS.join(', ')}`);
  if (r.storeSchema !== undefined && (typeof r.storeSchema !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(r.storeSchema))) bad('storeSchema must be a lower-case SQL identifier');
  let presignPool: NodeConfig['presignPool'] = DEFAULT_PRESIGN_POOL;
  if (r.presignPool !== undefined) {
    if (!isObj(r.presignPool)) bad('presignPool must be {target, low, batch}');
    const o = r.presignPool as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !['target', 'low', 'batch'].includes(k));
    if (unknown.length > 0) bad(`presignPool: unknown field(s) ${unknown.join(', ')}`);
    const int = (k: 'target' | 'low' | 'batch', min: number, max: number): number => {
      const v = o[k] ?? DEFAULT_PRESIGN_POOL[k];
      if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) bad(`presignPool.${k} must be an integer ${min}..${max}`);
      return v as number;
    };
    presignPool = { target: int('target', 1, 10_000), low: int('low', 0, 10_000), batch: int('batch', 1, 256) };
    if (presignPool.low > presignPool.target) bad('presignPool.low must not exceed presignPool.target');
  }
  return {
    version: 1,
    player: r.player as number,
    clusterFile: p(r.cluster, 'cluster'),
    api: hostPort(r.api, 'api'),
    peer: hostPort(r.peer, 'peer'),
    identity: { certFile: p(id.cert, 'identity.cert'), keyFile: p(id.key, 'identity.key') },
    store,
    ...(typeof r.storeSchema === 'string' ? { storeSchema: r.storeSchema } : {}),
    ...(r.masterKeyFile !== undefined ? { masterKeyFile: p(r.masterKeyFile, 'masterKeyFile') } : {}),
    ...(r.hpkeKeyFile !== undefined ? { hpkeKeyFile: p(r.hpkeKeyFile, 'hpkeKeyFile') } : {}),
    sessionTimeoutMs: timeout as number,
    logLevel: level as NodeConfig['logLevel'],
    presignPool,
  };
}

export function loadNodeConfig(path: string): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError('NODE_CONFIG_NOT_FOUND', `cannot read node config ${path}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError('INVALID_NODE_CONFIG', `node config ${path} is not valid JSON`);
  }
  return parseNodeConfig(raw, dirname(resolve(path)));
}
