/**
 * The node's HPKE identity key (verifiable-backup.md §15: import shares are encrypted to it).
 *
 * `tsm init` writes one per node, `node-N.hpke` (mode 0600), and pins its public key in the
 * cluster file (`nodes[].hpkePublicKey`); the node config names the file (`hpkeKeyFile`).
 * Clusters created before import existed have neither: such a node refuses import with
 * NODE_ENCRYPTION_KEY_MISSING (nothing else changes).
 *
 * File format (SECRET):
 *   {"version":1,"type":"opentsm-node-hpke-key","player":N,"suite":"x25519","secretKey":hex,"publicKey":hex}
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { equalBytes, hpkeGenerateKeyPair, hpkePublicKey, isBackupSuite, parseHex, toHex, validateHpkePublicKey, type BackupSuite, type HpkeKeyPair } from '@opentsm/core';

export const NODE_HPKE_KEY_TYPE = 'opentsm-node-hpke-key';

export class NodeKeyError extends Error {
  override readonly name = 'NodeKeyError';
  constructor(
    readonly code: 'NODE_KEY_NOT_FOUND' | 'INVALID_NODE_KEY',
    message: string,
  ) {
    super(message);
  }
}

export interface NodeHpkeKey extends HpkeKeyPair {
  readonly player: number;
}

/** A fresh node HPKE key pair (suite A, X25519) and its file text. */
export function generateNodeHpkeKey(player: number, suite: BackupSuite = 'x25519'): { key: NodeHpkeKey; text: string } {
  const kp = hpkeGenerateKeyPair(suite);
  const key: NodeHpkeKey = { ...kp, player };
  return { key, text: serializeNodeHpkeKey(key) };
}

export function serializeNodeHpkeKey(k: NodeHpkeKey): string {
  return JSON.stringify({ version: 1, type: NODE_HPKE_KEY_TYPE, player: k.player, suite: k.suite, secretKey: toHex(k.secretKey), publicKey: toHex(k.publicKey) }, null, 2) + '\n';
}

/** Write a node key file with mode 0600. */
export function writeNodeHpkeKey(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Strict parse; checks pk(secretKey) = publicKey. Errors never contain key material. */
export function parseNodeHpkeKey(text: string, expectedPlayer?: number): NodeHpkeKey {
  const bad = (m: string): never => {
    throw new NodeKeyError('INVALID_NODE_KEY', `node HPKE key file: ${m}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return bad('not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('not a JSON object');
  const o = raw as Record<string, unknown>;
  const allowed = ['version', 'type', 'player', 'suite', 'secretKey', 'publicKey'];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`unknown field '${k}'`);
  if (o.version !== 1 || o.type !== NODE_HPKE_KEY_TYPE) bad(`expected version 1 and type ${NODE_HPKE_KEY_TYPE}`);
  if (!Number.isInteger(o.player) || (o.player as number) < 1 || (o.player as number) > 64) bad('player must be an integer 1..64');
  if (expectedPlayer !== undefined && o.player !== expectedPlayer) bad(`the key belongs to player ${String(o.player)}, not ${expectedPlayer}`);
  if (!isBackupSuite(o.suite)) return bad('suite must be x25519 or p256');
  const suite = o.suite;
  const hex = (v: unknown, len: number, what: string): Uint8Array => {
    if (typeof v !== 'string' || v.length !== 2 * len || !/^[0-9a-f]*$/.test(v)) bad(`${what} must be ${len} bytes of lower-case hex`);
    return parseHex(v as string);
  };
  const secretKey = hex(o.secretKey, 32, 'secretKey');
  const publicKey = hex(o.publicKey, suite === 'x25519' ? 32 : 65, 'publicKey');
  let derived: Uint8Array;
  try {
    derived = hpkePublicKey(suite, secretKey);
    validateHpkePublicKey(suite, publicKey);
  } catch {
    return bad('not a valid key pair of the suite');
  }
  if (!equalBytes(derived, publicKey)) bad('secretKey does not match publicKey');
  return { player: o.player as number, suite, secretKey, publicKey };
}

/** Load a node key file (warns through `warn` when it is readable by group/others). */
export function loadNodeHpkeKey(path: string, player: number, warn?: (msg: string) => void): NodeHpkeKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new NodeKeyError('NODE_KEY_NOT_FOUND', `cannot read the node HPKE key file ${path}`);
  }
  try {
    if ((statSync(path).mode & 0o077) !== 0) warn?.(`node HPKE key file ${path} is readable by group/others: chmod 600 it`);
  } catch {
    // stat failing after a successful read: ignore
  }
  return parseNodeHpkeKey(text, player);
}
