/**
 * Shared helpers of the CLI commands: global options, the SDK client, argument parsing.
 * Feature command modules (`commands/*.ts`) receive a {@link CliContext}.
 */
import type { Command } from 'commander';
import { TsmClient } from '@opentsm/client';
import { parseHex } from '@opentsm/core';
import { loadClusterFile, type ClusterFile } from '../config/cluster.js';
import { readCredentials } from './credentials.js';
import { CliError } from './output.js';

export const DEFAULT_DIR = '.tsm/dev';

export interface GlobalOpts {
  cluster?: string;
  credentials?: string;
  json?: boolean;
  timeout?: string;
}

export function wantsJson(): boolean {
  return process.argv.includes('--json');
}

export function clusterPath(g: GlobalOpts): string {
  return g.cluster ?? process.env.TSM_CLUSTER ?? `${DEFAULT_DIR}/cluster.json`;
}

export function loadCluster(g: GlobalOpts): ClusterFile {
  return loadClusterFile(clusterPath(g));
}

export function client(g: GlobalOpts, mode?: string, primary?: string): TsmClient {
  const cluster = loadCluster(g);
  const cred = readCredentials(g.credentials ?? process.env.TSM_CREDENTIALS ?? `${DEFAULT_DIR}/admin.key`);
  if (mode !== undefined && mode !== 'fan-out' && mode !== 'primary') throw new CliError('INVALID_ARGUMENT', '--mode must be fan-out or primary');
  const timeoutMs = g.timeout ? Number(g.timeout) * 1000 : 60_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError('INVALID_ARGUMENT', '--timeout must be a positive number of seconds');
  return new TsmClient({
    nodes: cluster.nodes.map((n) => ({ player: n.player, url: n.apiUrl })),
    credentials: { applicationId: cred.applicationId, algorithm: cred.algorithm, privateKey: cred.privateKey },
    mode: (mode) ?? 'fan-out',
    ...(primary !== undefined ? { primary: intArg(primary, '--primary') } : {}),
    timeoutMs,
  });
}

export function intArg(v: string, name: string): number {
  if (!/^\d+$/.test(v)) throw new CliError('INVALID_ARGUMENT', `${name} must be a positive integer`);
  return Number(v);
}

export function playersArg(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,2}(,\d{1,2})*$/.test(v)) throw new CliError('INVALID_ARGUMENT', '--players must look like 1,3');
  return v.split(',').map(Number);
}

export function hexArg(v: string, name: string): Uint8Array {
  try {
    return parseHex(v.startsWith('0x') ? v.slice(2) : v);
  } catch {
    throw new CliError('INVALID_HEX', `${name} must be hex`);
  }
}


export interface CliContext {
  /** The global options (--cluster, --credentials, --timeout, --json). */
  g(): GlobalOpts;
  client(mode?: string, primary?: string): TsmClient;
  loadCluster(): ClusterFile;
}

export type CommandModule = (program: Command, ctx: CliContext) => void;
