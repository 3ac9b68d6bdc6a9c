/**
 * The node's master key: 32 random bytes that seal every share at rest (see `at-rest.ts`).
 *
 * A {@link MasterKey} never exposes its bytes as a property: they live in a module-private WeakMap,
 * so `console.log`, `JSON.stringify` and error serialisation show only the public fingerprint
 * (`id`: first 8 bytes of SHA-256("opentsm/master-key-id" ‖ key)), which is also written into every
 * sealed share so a node can tell "wrong master key" apart from tampering.
 *
 * Sources: a file (`masterKeyFile` in the node config; 32 raw bytes, or 64 hex characters, or
 * base64 of 32 bytes; surrounding whitespace ignored for the text forms) or the environment
 * variable `TSM_MASTER_KEY` (hex or base64). Parsing is strict: anything else is refused with
 * `MASTER_KEY_INVALID`, naming the expected forms but never echoing the content.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { AtRestError, AtRestErrorCode } from './errors.js';

/** Length of a master key in bytes (AES-256). */
export const MASTER_KEY_LENGTH = 32;
/** Length of a master key id (fingerprint) in bytes. */
export const MASTER_KEY_ID_LENGTH = 8;
/** Name of the environment variable holding the master key. */
export const MASTER_KEY_ENV = 'TSM_MASTER_KEY';

const keyBytes = new WeakMap<MasterKey, Uint8Array>();

/** A loaded master key. Compare keys by `idHex`; the secret bytes are not reachable from the object. */
export class MasterKey {
  /** 8-byte fingerprint: SHA-256("opentsm/master-key-id" ‖ key)[0..8]. Public. */
  readonly id: Uint8Array;

  private constructor(bytes: Uint8Array) {
    const copy = Uint8Array.from(bytes);
    keyBytes.set(this, copy);
    this.id = masterKeyId(copy);
  }

  /** Wraps 32 bytes (copied). Throws `MASTER_KEY_INVALID` for another length or an all-zero key. */
  static fromBytes(bytes: Uint8Array): MasterKey {
    if (!(bytes instanceof Uint8Array) || bytes.length !== MASTER_KEY_LENGTH) {
      throw new AtRestError(AtRestErrorCode.MASTER_KEY_INVALID, `a master key is ${MASTER_KEY_LENGTH} bytes`);
    }
    if (bytes.every((b) => b === 0)) throw new AtRestError(AtRestErrorCode.MASTER_KEY_INVALID, 'the master key is all zeros');
    return new MasterKey(bytes);
  }

  /** The fingerprint as 16 lower-case hex characters (safe to log). */
  get idHex(): string {
    return bytesToHex(this.id);
  }

  /** Overwrites the key bytes with zeros; the object is unusable afterwards. */
  destroy(): void {
    const b = keyBytes.get(this);
    if (b) b.fill(0);
    keyBytes.delete(this);
  }

  toString(): string {
    return `MasterKey(${this.idHex})`;
  }

  toJSON(): { masterKeyId: string } {
    return { masterKeyId: this.idHex };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * The raw bytes of `key`, for the sealing code in this directory only (not re-exported by the
 * package). Throws if the key was destroyed.
 */
export function masterKeyBytes(key: MasterKey): Uint8Array {
  const b = keyBytes.get(key);
  if (b === undefined) throw new AtRestError(AtRestErrorCode.MASTER_KEY_INVALID, 'the master key was destroyed');
  return b;
}

/** SHA-256("opentsm/master-key-id" ‖ key)[0..8]. */
export function masterKeyId(bytes: Uint8Array): Uint8Array {
  const tag = utf8ToBytes('opentsm/master-key-id');
  const input = new Uint8Array(tag.length + bytes.length);
  input.set(tag, 0);
  input.set(bytes, tag.length);
  return sha256(input).slice(0, MASTER_KEY_ID_LENGTH);
}

/** A fresh random master key (crypto.getRandomValues). */
export function generateMasterKey(): MasterKey {
  const bytes = crypto.getRandomValues(new Uint8Array(MASTER_KEY_LENGTH));
  try {
    return MasterKey.fromBytes(bytes);
  } finally {
    bytes.fill(0);
  }
}

const HEX_RE = /^[0-9a-fA-F]{64}$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43}=?)$/;

