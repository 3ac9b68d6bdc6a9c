/**
 * Shared helpers of the CLI commands: global options, the SDK client, argument parsing.
 * Feature command modules (`commands/*.ts`) receive a {@link CliContext}.
 */
import { closeSync, fchmodSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
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

/** The subcommand `name` of `program`, created (with `description`) when it does not exist yet. */
export function subcommand(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** Create `path` exclusively with mode 0600 and write `data` into it; the mode is set before any data. */
function writeExclusive(path: string, data: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600);
    const buf = Buffer.from(data, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a secret file with mode 0600; refuse to overwrite unless `force`. With `force` the data go to
 * a fresh temporary file in the same directory (created exclusively, mode 0600) that is then renamed
 * over the target, so an existing file's mode (e.g. 0644) is never kept and the secret is never
 * written into a file others can read.
 */
export function writeSecretFile(path: string, data: string, force: boolean): void {
  if (!force) {
    try {
      writeExclusive(path, data);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError('FILE_EXISTS', `${path} already exists (use --force to overwrite)`);
      throw new CliError('WRITE_FAILED', `cannot write ${path}`);
    }
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    writeExclusive(tmp, data);
    renameSync(tmp, path);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw new CliError('WRITE_FAILED', `cannot write ${path}`);
  }
}

export interface CliContext {
  /** The global options (--cluster, --credentials, --timeout, --json). */
  g(): GlobalOpts;
  client(mode?: string, primary?: string): TsmClient;
  loadCluster(): ClusterFile;
}

export type CommandModule = (program: Command, ctx: CliContext) => void;
