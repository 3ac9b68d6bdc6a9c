/** The application credentials file written by `tsm init` / `tsm apps create` (mode 0600). */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { CliError } from './output.js';

export interface CredentialsFile {
  applicationId: string;
  algorithm: 'ed25519' | 'p256';
  privateKey: string;
  publicKey: string;
}

export function writeCredentials(path: string, c: CredentialsFile): void {
  writeFileSync(path, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readCredentials(path: string): CredentialsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError('CREDENTIALS_NOT_FOUND', `cannot read credentials file ${path} (run 'tsm init' or pass --credentials)`);
  }
  let c: Partial<CredentialsFile>;
  try {
    c = JSON.parse(text) as Partial<CredentialsFile>;
  } catch {
    throw new CliError('INVALID_CREDENTIALS', `credentials file ${path} is not valid JSON`);
  }
  if (typeof c.applicationId !== 'string' || !/^app_[0-9a-f]{24}$/.test(c.applicationId)) throw new CliError('INVALID_CREDENTIALS', `credentials file ${path}: bad applicationId`);
  if (c.algorithm !== 'ed25519' && c.algorithm !== 'p256') throw new CliError('INVALID_CREDENTIALS', `credentials file ${path}: algorithm must be ed25519 or p256`);
  if (typeof c.privateKey !== 'string' || !/^[0-9a-f]{64}$/.test(c.privateKey)) throw new CliError('INVALID_CREDENTIALS', `credentials file ${path}: bad privateKey`);
  if ((statSync(path).mode & 0o077) !== 0) process.stderr.write(`tsm: warning: ${path} is readable by group/others; run chmod 600 ${path}\n`);
  return { applicationId: c.applicationId, algorithm: c.algorithm, privateKey: c.privateKey, publicKey: String(c.publicKey ?? '') };
}