/**
 * Parses the text forms: 64 hex characters, or base64 / base64url of exactly 32 bytes (padding
 * optional for base64url). Surrounding whitespace is ignored. Throws `MASTER_KEY_INVALID`.
 */
export function parseMasterKey(text: string, source = 'master key'): MasterKey {
  const t = text.trim();
  let bytes: Uint8Array | undefined;
  if (HEX_RE.test(t)) bytes = Uint8Array.from(Buffer.from(t, 'hex'));
  else if (B64_RE.test(t)) {
    const std = t.replace(/-/g, '+').replace(/_/g, '/').replace(/=$/, '');
    const decoded = Buffer.from(std, 'base64');
    // strict: refuse non-canonical encodings (non-zero unused low bits in the last character)
    if (decoded.toString('base64').replace(/=$/, '') === std) bytes = Uint8Array.from(decoded);
    decoded.fill(0);
  }
  if (bytes === undefined || bytes.length !== MASTER_KEY_LENGTH) {
    throw new AtRestError(
      AtRestErrorCode.MASTER_KEY_INVALID,
      `${source} must be 32 raw bytes (file only), 64 hex characters or base64 of 32 bytes`,
    );
  }
  try {
    return MasterKey.fromBytes(bytes);
  } finally {
    bytes.fill(0);
  }
}

/** Result of {@link loadMasterKeyFile}. */
export interface LoadedMasterKey {
  readonly key: MasterKey;
  /** Where it came from (`file` or `env`). */
  readonly source: 'file' | 'env';
  /**
   * True when the file is readable or writable by group or others (mode & 0o077): the caller
   * should log a warning (e.g. "chmod 600 <file>"). Always false for the environment.
   */
  readonly insecurePermissions: boolean;
  /** The file's permission bits (e.g. 0o600), when loaded from a file. */
  readonly mode?: number;
}

/**
 * Loads a master key file: exactly 32 bytes are taken as the raw key; otherwise the content must be
 * 64 hex characters or base64 of 32 bytes (whitespace around it ignored).
 */
export async function loadMasterKeyFile(path: string): Promise<LoadedMasterKey> {
  let content: Buffer;
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o777;
    content = await readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new AtRestError(AtRestErrorCode.MASTER_KEY_IO, `cannot read the master key file${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  try {
    const key =
      content.length === MASTER_KEY_LENGTH ? MasterKey.fromBytes(content) : parseMasterKey(content.toString('latin1'), 'the master key file');
    return { key, source: 'file', insecurePermissions: (mode & 0o077) !== 0, mode };
  } finally {
    content.fill(0);
  }
}

/** Loads `TSM_MASTER_KEY` (hex or base64) from `env`; `undefined` when unset or empty. */
export function loadMasterKeyFromEnv(env: NodeJS.ProcessEnv = process.env, name = MASTER_KEY_ENV): MasterKey | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  return parseMasterKey(v, `the environment variable ${name}`);
}

/**
 * The node's master key: from `file` when given, else from `TSM_MASTER_KEY`. Throws
 * `MASTER_KEY_MISSING` when neither is configured.
 */
export async function loadMasterKey(options: { file?: string | undefined; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedMasterKey> {
  if (options.file !== undefined) return loadMasterKeyFile(options.file);
  const key = loadMasterKeyFromEnv(options.env ?? process.env);
  if (key === undefined) {
    throw new AtRestError(AtRestErrorCode.MASTER_KEY_MISSING, `no master key: set masterKeyFile in the node config or ${MASTER_KEY_ENV}`);
  }
  return { key, source: 'env', insecurePermissions: false };
}

/**
 * Writes `key` as 64 hex characters + newline to a new file with mode 0600. Refuses to overwrite
 * an existing file (`MASTER_KEY_IO`): losing a master key loses every share sealed under it.
 */
export async function writeMasterKeyFile(path: string, key: MasterKey): Promise<void> {
  const text = Buffer.from(`${bytesToHex(masterKeyBytes(key))}\n`, 'latin1');
  try {
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new AtRestError(AtRestErrorCode.MASTER_KEY_IO, `cannot create the master key file${typeof code === 'string' ? ` (${code})` : ''}`);
  } finally {
    text.fill(0);
  }
}
