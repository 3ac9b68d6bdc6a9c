/**
 * The cluster file (`cluster.json`): who the players are, where they listen, and which
 * certificate each presents (pinned by SHA-256 fingerprint — no CA involved), plus the bootstrap
 * admin application(s). It contains no secrets and is identical on every node and client.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

export interface ClusterNode {
  /** Player index 1..n. */
  readonly player: number;
  /** Client API base URL, e.g. http://127.0.0.1:7001 */
  readonly apiUrl: string;
  /** Peer channel URL (TLS 1.3, mutual auth), e.g. wss://127.0.0.1:7101 */
  readonly peerUrl: string;
  /** Lower-case hex SHA-256 of the node certificate (DER). */
  readonly fingerprint: string;
  /**
   * The node's pinned HPKE identity public key (lower-case hex: X25519 32 bytes or uncompressed
   * P-256 65 bytes), to which key-import shares are encrypted. Absent in cluster files created
   * before import existed: that node then refuses import.
   */
  readonly hpkePublicKey?: string;
}

export interface BootstrapApplication {
  readonly applicationId: string;
  readonly name: string;
  readonly algorithm: 'ed25519' | 'p256';
  readonly publicKey: string;
  readonly role: 'admin' | 'app';
}

export interface ClusterPolicy {
  /** Allow key import (later issue); default false. */
  readonly allowImport?: boolean;
}

export interface ClusterFile {
  readonly version: 1;
  readonly name: string;
  readonly nodes: readonly ClusterNode[];
  readonly applications: readonly BootstrapApplication[];
  readonly policy?: ClusterPolicy;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HPKE_PK = /^(?:[0-9a-f]{64}|04[0-9a-f]{128})$/;
const APP_ID = /^app_[0-9a-f]{24}$/;

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function url(v: unknown, protocols: string[], where: string): string {
  if (typeof v !== 'string') throw new ConfigError('INVALID_CLUSTER_FILE', `${where}: expected a URL string`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError('INVALID_CLUSTER_FILE', `${where}: '${v}' is not a URL`);
  }
  if (!protocols.includes(u.protocol)) throw new ConfigError('INVALID_CLUSTER_FILE', `${where}: expected ${protocols.join(' or ')} URL, got '${v}'`);
  return v.replace(/\/+$/, '');
}

/** Validate a parsed cluster file; throws ConfigError naming the bad field. */
export function parseClusterFile(raw: unknown): ClusterFile {
  const bad = (m: string): never => {
    throw new ConfigError('INVALID_CLUSTER_FILE', `cluster file: ${m}`);
  };
  if (!isObj(raw)) bad('not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) bad(`unsupported version ${JSON.stringify(r.version)} (expected 1)`);
  if (typeof r.name !== 'string' || r.name.length === 0) bad('name must be a non-empty string');
  if (!Array.isArray(r.nodes) || r.nodes.length < 1 || r.nodes.length > 64) bad('nodes must be an array of 1..64 nodes');
  const players = new Set<number>();
  const nodes: ClusterNode[] = (r.nodes as unknown[]).map((n, i) => {
    if (!isObj(n)) bad(`nodes[${i}] is not an object`);
    const o = n as Record<string, unknown>;
    if (!Number.isInteger(o.player) || (o.player as number) < 1 || (o.player as number) > 64) bad(`nodes[${i}].player must be an integer 1..64`);
    if (players.has(o.player as number)) bad(`duplicate player ${String(o.player)}`);
    players.add(o.player as number);
    if (typeof o.fingerprint !== 'string' || !HEX64.test(o.fingerprint)) bad(`nodes[${i}].fingerprint must be 64 lower-case hex characters`);
    if (o.hpkePublicKey !== undefined && (typeof o.hpkePublicKey !== 'string' || !HPKE_PK.test(o.hpkePublicKey)))
      bad(`nodes[${i}].hpkePublicKey must be an X25519 (64 hex) or uncompressed P-256 (130 hex, 04…) public key`);
    return {
      player: o.player as number,
      apiUrl: url(o.apiUrl, ['http:', 'https:'], `nodes[${i}].apiUrl`),
      peerUrl: url(o.peerUrl, ['wss:'], `nodes[${i}].peerUrl`),
      fingerprint: o.fingerprint as string,
      ...(typeof o.hpkePublicKey === 'string' ? { hpkePublicKey: o.hpkePublicKey } : {}),
    };
  });
  const apps: BootstrapApplication[] = [];
  if (r.applications !== undefined) {
    if (!Array.isArray(r.applications)) bad('applications must be an array');
    for (const [i, a] of (r.applications as unknown[]).entries()) {
      if (!isObj(a)) bad(`applications[${i}] is not an object`);
      const o = a as Record<string, unknown>;
      if (typeof o.applicationId !== 'string' || !APP_ID.test(o.applicationId)) bad(`applications[${i}].applicationId must look like app_<24 hex>`);
      if (o.algorithm !== 'ed25519' && o.algorithm !== 'p256') bad(`applications[${i}].algorithm must be ed25519 or p256`);
      if (typeof o.publicKey !== 'string' || !/^[0-9a-f]{64,66}$/.test(o.publicKey)) bad(`applications[${i}].publicKey must be hex`);
      if (o.role !== 'admin' && o.role !== 'app') bad(`applications[${i}].role must be admin or app`);
      apps.push({
        applicationId: o.applicationId as string,
        name: typeof o.name === 'string' ? o.name : 'admin',
        algorithm: o.algorithm as 'ed25519' | 'p256',
        publicKey: o.publicKey as string,
        role: o.role as 'admin' | 'app',
      });
    }
  }
  const policy = isObj(r.policy) ? { allowImport: r.policy.allowImport === true } : undefined;
  return { version: 1, name: r.name as string, nodes: nodes.sort((a, b) => a.player - b.player), applications: apps, ...(policy ? { policy } : {}) };
}

export function loadClusterFile(path: string): ClusterFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError('CLUSTER_FILE_NOT_FOUND', `cannot read cluster file ${path}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError('INVALID_CLUSTER_FILE', `cluster file ${path} is not valid JSON`);
  }
  return parseClusterFile(raw);
}
