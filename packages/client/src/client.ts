/**
 * TsmClient: the OpenTSM SDK over the node HTTP API (docs/api.md), in two I/O modes (DESIGN.md §3):
 *
 * - fan-out (default): ONE signed request (same headers, same body bytes) is sent in parallel to
 *   every node of the quorum; every node verifies it and runs the protocol with its peers; every
 *   answer must agree, and the SDK verifies the final signature itself.
 * - primary: the same signed request goes to one node with `x-tsm-mode: primary`, which relays it
 *   to its peers (who verify the client's signature themselves). The result is still verified here:
 *   the primary is a convenience, never a trust anchor.
 *
 * Browser-usable: global fetch, AbortController, crypto.getRandomValues; no node:* imports.
 */
import { getSuite, isFrostScheme, FROST_SCHEMES, parseDerivationPath, taprootOutputKey } from '@opentsm/core';
import { HDKey } from '@scure/bip32';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { AnswerTooLargeError, clientPlatform, type HttpExchangeRequest, type HttpExchangeResponse } from './platform.js';
import {
  assembleBackupFile,
  assembleExportFile,
  backupSuiteOfPublicKey,
  ed25519ScalarFromSeed,
  parseShareBackup,
  parseWrappedExportShare,
  ProtocolError,
  randomBytes,
  serializeImportRequest,
  splitForImport,
  type BackupFile,
  type ExportFile,
  type PublicKeyPackage,
  type Scheme,
  type ShareBackup,
  type WrappedExportShare,
} from '@opentsm/core';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist as bip39English } from '@scure/bip39/wordlists/english.js';
import {
  AuthInputError,
  MODE_HEADER,
  getApplicationPublicKey,
  isApplicationId,
  isApplicationKeyAlgorithm,
  parseApplicationPublicKey,
  signRequest,
  type ApplicationCredentials,
  type ApplicationKeyAlgorithm,
  type SignedRequest,
} from './auth.js';

// ---------------------------------------------------------------------------------------------
// Public types

export type IoMode = 'fan-out' | 'primary';

/** Every scheme name the API knows (docs/api.md). The SDK can verify signatures of FROST schemes. */
export const KEY_SCHEMES = [...FROST_SCHEMES, 'ecdsa-secp256k1', 'ecdsa-p256'] as const;
export type KeyScheme = (typeof KEY_SCHEMES)[number];

export interface NodeEndpoint {
  /** Player index of the node (1-based, as in the cluster file). */
  player: number;
  /** Origin of the node's API, e.g. `https://tsm1.example.com:8443` (no path, query or credentials). */
  url: string;
}

export interface TsmClientOptions {
  nodes: NodeEndpoint[];
  credentials: ApplicationCredentials;
  /** Default `fan-out`. */
  mode?: IoMode;
  /** Player of the node used in primary mode (default: the first node). */
  primary?: number;
  /** Per-node timeout of one HTTP exchange, ms (default 30 000). */
  timeoutMs?: number;
  /** fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
}

export interface KeyInfo {
  keyId: string;
  scheme: KeyScheme;
  /** `k-of-n`. */
  threshold: string;
  players: number[];
  /** Lower-case hex public key (external encoding of the scheme). */
  publicKey: string;
  /** Signing protocol: `frost`, `honest-majority` (ECDSA, 2k−1 players online) or `dkls23` (ECDSA, any k). */
  protocol?: string;
}

export type EcdsaProtocol = 'honest-majority' | 'dkls23';

export interface SignResult {
  keyId: string;
  /** Lower-case hex signature, verified by the SDK under `publicKey` (ECDSA: r‖s, 64 bytes, low-s). */
  signature: string;
  publicKey: string;
  /** ECDSA only: the DER encoding of the signature, hex. */
  der?: string;
  /** ECDSA only: the recovery id (0 or 1). */
  recoveryId?: number;
}

export interface HealthInfo {
  status: string;
  player: number;
  version: string;
  peers: Record<string, string>;
}

export interface NodeHealth {
  player: number;
  url: string;
  /** True when the node answered `status: "ok"` and reports the expected player index. */
  ok: boolean;
  health?: HealthInfo;
  error?: TsmError;
}

export interface ApplicationInfo {
  applicationId: string;
  name: string;
  algorithm: ApplicationKeyAlgorithm;
  publicKey: string;
  role: 'app' | 'admin';
  enabled?: boolean;
}

export interface CreateKeyParams {
  scheme: KeyScheme;
  /** `k-of-n`, e.g. `2-of-3`; n must equal the number of players. */
  threshold: string;
  /** Default: every configured node. */
  players?: number[];
  /** ECDSA schemes only: the signing protocol (the node's default when absent). */
  protocol?: EcdsaProtocol;
}

export interface SignParams {
  keyId: string;
  /** Bytes, or hex. */
  message: Uint8Array | string;
  /** Signer set (≥ k players of the key). Default (fan-out): the first k key players to answer /v1/health. */
  players?: number[];
  /** Optional pinned public key (hex): the SDK refuses a key or signature under any other key. */
  publicKey?: string;
  /**
   * Non-hardened derivation path (e.g. `m/0/5`): sign with the derived child key. The result's
   * `publicKey` is the child's (docs/protocols/derivation.md); for secp256k1 schemes the SDK checks
   * it against its own BIP32 derivation from the key's xpub.
   */
  path?: string;
}

/** Result of {@link TsmClient.refreshKey} and {@link TsmClient.reshareKey}: the key after the run. */
export interface LifecycleResult extends KeyInfo {
  /** Epoch counter of the new shares (0 = key generation, + 1 per refresh or reshare). */
  epoch: number;
}

export interface ReshareParams {
  /** New `k-of-n`. */
  threshold: string;
  /** The new player set (n of them). */
  players: number[];
}

export interface XpubResult {
  keyId: string;
  /** BIP32 extended public key (mainnet `xpub…`); for frost-secp256k1-tr it carries the internal key. */
  xpub: string;
  /** Canonical path of the node the xpub describes (`m` = the key itself). */
  path: string;
}

export interface CreateApplicationParams {
  name: string;
  algorithm: ApplicationKeyAlgorithm;
  /** Hex public key of the new application. */
  publicKey: string;
  /** Default `app`. */
  role?: 'app' | 'admin';
}

/** Codes the server sends (docs/api.md, "Errors"). */
export type ServerErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_HEX'
  | 'INVALID_SCHEME'
  | 'INVALID_THRESHOLD'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'REPLAYED_REQUEST'
  | 'STALE_TIMESTAMP'
  | 'KEY_NOT_FOUND'
  | 'QUORUM_UNAVAILABLE'
  | 'PROTOCOL_ABORTED'
  | 'TIMEOUT'
  | 'INTERNAL';

/** Codes raised by the SDK itself. */
export type ClientErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_RESPONSE'
  | 'INCONSISTENT_RESPONSES'
  | 'INVALID_SIGNATURE'
  | 'PUBLIC_KEY_MISMATCH'
  | 'UNSUPPORTED_SCHEME'
  | 'INVALID_DERIVATION_PATH'
  | 'ABORTED';

export type TsmErrorCode = ServerErrorCode | ClientErrorCode;

export interface TsmErrorDetails {
  /** HTTP status, when a node answered with an error. */
  status?: number;
  /** The node (player) the error comes from. */
  node?: number;
  /** Every node concerned (e.g. the unreachable ones). */
  nodes?: number[];
  /** Players blamed (server `culprits`, or nodes whose answers disagree / fail verification). */
  culprits?: number[];
}

export class TsmError extends Error {
  override readonly name = 'TsmError';
  readonly code: TsmErrorCode | (string & {});
  readonly status?: number;
  readonly node?: number;
  readonly nodes?: number[];
  readonly culprits?: number[];
  constructor(code: TsmErrorCode | (string & {}), message: string, details: TsmErrorDetails = {}) {
    super(message);
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.node !== undefined) this.node = details.node;
    if (details.nodes !== undefined) this.nodes = details.nodes;
    if (details.culprits !== undefined) this.culprits = details.culprits;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const THRESHOLD_PATTERN = /^([1-9][0-9]{0,3})-of-([1-9][0-9]{0,3})$/;
const SERVER_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest answer body accepted from a node (a misbehaving node cannot exhaust the client's memory). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const utf8 = new TextEncoder();

function invalidArgument(message: string): TsmError {
  return new TsmError('INVALID_ARGUMENT', message);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPlayer(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= 65535;
}

/** One line, printable, bounded: a node's message can be shown but never floods or forges logs. */
function sanitise(message: unknown): string {
  if (typeof message !== 'string') return '';
  return message.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 300);
}

function parseThreshold(threshold: unknown): { k: number; n: number } {
  const m = typeof threshold === 'string' ? THRESHOLD_PATTERN.exec(threshold) : null;
  if (!m) throw invalidArgument("invalid threshold (expected 'k-of-n', e.g. '2-of-3')");
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (k > n) throw invalidArgument('invalid threshold (k must not exceed n)');
  return { k, n };
}

function checkPlayers(players: unknown, what: string): number[] {
  if (!Array.isArray(players) || players.length === 0 || !players.every(isPlayer))
    throw invalidArgument(`invalid ${what} (expected a non-empty array of player indices)`);
  if (new Set(players).size !== players.length) throw invalidArgument(`invalid ${what} (duplicate player)`);
  return [...players].sort((a, b) => a - b);
}

function checkKeyId(keyId: unknown): string {
  if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) throw invalidArgument('invalid key id');
  return keyId;
}

function strictHex(v: unknown): v is string {
  return typeof v === 'string' && v.length % 2 === 0 && /^[0-9a-f]*$/.test(v);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function describeNodes(players: number[]): string {
  return players.map((p) => `#${p}`).join(', ');
}

/** Validate a scheme's public key (hex, right length, valid group element for FROST schemes). */
function validPublicKey(scheme: KeyScheme, publicKey: string): boolean {
  if (!strictHex(publicKey) || publicKey.length === 0) return false;
  if (!isFrostScheme(scheme)) return publicKey.length === 66; // SEC1 compressed
  const suite = getSuite(scheme);
  if (publicKey.length !== suite.publicKeyLength * 2) return false;
  try {
    const bytes = hexToBytes(publicKey);
    // Taproot keys are x-only (even y): decode as the 02-prefixed point.
    suite.decodePoint(suite.publicKeyLength === suite.pointLength ? bytes : Uint8Array.of(0x02, ...bytes));
    return true;
  } catch {
    return false;
  }
}

function verifySignature(scheme: KeyScheme, publicKey: string, message: Uint8Array, signature: string): boolean {
  const suite = getSuite(scheme);
  if (!strictHex(signature) || signature.length !== suite.signatureLength * 2) return false;
  if (!strictHex(publicKey) || publicKey.length !== suite.publicKeyLength * 2) return false;
  try {
    const sig = hexToBytes(signature);
    const pk = hexToBytes(publicKey);
    return clientPlatform().verifySignature(scheme, sig, message, pk) ?? suite.verify(sig, message, pk);
  } catch {
    return false;
  }
}

function parseKeyInfo(v: unknown, node: number): KeyInfo {
  const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed key (${why})`, { node, culprits: [node] });
  if (!isRecord(v)) throw bad('not an object');
  const { keyId, scheme, threshold, players, publicKey, protocol } = v;
  if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) throw bad('keyId');
  if (protocol !== undefined && protocol !== 'frost' && protocol !== 'honest-majority' && protocol !== 'dkls23') throw bad('protocol');
  if (typeof scheme !== 'string' || !(KEY_SCHEMES as readonly string[]).includes(scheme)) throw bad('scheme');
  if (typeof threshold !== 'string' || !THRESHOLD_PATTERN.test(threshold)) throw bad('threshold');
  const [k, n] = threshold.split('-of-').map(Number) as [number, number];
  if (k > n) throw bad('threshold');
  if (!Array.isArray(players) || !players.every(isPlayer) || new Set(players).size !== players.length || players.length !== n)
    throw bad('players');
  if (typeof publicKey !== 'string' || !validPublicKey(scheme as KeyScheme, publicKey)) throw bad('publicKey');
  return { keyId, scheme: scheme as KeyScheme, threshold, players: [...players].sort((a, b) => a - b), publicKey, ...(protocol !== undefined ? { protocol } : {}) };
}

function parseSignResult(v: unknown, node: number): SignResult {
  const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed signature (${why})`, { node, culprits: [node] });
  if (!isRecord(v)) throw bad('not an object');
  const { keyId, signature, publicKey, der, recoveryId } = v;
  if (typeof keyId !== 'string') throw bad('keyId');
  if (!strictHex(signature) || signature.length === 0) throw bad('signature');
  if (!strictHex(publicKey) || publicKey.length === 0) throw bad('publicKey');
  if (der !== undefined && (!strictHex(der) || der.length === 0)) throw bad('der');
  if (recoveryId !== undefined && recoveryId !== 0 && recoveryId !== 1) throw bad('recoveryId');
  return { keyId, signature, publicKey, ...(der !== undefined ? { der } : {}), ...(recoveryId !== undefined ? { recoveryId } : {}) };
}

function parseApplicationInfo(v: unknown, node: number): ApplicationInfo {
  const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed application (${why})`, { node, culprits: [node] });
  if (!isRecord(v)) throw bad('not an object');
  const { applicationId, name, algorithm, publicKey, role, enabled } = v;
  if (!isApplicationId(applicationId)) throw bad('applicationId');
  if (typeof name !== 'string') throw bad('name');
  if (!isApplicationKeyAlgorithm(algorithm)) throw bad('algorithm');
  if (typeof publicKey !== 'string') throw bad('publicKey');
  if (role !== 'app' && role !== 'admin') throw bad('role');
  const info: ApplicationInfo = { applicationId, name, algorithm, publicKey, role };
  if (typeof enabled === 'boolean') info.enabled = enabled;
  return info;
}

function parseHealth(v: unknown, node: number): HealthInfo {
  const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed health report (${why})`, { node });
  if (!isRecord(v)) throw bad('not an object');
  const { status, player, version, peers } = v;
  if (typeof status !== 'string') throw bad('status');
  if (!isPlayer(player)) throw bad('player');
  const out: HealthInfo = { status, player, version: typeof version === 'string' ? version : '', peers: {} };
  if (isRecord(peers)) for (const [k, s] of Object.entries(peers)) if (typeof s === 'string') out.peers[k] = s;
  return out;
}

/** The body as UTF-8 text, refusing more than `limit` bytes. */
/** The HTTP exchange on a fetch implementation (browsers, or a caller's own fetch). Redirects are not followed. */
async function fetchExchange(f: typeof fetch, url: string, req: HttpExchangeRequest): Promise<HttpExchangeResponse> {
  // Redirects are never followed, as on the node:http path: the 3xx is returned as the answer (in browsers
  // an opaque redirect, status 0) and #call turns it into one error.
  const init: RequestInit = { method: req.method, headers: req.headers, signal: req.signal, redirect: 'manual' };
  if (req.body) init.body = new Uint8Array(req.body);
  // Called unbound on purpose: browsers refuse `fetch` invoked with a foreign `this`.
  const res = await f(url, init);
  return { status: res.status, text: await readLimited(res, req.limit) };
}

async function readLimited(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limit) {
    await res.body?.cancel();
    throw new AnswerTooLargeError('answer too large');
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new AnswerTooLargeError('answer too large');
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all);
}

/** Canonical JSON of a value whose object keys are listed in a fixed order by the caller. */
function fingerprint(v: unknown): string {
  return JSON.stringify(v);
}

interface Outcome<T> {
  player: number;
  value?: T;
  error?: TsmError;
}

/** Transport-level failures (no HTTP answer): the node is unreachable or too slow. */
function isUnreachable(e: TsmError): boolean {
  return e.status === undefined && e.code === 'QUORUM_UNAVAILABLE';
}
function isTimeout(e: TsmError): boolean {
  return e.status === undefined && e.code === 'TIMEOUT';
}

/** One error for a set of failed node calls (the most informative first). */
function combineFailures(failed: Array<{ player: number; error: TsmError }>): TsmError {
  const unreachable = failed.filter((f) => isUnreachable(f.error)).map((f) => f.player);
  if (unreachable.length > 0)
    return new TsmError('QUORUM_UNAVAILABLE', `node(s) ${describeNodes(unreachable)} unreachable`, { node: unreachable[0]!, nodes: unreachable });
  const invalid = failed.find((f) => f.error.code === 'INVALID_RESPONSE');
  if (invalid) return invalid.error;
  const clientError = failed.find((f) => f.error.status !== undefined && f.error.status < 500);
  if (clientError) return clientError.error;
  const timedOut = failed.filter((f) => isTimeout(f.error)).map((f) => f.player);
  if (timedOut.length > 0)
    return new TsmError('TIMEOUT', `node(s) ${describeNodes(timedOut)} did not answer in time`, { node: timedOut[0]!, nodes: timedOut });
  const first = failed[0]!.error;
  const culprits = [...new Set(failed.flatMap((f) => f.error.culprits ?? []))].sort((a, b) => a - b);
  if (culprits.length === 0) return first;
  return new TsmError(first.code, first.message, {
    ...(first.status !== undefined ? { status: first.status } : {}),
    ...(first.node !== undefined ? { node: first.node } : {}),
    nodes: failed.map((f) => f.player),
    culprits,
  });
}

/**
 * All answers must be identical. Otherwise INCONSISTENT_RESPONSES, blaming `suspects` when given,
 * else the minority when one answer has a strict majority, else every node.
 */
function requireAgreement<T>(results: Array<{ player: number; value: T }>, what: string, suspects?: number[]): T {
  const groups = new Map<string, number[]>();
  for (const r of results) {
    const fp = fingerprint(r.value);
    groups.set(fp, [...(groups.get(fp) ?? []), r.player]);
  }
  if (groups.size === 1) return results[0]!.value;
  const all = results.map((r) => r.player);
  let culprits = suspects && suspects.length > 0 ? suspects : all;
  if (!suspects || suspects.length === 0) {
    const largest = [...groups.values()].sort((a, b) => b.length - a.length)[0]!;
    if (largest.length * 2 > all.length) culprits = all.filter((p) => !largest.includes(p));
  }
  throw new TsmError('INCONSISTENT_RESPONSES', `nodes ${describeNodes(all)} returned different ${what}`, { nodes: all, culprits });
}

function parseLifecycleResult(v: unknown, node: number): LifecycleResult {
  const key = parseKeyInfo(v, node);
  const epoch = isRecord(v) ? v.epoch : undefined;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 1)
    throw new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed result (epoch)`, { node, culprits: [node] });
  return { ...key, epoch };
}

const XPUB_PATTERN = /^xpub[1-9A-HJ-NP-Za-km-z]{100,112}$/;
const SECP256K1_SCHEMES: readonly string[] = ['frost-secp256k1', 'frost-secp256k1-tr', 'ecdsa-secp256k1'];

function parseXpubResult(v: unknown, node: number): XpubResult {
  const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed xpub (${why})`, { node, culprits: [node] });
  if (!isRecord(v)) throw bad('not an object');
  const { keyId, xpub, path } = v;
  if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) throw bad('keyId');
  if (typeof xpub !== 'string' || !XPUB_PATTERN.test(xpub)) throw bad('xpub');
  if (typeof path !== 'string') throw bad('path');
  return { keyId, xpub, path };
}

/** A canonical non-hardened path, or TsmError INVALID_DERIVATION_PATH (hardened steps are refused). */
function checkPath(path: unknown): string {
  try {
    const indices = parseDerivationPath(path as string);
    return ['m', ...indices.map(String)].join('/');
  } catch (e) {
    throw new TsmError('INVALID_DERIVATION_PATH', (e as Error).message);
  }
}

/**
 * The public key (external encoding, hex) of the child at `path` of an HD node, for a secp256k1
 * scheme: the compressed child key, or for frost-secp256k1-tr the x-only BIP341 output key of the
 * child internal key (docs/protocols/derivation.md).
 */
function childPublicKey(scheme: string, node: HDKey, path: string): string {
  const child = path === 'm' ? node : node.derive(path);
  if (!child.publicKey) throw new TsmError('INVALID_RESPONSE', 'the xpub has no public key');
  if (scheme !== 'frost-secp256k1-tr') return bytesToHex(child.publicKey);
  const suite = getSuite('frost-secp256k1-tr');
  return bytesToHex(suite.encodePublicKey(taprootOutputKey(suite, suite.decodePoint(child.publicKey))));
}

// ---------------------------------------------------------------------------------------------
// The client

interface Endpoint {
  player: number;
  origin: string;
}

export class TsmClient {
  readonly mode: IoMode;
  readonly timeoutMs: number;
  readonly primary: number;
  readonly #nodes: Map<number, Endpoint>;
  /** Public descriptions of keys already fetched (a key's scheme, players and public key do not change). */
  readonly #keyCache = new Map<string, KeyInfo>();
  /** Root xpubs of secp256k1 keys, checked against the key's public key (public data that never changes). */
  readonly #xpubCache = new Map<string, HDKey>();
  /** Derived public keys by key id and path (bounded). */
  readonly #childCache = new Map<string, string>();
  readonly #credentials: ApplicationCredentials;
  readonly #exchange: (url: string, req: HttpExchangeRequest) => Promise<HttpExchangeResponse>;

  constructor(options: TsmClientOptions) {
    if (!isRecord(options)) throw invalidArgument('missing options');
    const { nodes, credentials } = options;
    if (!Array.isArray(nodes) || nodes.length === 0) throw invalidArgument('nodes must be a non-empty array');
    this.#nodes = new Map();
    for (const n of nodes) {
      if (!isRecord(n) || !isPlayer(n.player)) throw invalidArgument('invalid node (player must be a positive integer)');
      if (this.#nodes.has(n.player)) throw invalidArgument(`duplicate node for player ${n.player}`);
      this.#nodes.set(n.player, { player: n.player, origin: TsmClient.#origin(n.url, n.player) });
    }
    if (!isRecord(credentials)) throw invalidArgument('missing credentials');
    if (!isApplicationId(credentials.applicationId)) throw invalidArgument('invalid credentials.applicationId (expected app_ + 24 hex)');
    if (!isApplicationKeyAlgorithm(credentials.algorithm)) throw invalidArgument("invalid credentials.algorithm (expected 'ed25519' or 'p256')");
    try {
      getApplicationPublicKey(credentials.algorithm, credentials.privateKey);
    } catch (e) {
      if (e instanceof AuthInputError) throw invalidArgument('invalid credentials.privateKey');
      throw e;
    }
    this.#credentials = { applicationId: credentials.applicationId, algorithm: credentials.algorithm, privateKey: credentials.privateKey };
    const mode = options.mode ?? 'fan-out';
    if (mode !== 'fan-out' && mode !== 'primary') throw invalidArgument("invalid mode (expected 'fan-out' or 'primary')");
    this.mode = mode;
    const primary = options.primary ?? nodes[0]!.player;
    if (!this.#nodes.has(primary)) throw invalidArgument('primary must be the player of a configured node');
    this.primary = primary;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw invalidArgument('timeoutMs must be a positive integer');
    this.timeoutMs = timeoutMs;
    const platformExchange = clientPlatform().httpExchange;
    if (options.fetch === undefined && platformExchange !== undefined) this.#exchange = platformExchange;
    else {
      const f = options.fetch ?? globalThis.fetch;
      if (typeof f !== 'function') throw invalidArgument('no fetch implementation available');
      this.#exchange = (url, req) => fetchExchange(f, url, req);
    }
  }

  static #origin(url: unknown, player: number): string {
    let u: URL;
    try {
      u = new URL(String(url));
    } catch {
      throw invalidArgument(`invalid url for player ${player}`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== ''))
      throw invalidArgument(`invalid url for player ${player} (expected an http(s) origin without path, query or credentials)`);
    return u.origin;
  }

  /** Configured players, ascending. */
  get players(): number[] {
    return [...this.#nodes.keys()].sort((a, b) => a - b);
  }

  // ------------------------------------------------------------------------------ transport

  /** One HTTP exchange with one node; resolves with the parsed JSON of a 2xx answer. */
  async #call(player: number, method: string, path: string, signed: SignedRequest | undefined, signal?: AbortSignal): Promise<unknown> {
    const node = this.#nodes.get(player);
    if (!node) throw new TsmError('QUORUM_UNAVAILABLE', `player #${player} is not a configured node`, { node: player, nodes: [player] });
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (signed) {
      Object.assign(headers, signed.headers);
      if (signed.body.length > 0) {
        headers['content-type'] = 'application/json';
        body = new Uint8Array(signed.body);
      }
      if (this.mode === 'primary') headers[MODE_HEADER] = 'primary';
    }
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.timeoutMs);
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.#exchange(node.origin + path, { method, headers, body, signal: ac.signal, limit: MAX_RESPONSE_BYTES }));
    } catch (e) {
      if (e instanceof AnswerTooLargeError) throw new TsmError('INVALID_RESPONSE', `node #${player}: answer too large`, { node: player, culprits: [player] });
      if (e instanceof TsmError) throw new TsmError(e.code, `node #${player}: ${e.message}`, { node: player, culprits: [player] });
      if (timedOut) throw new TsmError('TIMEOUT', `node #${player} did not answer within ${this.timeoutMs} ms`, { node: player, nodes: [player] });
      if (signal?.aborted) throw new TsmError('ABORTED', `request to node #${player} cancelled`, { node: player });
      throw new TsmError('QUORUM_UNAVAILABLE', `node #${player} is unreachable`, { node: player, nodes: [player] });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (status === 0 || (status >= 300 && status < 400))
      throw new TsmError('INVALID_RESPONSE', `node #${player} answered with a redirect${status > 0 ? ` (HTTP ${status})` : ''}, which the SDK does not follow: check the node's url`, {
        ...(status > 0 ? { status } : {}),
        node: player,
        culprits: [player],
      });
    if (status >= 200 && status < 300) {
      if (json === undefined)
        throw new TsmError('INVALID_RESPONSE', `node #${player} returned a non-JSON answer`, { status, node: player, culprits: [player] });
      return json;
    }
    throw TsmClient.#serverError(json, status, player);
  }

  static #serverError(json: unknown, status: number, player: number): TsmError {
    const err = isRecord(json) && isRecord(json.error) ? json.error : undefined;
    let code: string;
    if (err && typeof err.code === 'string' && SERVER_CODE_PATTERN.test(err.code)) code = err.code;
    else if (status === 401) code = 'UNAUTHENTICATED';
    else if (status === 403) code = 'FORBIDDEN';
    else if (status === 404) code = 'KEY_NOT_FOUND';
    else if (status === 503) code = 'QUORUM_UNAVAILABLE';
    else if (status === 504) code = 'TIMEOUT';
    else if (status >= 500) code = 'INTERNAL';
    else code = 'BAD_REQUEST';
    const message = sanitise(err?.message) || `HTTP ${status}`;
    const details: TsmErrorDetails = { status, node: player };
    if (err && Array.isArray(err.culprits) && err.culprits.every(isPlayer)) details.culprits = [...err.culprits];
    return new TsmError(code, `node #${player}: ${message}`, details);
  }

  #sign(method: string, path: string, payload?: unknown): SignedRequest {
    return signRequest(this.#credentials, { method, path, ...(payload === undefined ? {} : { body: utf8.encode(JSON.stringify(payload)) }) });
  }

  /** Send the SAME signed request to every player in parallel; settle all (each bounded by timeoutMs). */
  async #broadcast<T>(
    players: number[],
    method: string,
    path: string,
    payload: unknown,
    parse: (v: unknown, player: number) => T,
  ): Promise<Array<Outcome<T>>> {
    const signed = this.#sign(method, path, payload);
    return Promise.all(
      players.map(async (player): Promise<Outcome<T>> => {
        try {
          return { player, value: parse(await this.#call(player, method, path, signed), player) };
        } catch (e) {
          if (e instanceof TsmError) return { player, error: e };
          throw e;
        }
      }),
    );
  }

  /** Fan-out where every node must answer: returns the answers or throws the combined failure. */
  async #fanOutAll<T>(players: number[], method: string, path: string, payload: unknown, parse: (v: unknown, player: number) => T) {
    const outcomes = await this.#broadcast(players, method, path, payload, parse);
    const failed = outcomes.filter((o) => o.error !== undefined) as Array<{ player: number; error: TsmError }>;
    if (failed.length > 0) throw combineFailures(failed);
    return outcomes as Array<{ player: number; value: T }>;
  }

  /** Primary mode: the signed request to the primary node only (with `x-tsm-mode: primary`). */
  async #viaPrimary<T>(method: string, path: string, payload: unknown, parse: (v: unknown, player: number) => T): Promise<T> {
    const signed = this.#sign(method, path, payload);
    return parse(await this.#call(this.primary, method, path, signed), this.primary);
  }

  #requireConfigured(players: number[]): void {
    const missing = players.filter((p) => !this.#nodes.has(p));
    if (missing.length > 0) throw invalidArgument(`player(s) ${describeNodes(missing)} are not configured nodes`);
  }

  // ------------------------------------------------------------------------------ API

  /** Health of every configured node (unauthenticated; never throws for a node that is down). */
  async health(): Promise<NodeHealth[]> {
    return Promise.all(this.players.map((p) => this.#healthOf(p)));
  }

  async #healthOf(player: number, signal?: AbortSignal): Promise<NodeHealth> {
    const url = this.#nodes.get(player)!.origin;
    try {
      const health = parseHealth(await this.#call(player, 'GET', '/v1/health', undefined, signal), player);
      if (health.player !== player)
        return { player, url, ok: false, health, error: new TsmError('INVALID_RESPONSE', `node at player #${player}'s url reports player #${health.player}`, { node: player }) };
      return { player, url, ok: health.status === 'ok', health };
    } catch (e) {
      if (e instanceof TsmError) return { player, url, ok: false, error: e };
      throw e;
    }
  }

  /** player → time (ms) until which its last ok health answer is trusted (saves a probe per request). */
  readonly #healthyUntil = new Map<number, number>();
  static readonly #HEALTH_TTL_MS = 2000;

  /**
   * The first k candidates whose /v1/health is ok: nodes seen healthy in the last 2 s first (no
   * probe), otherwise probed in parallel (in order of answer; the remaining probes are cancelled).
   * A failed request forgets the health of the nodes it involved.
   */
  async #firstHealthy(candidates: number[], k: number): Promise<number[]> {
    const now = Date.now();
    const fresh = candidates.filter((p) => (this.#healthyUntil.get(p) ?? 0) > now);
    if (fresh.length >= k) return fresh.slice(0, k);
    const ac = new AbortController();
    const chosen: number[] = [];
    const down: number[] = [];
    await new Promise<void>((resolve) => {
      let pending = candidates.length;
      if (pending === 0) resolve();
      for (const p of candidates) {
        void this.#healthOf(p, ac.signal).then(
          (h) => {
            if (h.ok) this.#healthyUntil.set(p, Date.now() + TsmClient.#HEALTH_TTL_MS);
            else this.#healthyUntil.delete(p);
            if (chosen.length < k) (h.ok ? chosen : down).push(p);
            if (--pending === 0 || chosen.length >= k) resolve();
          },
          () => {
            down.push(p);
            if (--pending === 0) resolve();
          },
        );
      }
    });
    ac.abort();
    if (chosen.length < k) {
      const unhealthy = candidates.filter((p) => !chosen.includes(p));
      throw new TsmError('QUORUM_UNAVAILABLE', `only ${chosen.length} of the ${k} required signers are healthy (down: ${describeNodes(unhealthy)})`, {
        nodes: unhealthy,
        ...(unhealthy[0] !== undefined ? { node: unhealthy[0] } : {}),
      });
    }
    return chosen.sort((a, b) => a - b);
  }

  /** Distributed key generation. Fan-out: every player gets the same signed request; all must return the same key. */
  async createKey(params: CreateKeyParams): Promise<KeyInfo> {
    if (!isRecord(params)) throw invalidArgument('missing parameters');
    const { scheme } = params;
    if (typeof scheme !== 'string' || !(KEY_SCHEMES as readonly string[]).includes(scheme))
      throw invalidArgument(`invalid scheme (expected one of ${KEY_SCHEMES.join(', ')})`);
    const { k, n } = parseThreshold(params.threshold);
    const threshold = `${k}-of-${n}`;
    let players: number[] | undefined;
    if (params.players !== undefined) players = checkPlayers(params.players, 'players');
    else if (this.mode === 'fan-out') players = this.players;
    if (players && players.length !== n) throw invalidArgument(`threshold ${threshold} needs exactly ${n} players, got ${players.length}`);
    const protocol = params.protocol;
    if (protocol !== undefined && (scheme.startsWith('frost-') || (protocol !== 'honest-majority' && protocol !== 'dkls23')))
      throw invalidArgument('protocol applies to ECDSA schemes only and must be honest-majority or dkls23');
    const payload = { scheme, threshold, ...(players ? { players } : {}), ...(protocol ? { protocol } : {}) };
    const check = (key: KeyInfo, node: number): KeyInfo => {
      if (key.scheme !== scheme || key.threshold !== threshold || (players && !sameList(key.players, players)) || (protocol && key.protocol !== protocol))
        throw new TsmError('INVALID_RESPONSE', `node #${node} returned a key that does not match the request`, { node, culprits: [node] });
      return key;
    };
    if (this.mode === 'primary') return this.#viaPrimary('POST', '/v1/keys', payload, (v, p) => check(parseKeyInfo(v, p), p));
    this.#requireConfigured(players!);
    const results = await this.#fanOutAll(players!, 'POST', '/v1/keys', payload, (v, p) => check(parseKeyInfo(v, p), p));
    return requireAgreement(results, 'keys');
  }

  /** Every key of this application (fan-out: the union over the nodes that answer; one key must look the same everywhere). */
  async listKeys(): Promise<KeyInfo[]> {
    const parse = (v: unknown, p: number): KeyInfo[] => {
      if (!isRecord(v) || !Array.isArray(v.keys)) throw new TsmError('INVALID_RESPONSE', `node #${p} returned a malformed key list`, { node: p, culprits: [p] });
      return v.keys.map((k) => parseKeyInfo(k, p));
    };
    if (this.mode === 'primary') return this.#viaPrimary('GET', '/v1/keys', undefined, parse);
    const outcomes = await this.#broadcast(this.players, 'GET', '/v1/keys', undefined, parse);
    const ok = this.#tolerateTransport(outcomes, 1);
    const byId = new Map<string, Array<{ player: number; value: KeyInfo }>>();
    for (const o of ok) for (const key of o.value) byId.set(key.keyId, [...(byId.get(key.keyId) ?? []), { player: o.player, value: key }]);
    return [...byId.values()].map((rs) => requireAgreement(rs, 'descriptions of one key'));
  }

  /**
   * Successful outcomes, tolerating nodes that are unreachable or time out (not nodes that answer
   * with an error), as long as at least `min` nodes answered.
   */
  #tolerateTransport<T>(outcomes: Array<Outcome<T>>, min: number, tolerate?: (e: TsmError, player: number) => boolean) {
    const ok = outcomes.filter((o) => o.error === undefined) as Array<{ player: number; value: T }>;
    const failed = outcomes.filter((o) => o.error !== undefined) as Array<{ player: number; error: TsmError }>;
    const fatal = failed.filter((f) => !isUnreachable(f.error) && !isTimeout(f.error) && !(tolerate?.(f.error, f.player) ?? false));
    if (fatal.length > 0) throw combineFailures(fatal);
    if (ok.length < min) throw combineFailures(failed.length > 0 ? failed : [{ player: 0, error: new TsmError('QUORUM_UNAVAILABLE', 'no node answered') }]);
    return ok;
  }

  /**
   * Public data of one key. Fan-out: asked of every node; the nodes that answer must agree, at
   * least k of them must answer, and a player of the key must not deny having it.
   */
  async getKey(keyId: string): Promise<KeyInfo> {
    checkKeyId(keyId);
    const path = `/v1/keys/${keyId}`;
    const check = (key: KeyInfo, node: number): KeyInfo => {
      if (key.keyId !== keyId) throw new TsmError('INVALID_RESPONSE', `node #${node} returned another key`, { node, culprits: [node] });
      return key;
    };
    if (this.mode === 'primary') {
      const key = await this.#viaPrimary('GET', path, undefined, (v, p) => check(parseKeyInfo(v, p), p));
      this.#keyCache.set(keyId, key);
      return key;
    }
    const outcomes = await this.#broadcast(this.players, 'GET', path, undefined, (v, p) => check(parseKeyInfo(v, p), p));
    const notFound = outcomes.filter((o) => o.error?.code === 'KEY_NOT_FOUND').map((o) => o.player);
    const ok = this.#tolerateTransport(outcomes, 1, (e) => e.code === 'KEY_NOT_FOUND');
    const key = requireAgreement(ok, 'descriptions of the key');
    const denying = notFound.filter((p) => key.players.includes(p));
    if (denying.length > 0)
      throw new TsmError('INCONSISTENT_RESPONSES', `player(s) ${describeNodes(denying)} of key ${keyId} deny having it`, {
        nodes: [...ok.map((o) => o.player), ...denying].sort((a, b) => a - b),
        culprits: denying,
      });
    const { k } = parseThreshold(key.threshold);
    if (ok.length < k) {
      const silent = outcomes.filter((o) => o.error !== undefined && !notFound.includes(o.player)).map((o) => o.player);
      throw new TsmError('QUORUM_UNAVAILABLE', `only ${ok.length} node(s) answered for a ${key.threshold} key (unreachable: ${describeNodes(silent)})`, {
        nodes: silent,
        ...(silent[0] !== undefined ? { node: silent[0] } : {}),
      });
    }
    this.#keyCache.set(keyId, key);
    return key;
  }

  /**
   * Threshold signature of `message` under key `keyId`. Fan-out: one signed request to every signer
   * (the given `players`, or the first k key players that answer /v1/health); every signer must
   * return the same signature, which the SDK verifies before returning it.
   */
  async sign(params: SignParams): Promise<SignResult> {
    if (!isRecord(params)) throw invalidArgument('missing parameters');
    const keyId = checkKeyId(params.keyId);
    let message: Uint8Array;
    if (params.message instanceof Uint8Array) message = params.message;
    else if (typeof params.message === 'string' && strictHex(params.message.toLowerCase())) message = hexToBytes(params.message.toLowerCase());
    else throw invalidArgument('invalid message (expected bytes or hex)');
    let requested: number[] | undefined;
    if (params.players !== undefined) requested = checkPlayers(params.players, 'players');
    if (params.publicKey !== undefined && !strictHex(params.publicKey)) throw invalidArgument('invalid publicKey (expected lower-case hex)');
    const derivation = params.path === undefined ? undefined : checkPath(params.path);

    const cachedKey = this.#keyCache.get(keyId);
    let key = cachedKey ?? (await this.getKey(keyId));
    // A reshare (possibly by another client) changes the player set: look again before refusing signers.
    if (cachedKey && requested?.some((p) => !cachedKey.players.includes(p))) key = await this.getKey(keyId);
    if (params.publicKey !== undefined && key.publicKey !== params.publicKey)
      throw new TsmError('PUBLIC_KEY_MISMATCH', `key ${keyId} does not have the expected public key`);
    const scheme = key.scheme;
    const { k } = parseThreshold(key.threshold);
    // Honest-majority ECDSA needs 2k−1 players online (degree-2t openings); the others need k.
    const quorum = key.protocol === 'honest-majority' ? 2 * k - 1 : k;
    if (requested) {
      const outsiders = requested.filter((p) => !key.players.includes(p));
      if (outsiders.length > 0) throw invalidArgument(`player(s) ${describeNodes(outsiders)} do not hold key ${keyId}`);
      if (requested.length < quorum)
        throw invalidArgument(`key ${keyId} (${key.threshold}${key.protocol === 'honest-majority' ? ', honest-majority ECDSA' : ''}) needs at least ${quorum} signers`);
    }
    const path = `/v1/keys/${keyId}/sign`;
    const messageHex = bytesToHex(message);
    // With a path the signature is under the child key: for secp256k1 schemes the SDK derives it itself from the
    // key's xpub; for the others (no xpub format) it takes the key all signers agree on (docs/protocols/derivation.md).
    const expectedKey = derivation === undefined ? key.publicKey : await this.#childKey(key, derivation);
    const valid = (r: SignResult): boolean =>
      r.keyId === keyId &&
      (expectedKey !== undefined ? r.publicKey === expectedKey : validPublicKey(scheme, r.publicKey)) &&
      verifySignature(scheme, r.publicKey, message, r.signature);
    const withPath = derivation === undefined ? {} : { path: derivation };

    if (this.mode === 'primary') {
      const payload = requested ? { message: messageHex, players: requested, ...withPath } : { message: messageHex, ...withPath };
      let r: SignResult;
      try {
        r = await this.#viaPrimary('POST', path, payload, parseSignResult);
      } catch (e) {
        this.#keyCache.delete(keyId);
        throw e;
      }
      if (!valid(r)) throw new TsmError('INVALID_SIGNATURE', `the signature returned by node #${this.primary} does not verify under key ${keyId}`, { node: this.primary });
      return r;
    }

    const signers = requested ?? (await this.#firstHealthy(key.players.filter((p) => this.#nodes.has(p)), quorum));
    this.#requireConfigured(signers);
    let results: { player: number; value: SignResult }[];
    try {
      results = await this.#fanOutAll(signers, 'POST', path, { message: messageHex, players: signers, ...withPath }, parseSignResult);
    } catch (e) {
      this.#keyCache.delete(keyId);
      for (const p of signers) this.#healthyUntil.delete(p);
      throw e;
    }
    // Identical answers are verified once; otherwise each answer is checked to name the suspects.
    const identical = results.every((r) => r.value.signature === results[0]?.value.signature && r.value.publicKey === results[0]?.value.publicKey && r.value.keyId === results[0]?.value.keyId);
    const suspects = identical ? [] : results.filter((r) => !valid(r.value)).map((r) => r.player);
    const result = requireAgreement(results, 'signatures', suspects);
    if (!valid(result))
      throw new TsmError('INVALID_SIGNATURE', `the signature returned by nodes ${describeNodes(signers)} does not verify under key ${keyId}`, {
        nodes: signers,
        culprits: signers,
      });
    return result;
  }

  /** The child public key at `path` for secp256k1 schemes (from the checked xpub); undefined for the other schemes. */
  async #childKey(key: KeyInfo, path: string): Promise<string | undefined> {
    if (!SECP256K1_SCHEMES.includes(key.scheme)) return undefined;
    const id = `${key.keyId}|${path}`;
    const hit = this.#childCache.get(id);
    if (hit !== undefined) return hit;
    const root = await this.#rootXpub(key);
    let child: string;
    try {
      child = childPublicKey(key.scheme, root, path);
    } catch (e) {
      if (e instanceof TsmError) throw e;
      throw new TsmError('INVALID_DERIVATION_PATH', `cannot derive ${path}: ${(e as Error).message}`);
    }
    if (this.#childCache.size >= 1024) this.#childCache.delete(this.#childCache.keys().next().value!);
    this.#childCache.set(id, child);
    return child;
  }

  /** The key's root xpub: asked of its players (who must agree), checked against the key's public key, cached. */
  async #rootXpub(key: KeyInfo): Promise<HDKey> {
    const cached = this.#xpubCache.get(key.keyId);
    if (cached) return cached;
    const r = await this.#askXpub(key, 'm');
    let node: HDKey;
    try {
      node = HDKey.fromExtendedKey(r.xpub);
    } catch {
      throw new TsmError('INVALID_RESPONSE', `the xpub returned for key ${key.keyId} does not decode`);
    }
    if (node.depth !== 0 || childPublicKey(key.scheme, node, 'm') !== key.publicKey)
      throw new TsmError('INVALID_RESPONSE', `the xpub returned for key ${key.keyId} is not the key's own extended public key`);
    this.#xpubCache.set(key.keyId, node);
    return node;
  }

  /** GET /v1/keys/:keyId/xpub from the primary, or from every player of the key (those that answer must agree; at least k). */
  async #askXpub(key: KeyInfo, path: string): Promise<XpubResult> {
    const url = `/v1/keys/${key.keyId}/xpub${path === 'm' ? '' : `?path=${encodeURIComponent(path)}`}`;
    const check = (r: XpubResult, node: number): XpubResult => {
      if (r.keyId !== key.keyId || r.path !== path) throw new TsmError('INVALID_RESPONSE', `node #${node} returned the xpub of another key or path`, { node, culprits: [node] });
      return r;
    };
    if (this.mode === 'primary') return this.#viaPrimary('GET', url, undefined, (v, p) => check(parseXpubResult(v, p), p));
    const outcomes = await this.#broadcast(key.players.filter((p) => this.#nodes.has(p)), 'GET', url, undefined, (v, p) => check(parseXpubResult(v, p), p));
    const ok = this.#tolerateTransport(outcomes, parseThreshold(key.threshold).k);
    return requireAgreement(ok, 'xpubs');
  }

  /**
   * BIP32 extended public key of a secp256k1 key (`path` default `m`: the key itself; a non-hardened
   * path gives the child's). Checked: the root xpub must carry the key's public key (for
   * frost-secp256k1-tr: the internal key whose Taproot output key it is), and a child xpub must equal
   * the SDK's own derivation from it.
   */
  async xpub(keyId: string, options: { path?: string } = {}): Promise<XpubResult> {
    checkKeyId(keyId);
    const path = options.path === undefined ? 'm' : checkPath(options.path);
    const key = this.#keyCache.get(keyId) ?? (await this.getKey(keyId));
    if (!SECP256K1_SCHEMES.includes(key.scheme)) throw new TsmError('UNSUPPORTED_SCHEME', `no BIP32 extended public key exists for ${key.scheme} keys (secp256k1 schemes only)`);
    const root = await this.#rootXpub(key);
    if (path === 'm') return { keyId, xpub: root.publicExtendedKey, path };
    const r = await this.#askXpub(key, path);
    if (root.derive(path).publicExtendedKey !== r.xpub)
      throw new TsmError('INVALID_RESPONSE', `the nodes' xpub of ${path} is not the BIP32 child of the key's xpub`);
    return r;
  }

  /**
   * Proactive refresh: same key, same players, fresh shares (the public key is unchanged). Fan-out:
   * every player of the key runs it; all must succeed and agree. The new shares become active only
   * once every player has confirmed storing them (docs/operations.md).
   */
  async refreshKey(keyId: string): Promise<LifecycleResult> {
    checkKeyId(keyId);
    const key = await this.getKey(keyId);
    const path = `/v1/keys/${keyId}/refresh`;
    const check = (r: LifecycleResult, node: number): LifecycleResult => {
      if (r.keyId !== keyId || r.publicKey !== key.publicKey || r.scheme !== key.scheme || r.threshold !== key.threshold || !sameList(r.players, key.players))
        throw new TsmError('INVALID_RESPONSE', `node #${node} returned a refresh result that does not match the key`, { node, culprits: [node] });
      return r;
    };
    if (this.mode === 'primary') return this.#viaPrimary('POST', path, {}, (v, p) => check(parseLifecycleResult(v, p), p));
    this.#requireConfigured(key.players);
    const results = await this.#fanOutAll(key.players, 'POST', path, {}, (v, p) => check(parseLifecycleResult(v, p), p));
    return requireAgreement(results, 'refresh results');
  }

  /**
   * Reshare: same public key, new threshold and/or player set (e.g. 2-of-3 on 1,2,3 → 3-of-5 on
   * 1..5). Fan-out: the request goes to the old and the new players; all must succeed and agree.
   * Players that leave delete their share once every player confirmed.
   */
  async reshareKey(keyId: string, params: ReshareParams): Promise<LifecycleResult> {
    checkKeyId(keyId);
    if (!isRecord(params)) throw invalidArgument('missing parameters');
    const { k, n } = parseThreshold(params.threshold);
    const threshold = `${k}-of-${n}`;
    const players = checkPlayers(params.players, 'players');
    if (players.length !== n) throw invalidArgument(`threshold ${threshold} needs exactly ${n} players, got ${players.length}`);
    // Primary mode with a primary that is only a new player: it cannot describe the key yet (the result is then checked against the request only).
    let key: KeyInfo | undefined;
    try {
      key = await this.getKey(keyId);
    } catch (e) {
      if (!(this.mode === 'primary' && e instanceof TsmError && e.code === 'KEY_NOT_FOUND')) throw e;
      key = this.#keyCache.get(keyId);
    }
    const path = `/v1/keys/${keyId}/reshare`;
    const payload = { threshold, players };
    const check = (r: LifecycleResult, node: number): LifecycleResult => {
      if (r.keyId !== keyId || (key && (r.publicKey !== key.publicKey || r.scheme !== key.scheme)) || r.threshold !== threshold || !sameList(r.players, players))
        throw new TsmError('INVALID_RESPONSE', `node #${node} returned a reshare result that does not match the request`, { node, culprits: [node] });
      return r;
    };
    let result: LifecycleResult;
    if (this.mode === 'primary') result = await this.#viaPrimary('POST', path, payload, (v, p) => check(parseLifecycleResult(v, p), p));
    else {
      const targets = [...new Set([...key!.players, ...players])].sort((a, b) => a - b);
      this.#requireConfigured(targets);
      try {
        result = requireAgreement(await this.#fanOutAll(targets, 'POST', path, payload, (v, p) => check(parseLifecycleResult(v, p), p)), 'reshare results');
      } catch (e) {
        this.#keyCache.delete(keyId);
        throw e;
      }
    }
    const { epoch: _epoch, ...info } = result;
    this.#keyCache.set(keyId, info);
    return result;
  }

  /** Register an application (admin role). Fan-out: every configured node registers it; all must agree on the id. */
  async createApplication(params: CreateApplicationParams): Promise<ApplicationInfo> {
    if (!isRecord(params)) throw invalidArgument('missing parameters');
    const { name, algorithm, publicKey } = params;
    const role = params.role ?? 'app';
    if (typeof name !== 'string' || name.length === 0 || name.length > 128) throw invalidArgument('invalid name (1-128 characters)');
    if (!isApplicationKeyAlgorithm(algorithm)) throw invalidArgument("invalid algorithm (expected 'ed25519' or 'p256')");
    if (typeof publicKey !== 'string' || publicKey !== publicKey.toLowerCase()) throw invalidArgument('invalid publicKey (expected lower-case hex)');
    try {
      parseApplicationPublicKey(algorithm, publicKey);
    } catch (e) {
      if (e instanceof AuthInputError) throw invalidArgument(`invalid publicKey (not a valid ${algorithm} public key)`);
      throw e;
    }
    if (role !== 'app' && role !== 'admin') throw invalidArgument("invalid role (expected 'app' or 'admin')");
    const payload = { name, publicKey, algorithm, role };
    const check = (a: ApplicationInfo, node: number): ApplicationInfo => {
      if (a.publicKey !== publicKey || a.algorithm !== algorithm || a.role !== role || a.name !== name)
        throw new TsmError('INVALID_RESPONSE', `node #${node} returned an application that does not match the request`, { node, culprits: [node] });
      return a;
    };
    if (this.mode === 'primary') return this.#viaPrimary('POST', '/v1/applications', payload, (v, p) => check(parseApplicationInfo(v, p), p));
    const results = await this.#fanOutAll(this.players, 'POST', '/v1/applications', payload, (v, p) => check(parseApplicationInfo(v, p), p));
    return requireAgreement(results, 'applications');
  }

  /**
   * Honest-majority ECDSA: fill the presignature pool of a key for one set of 2k−1 players
   * (default: the key's first 2k−1). Fan-out: every player of the set runs the presigning session.
   */
  async presign(params: { keyId: string; count: number; players?: number[] }): Promise<{ keyId: string; players: number[]; created: number; pool: number }> {
    const keyId = checkKeyId(params.keyId);
    if (!Number.isInteger(params.count) || params.count < 1 || params.count > 4096) throw invalidArgument('count must be an integer 1..4096');
    const key = this.#keyCache.get(keyId) ?? (await this.getKey(keyId));
    if (key.protocol !== 'honest-majority') throw invalidArgument(`key ${keyId} does not use presignatures (protocol ${key.protocol ?? 'frost'})`);
    const { k } = parseThreshold(key.threshold);
    const players = params.players ? checkPlayers(params.players, 'players') : key.players.slice(0, 2 * k - 1);
    const parse = (v: unknown, p: number) => {
      if (!isRecord(v) || v.keyId !== keyId || typeof v.created !== 'number' || typeof v.pool !== 'number' || !Array.isArray(v.players))
        throw new TsmError('INVALID_RESPONSE', `node #${p} returned a malformed presign result`, { node: p, culprits: [p] });
      return { keyId, players: v.players as number[], created: v.created, pool: v.pool };
    };
    const payload = { count: params.count, players };
    if (this.mode === 'primary') return this.#viaPrimary('POST', `/v1/keys/${keyId}/presign`, payload, parse);
    this.#requireConfigured(players);
    const results = await this.#fanOutAll(players, 'POST', `/v1/keys/${keyId}/presign`, payload, parse);
    return { ...results[0]!.value, pool: Math.min(...results.map((r) => r.value.pool)) };
  }

  /**
   * Honest-majority ECDSA: each node's presignature pool level for a key. Nodes that are unreachable
   * or time out are omitted (at least one must answer); any other error is thrown, except "key not
   * found" from a node that does not hold the key (checked with getKey).
   */
  async presignaturePool(keyId: string, players?: number[]): Promise<{ player: number; pool: number }[]> {
    checkKeyId(keyId);
    const q = players ? `?players=${checkPlayers(players, 'players').join(',')}` : '';
    const parse = (v: unknown, p: number) => {
      if (!isRecord(v) || typeof v.pool !== 'number') throw new TsmError('INVALID_RESPONSE', `node #${p} returned a malformed pool level`, { node: p, culprits: [p] });
      return v.pool;
    };
    const outcomes = await this.#broadcast(this.players, 'GET', `/v1/keys/${keyId}/presignatures${q}`, undefined, parse);
    // Only when some node denies the key: which nodes hold it (a player of the key must not deny it).
    const holders = outcomes.some((o) => o.error?.code === 'KEY_NOT_FOUND') ? (await this.getKey(keyId)).players : [];
    const ok = this.#tolerateTransport(outcomes, 1, (e, p) => e.code === 'KEY_NOT_FOUND' && !holders.includes(p));
    return ok.map((o) => ({ player: o.player, pool: o.value }));
  }

  /** Registered applications (admin role). */
  async listApplications(): Promise<ApplicationInfo[]> {
    const parse = (v: unknown, p: number): ApplicationInfo[] => {
      const list = isRecord(v) ? v.applications : undefined;
      if (!Array.isArray(list)) throw new TsmError('INVALID_RESPONSE', `node #${p} returned a malformed application list`, { node: p, culprits: [p] });
      return list.map((a) => parseApplicationInfo(a, p));
    };
    if (this.mode === 'primary') return this.#viaPrimary('GET', '/v1/applications', undefined, parse);
    const outcomes = await this.#broadcast(this.players, 'GET', '/v1/applications', undefined, parse);
    const ok = this.#tolerateTransport(outcomes, 1);
    const byId = new Map<string, Array<{ player: number; value: ApplicationInfo }>>();
    for (const o of ok) for (const a of o.value) byId.set(a.applicationId, [...(byId.get(a.applicationId) ?? []), { player: o.player, value: a }]);
    return [...byId.values()].map((rs) => requireAgreement(rs, 'descriptions of one application'));
  }

  // ------------------------------------------------------------------------------ backup, export, import
  // (docs/api.md "Backup, export and import"; always fan-out: every player returns its own part)

  /** Authorise an operator backup key on every configured node (admin role); all must agree. */
  async addBackupRecipient(publicKey: string | Uint8Array, name = ''): Promise<BackupRecipient> {
    const pk = hpkeKeyArg(publicKey, 'publicKey');
    if (typeof name !== 'string' || name.length > 128 || /[\u0000-\u001f\u007f]/.test(name)) throw invalidArgument('invalid name (at most 128 characters, no control characters)');
    const payload = { publicKey: bytesToHex(pk), ...(name ? { name } : {}) };
    const results = await this.#fanOutAll(this.players, 'POST', '/v1/backup/recipients', payload, parseBackupRecipient);
    requireAgreement(results.map((r) => ({ player: r.player, value: { ...r.value, createdAt: '' } })), 'backup recipients');
    return results[0]!.value;
  }

  /** The operator backup keys authorised on the nodes (every answering node must list the same). */
  async listBackupRecipients(): Promise<BackupRecipient[]> {
    const parse = (v: unknown, p: number): BackupRecipient[] => {
      if (!isRecord(v) || !Array.isArray(v.recipients)) throw new TsmError('INVALID_RESPONSE', `node #${p} returned a malformed recipient list`, { node: p, culprits: [p] });
      return v.recipients.map((r) => parseBackupRecipient(r, p));
    };
    const ok = this.#tolerateTransport(await this.#broadcast(this.players, 'GET', '/v1/backup/recipients', undefined, parse), 1);
    requireAgreement(ok.map((o) => ({ player: o.player, value: o.value.map((r) => r.fingerprint).sort() })), 'backup recipient lists');
    return ok[0]!.value;
  }

  /** Revoke an operator backup key on every configured node (admin role). */
  async removeBackupRecipient(fingerprint: string): Promise<void> {
    if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint)) throw invalidArgument('invalid fingerprint (64 lower-case hex characters)');
    await this.#fanOutAll(this.players, 'DELETE', `/v1/backup/recipients/${fingerprint}`, undefined, (v) => v);
  }

  /**
   * Verifiable backup of a key (verifiable-backup.md §6–9): every player of the key encrypts its own
   * share to `recipientPublicKey` (an operator key authorised on the nodes) with a proof; the SDK
   * checks that every player reports the same key record (with the key's public key), then
   * verifies every proof against it and returns the assembled `BackupFile`
   * (`serializeBackupFile` from @opentsm/core writes it).
   */
  async backupKey(keyId: string, recipientPublicKey: string | Uint8Array): Promise<BackupFile> {
    checkKeyId(keyId);
    const pk = hpkeKeyArg(recipientPublicKey, 'recipientPublicKey');
    const suite = backupSuiteOfPublicKey(pk);
    const key = await this.getKey(keyId);
    this.#requireConfigured(key.players);
    const parse = (v: unknown, p: number): { record: ParsedKeyRecord; backup: ShareBackup } => {
      const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${p} returned a malformed backup (${why})`, { node: p, culprits: [p] });
      if (!isRecord(v) || v.keyId !== keyId || v.player !== p) throw bad('keyId / player');
      const record = parseKeyRecord(v.record, p, keyId);
      let backup: ShareBackup;
      try {
        backup = parseShareBackup(JSON.stringify(v.backup));
      } catch {
        throw bad('backup');
      }
      if (backup.player !== p || backup.keyId !== keyId || bytesToHex(backup.recipientPublicKey) !== bytesToHex(pk)) throw bad('backup metadata');
      return { record, backup };
    };
    const results = await this.#fanOutAll(key.players, 'POST', `/v1/keys/${keyId}/backup`, { recipientPublicKey: bytesToHex(pk) }, parse);
    const record = agreedRecord(results, key);
    try {
      return assembleBackupFile({
        key: record.pkg,
        keyId,
        epoch: record.epoch,
        suite,
        recipientPublicKey: pk,
        backups: results.map((r) => r.value.backup),
        createdAt: new Date().toISOString(),
      });
    } catch (e) {
      if (e instanceof ProtocolError) throw new TsmError(e.code, `the backups do not verify: ${sanitise(e.message)}`, { culprits: [...e.culprits] });
      throw e;
    }
  }

  /** Allow (or forbid) exporting a key to the given recipient keys, on every player of the key (admin role). */
  async setExportPolicy(keyId: string, policy: { allowExport: boolean; recipients?: Array<string | Uint8Array> }, players?: number[]): Promise<ExportPolicy> {
    checkKeyId(keyId);
    if (!isRecord(policy) || typeof policy.allowExport !== 'boolean') throw invalidArgument('policy.allowExport must be a boolean');
    const recipients = (policy.recipients ?? []).map((r, i) => bytesToHex(hpkeKeyArg(r, `recipients[${i}]`)));
    if (policy.allowExport && recipients.length === 0) throw invalidArgument('allowing export needs at least one recipient key');
    const targets = players ? checkPlayers(players, 'players') : this.players;
    const outcomes = await this.#broadcast(targets, 'PUT', `/v1/keys/${keyId}/export-policy`, { allowExport: policy.allowExport, recipients }, parseExportPolicy);
    const ok = this.#tolerateTransport(outcomes, 1, (e) => e.code === 'KEY_NOT_FOUND' && players === undefined);
    requireAgreement(ok.map((o) => ({ player: o.player, value: { ...o.value, updatedAt: undefined } })), 'export policies');
    return ok[0]!.value;
  }

  /** A key's export policy as the nodes holding it report it (admin role). */
  async getExportPolicy(keyId: string): Promise<ExportPolicy> {
    checkKeyId(keyId);
    const outcomes = await this.#broadcast(this.players, 'GET', `/v1/keys/${keyId}/export-policy`, undefined, parseExportPolicy);
    const ok = this.#tolerateTransport(outcomes, 1, (e) => e.code === 'KEY_NOT_FOUND');
    requireAgreement(ok.map((o) => ({ player: o.player, value: { ...o.value, updatedAt: undefined } })), 'export policies');
    return ok[0]!.value;
  }

  /**
   * Export of a key as re-randomised shares wrapped to `recipientPublicKey` (verifiable-backup.md
   * §14). Every player of the key must allow it (its export policy) and take part; the SDK checks
   * the players agree, recomputes every X'_m and returns the `ExportFile` (only the recipient can
   * combine it: `combineExport` / `tsm recover --wrapped`).
   */
  async exportKey(keyId: string, recipientPublicKey: string | Uint8Array): Promise<ExportFile> {
    checkKeyId(keyId);
    const pk = hpkeKeyArg(recipientPublicKey, 'recipientPublicKey');
    const suite = backupSuiteOfPublicKey(pk);
    const key = await this.getKey(keyId);
    this.#requireConfigured(key.players);
    const scheme = key.scheme;
    const parse = (v: unknown, p: number) => {
      const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${p} returned a malformed export share (${why})`, { node: p, culprits: [p] });
      if (!isRecord(v) || v.keyId !== keyId || v.player !== p || typeof v.exportId !== 'string' || !/^exp_[0-9a-f]{32}$/.test(v.exportId)) throw bad('keyId / player / exportId');
      if (!Number.isInteger(v.epoch) || v.suite !== suite || !Array.isArray(v.quorum) || !v.quorum.every(isPlayer)) throw bad('epoch / suite / quorum');
      const record = parseKeyRecord(v.record, p, keyId);
      const quorum = v.quorum;
      if (!sameList(quorum, record.pkg.parties)) throw bad('quorum');
      const commitments: Record<number, Uint8Array[]> = {};
      if (!isRecord(v.commitments)) throw bad('commitments');
      const pointHex = 2 * getSuite(scheme).pointLength;
      for (const j of quorum) {
        const c = v.commitments[String(j)];
        if (!Array.isArray(c) || c.length !== record.pkg.threshold - 1 || !c.every((x) => strictHex(x) && x.length === pointHex)) throw bad('commitments');
        commitments[j] = c.map((x: string) => hexToBytes(x));
      }
      if (Object.keys(v.commitments).length !== quorum.length) throw bad('commitments');
      let share: WrappedExportShare;
      try {
        const parsed = parseWrappedExportShare(JSON.stringify(v.share), scheme);
        if (parsed.suite !== suite) throw new Error('suite');
        share = parsed.share;
      } catch {
        throw bad('share');
      }
      if (share.player !== p || bytesToHex(share.recipientPublicKey) !== bytesToHex(pk)) throw bad('share metadata');
      return { record, share, exportId: v.exportId, epoch: v.epoch as number, quorum, commitments, agree: JSON.stringify([v.exportId, v.epoch, quorum, v.commitments, record.raw]) };
    };
    const results = await this.#fanOutAll(key.players, 'POST', `/v1/keys/${keyId}/export`, { recipientPublicKey: bytesToHex(pk) }, parse);
    requireAgreement(results.map((r) => ({ player: r.player, value: r.value.agree })), 'export transcripts');
    const record = agreedRecord(results, key);
    const first = results[0]!.value;
    try {
      return assembleExportFile({
        key: record.pkg,
        keyId,
        exportId: first.exportId,
        epoch: first.epoch,
        quorum: first.quorum,
        commitments: first.commitments,
        suite,
        shares: results.map((r) => r.value.share),
      });
    } catch (e) {
      if (e instanceof ProtocolError) throw new TsmError(e.code, `the export does not check out: ${sanitise(e.message)}`, { culprits: [...e.culprits] });
      throw e;
    }
  }

  /**
   * Import an existing key (verifiable-backup.md §15): the key is split HERE (Feldman dealing),
   * each share encrypted to one node's pinned HPKE key (`nodeKeys`, from the cluster file), and
   * sent to every node; the nodes check their shares, agree, refresh and activate. Give the key
   * as `privateKey` (the suite's scalar encoding: 32 bytes big-endian for secp256k1 / P-256, the
   * raw little-endian scalar for Ed25519), an Ed25519 `ed25519Seed` (RFC 8032), or a BIP39
   * `mnemonic` (+ `passphrase`, + `path`, secp256k1 schemes only). Erase the key afterwards.
   */
  async importKey(params: ImportKeyParams): Promise<ImportedKey> {
    if (!isRecord(params)) throw invalidArgument('missing parameters');
    const scheme = params.scheme;
    if (typeof scheme !== 'string' || !(KEY_SCHEMES as readonly string[]).includes(scheme)) throw invalidArgument(`invalid scheme (expected one of ${KEY_SCHEMES.join(', ')})`);
    const { k, n } = parseThreshold(params.threshold);
    const parties = Array.from({ length: n }, (_, i) => i + 1);
    this.#requireConfigured(parties);
    const protocol = params.protocol;
    if (protocol !== undefined && (scheme.startsWith('frost-') || protocol !== 'honest-majority')) throw invalidArgument('protocol applies to ECDSA schemes only and must be honest-majority');
    const sources = [params.privateKey, params.ed25519Seed, params.mnemonic].filter((x) => x !== undefined).length;
    if (sources !== 1) throw invalidArgument('give exactly one of privateKey, ed25519Seed, mnemonic');
    let privateKey: Uint8Array;
    let chainCode: Uint8Array | undefined = params.chainCode === undefined ? undefined : bytesArg(params.chainCode, 'chainCode', 32);
    if (params.mnemonic !== undefined) {
      if (!['ecdsa-secp256k1', 'frost-secp256k1', 'frost-secp256k1-tr'].includes(scheme)) throw invalidArgument('a BIP39 mnemonic derives secp256k1 keys (BIP32): use a secp256k1 scheme');
      if (typeof params.mnemonic !== 'string' || !validateMnemonic(params.mnemonic.normalize('NFKD').trim().split(/\s+/).join(' '), bip39English)) throw invalidArgument('invalid BIP39 mnemonic (English word list, valid checksum)');
      const path = params.path ?? 'm';
      if (typeof path !== 'string' || !/^m(\/[0-9]{1,10}['hH]?){0,255}$/.test(path)) throw invalidArgument("invalid path (expected e.g. m/44'/0'/0'/0/0)");
      if (params.passphrase !== undefined && typeof params.passphrase !== 'string') throw invalidArgument('passphrase must be a string');
      const seed = mnemonicToSeedSync(params.mnemonic.normalize('NFKD').trim().split(/\s+/).join(' '), params.passphrase ?? '');
      let hd: HDKey;
      try {
        hd = HDKey.fromMasterSeed(seed).derive(path);
      } catch {
        throw invalidArgument('the path does not derive a valid key');
      }
      seed.fill(0);
      if (!hd.privateKey || !hd.chainCode) throw invalidArgument('the path does not derive a private key');
      privateKey = hd.privateKey.slice();
      if (chainCode !== undefined) throw invalidArgument('chainCode comes from the mnemonic: do not give both');
      chainCode = hd.chainCode.slice();
      hd.wipePrivateData();
    } else if (params.ed25519Seed !== undefined) {
      if (scheme !== 'frost-ed25519') throw invalidArgument('ed25519Seed applies to frost-ed25519 only');
      privateKey = ed25519ScalarFromSeed(bytesArg(params.ed25519Seed, 'ed25519Seed', 32));
    } else privateKey = bytesArg(params.privateKey!, 'privateKey', 32);
    if (!isRecord(params.nodeKeys)) throw invalidArgument('nodeKeys must map each player 1..n to its pinned HPKE public key');
    const nodeEncryptionKeys: Record<number, Uint8Array> = {};
    for (const p of parties) {
      const v = params.nodeKeys[p];
      if (v === undefined) throw invalidArgument(`no HPKE public key for node #${p} (nodes[].hpkePublicKey of the cluster file; clusters created before import have none)`);
      nodeEncryptionKeys[p] = hpkeKeyArg(v, `nodeKeys[${p}]`);
    }
    const keyId = params.keyId ?? 'key_' + bytesToHex(randomBytes(16));
    if (typeof keyId !== 'string' || !/^key_[0-9a-f]{32}$/.test(keyId)) throw invalidArgument('invalid keyId (key_ + 32 lower-case hex)');
    let request: ReturnType<typeof splitForImport>;
    try {
      request = splitForImport({ scheme: scheme, privateKey, threshold: k, parties, nodeEncryptionKeys, keyId, ...(chainCode ? { chainCode } : {}) });
    } catch (e) {
      if (e instanceof ProtocolError) throw invalidArgument(`cannot split the key: ${e.message}`);
      throw e;
    } finally {
      privateKey.fill(0);
    }
    const suite = getSuite(scheme);
    const C0 = suite.decodePoint(request.publicKey);
    const expected = bytesToHex(suite.encodePublicKey(scheme === 'frost-secp256k1-tr' ? taprootOutputKey(suite, C0) : C0));
    const payload = { request: JSON.parse(serializeImportRequest(request)) as unknown, ...(protocol ? { protocol } : {}) };
    const threshold = `${k}-of-${n}`;
    const parse = (v: unknown, p: number): ImportedKey => {
      const info = parseKeyInfo(v, p);
      const r = v as Record<string, unknown>;
      if (info.keyId !== keyId || info.scheme !== scheme || info.threshold !== threshold || !sameList(info.players, parties) || r.importId !== request.importId || !Number.isInteger(r.epoch))
        throw new TsmError('INVALID_RESPONSE', `node #${p} returned a key that does not match the import`, { node: p, culprits: [p] });
      if (info.publicKey !== expected) throw new TsmError('PUBLIC_KEY_MISMATCH', `node #${p} imported another public key`, { node: p, culprits: [p] });
      return { ...info, importId: request.importId, epoch: r.epoch as number };
    };
    const results = await this.#fanOutAll(parties, 'POST', '/v1/keys/import', payload, parse);
    const key = requireAgreement(results, 'imported keys');
    this.#keyCache.set(keyId, { keyId: key.keyId, scheme: key.scheme, threshold: key.threshold, players: key.players, publicKey: key.publicKey, ...(key.protocol !== undefined ? { protocol: key.protocol } : {}) });
    return key;
  }
}

// ---------------------------------------------------------------------------------------------
// Backup, export and import: types and response parsers

/** An operator backup key authorised on the nodes. */
export interface BackupRecipient {
  fingerprint: string;
  suite: 'x25519' | 'p256';
  publicKey: string;
  name: string;
  createdAt: string;
}

export interface ExportPolicy {
  keyId: string;
  allowExport: boolean;
  /** Recipient public keys (hex) exports may be wrapped to. */
  recipients: string[];
  updatedAt?: string | undefined;
}

export interface ImportKeyParams {
  scheme: KeyScheme;
  /** `k-of-n`: the key is dealt to players 1..n. */
  threshold: string;
  /** The suite scalar encoding (hex or bytes): 32-byte big-endian private key (secp256k1, P-256), raw little-endian scalar (Ed25519). */
  privateKey?: string | Uint8Array;
  /** frost-ed25519: an RFC 8032 seed (the scalar is derived as RFC 8032 does). */
  ed25519Seed?: string | Uint8Array;
  /** BIP39 mnemonic (English), secp256k1 schemes; with `path` (default m) and optional `passphrase`. */
  mnemonic?: string;
  passphrase?: string;
  path?: string;
  /** BIP32 chain code to keep (32 bytes); default: the mnemonic's, else random. */
  chainCode?: string | Uint8Array;
  /** Each node's pinned HPKE public key (cluster file `nodes[].hpkePublicKey`), by player. */
  nodeKeys: Record<number, string | Uint8Array>;
  /** ECDSA only; only honest-majority is supported for imported keys. */
  protocol?: 'honest-majority';
  /** Default: key_ + 32 random hex. */
  keyId?: string;
}

export interface ImportedKey extends KeyInfo {
  importId: string;
  /** Share epoch after the automatic refresh (1). */
  epoch: number;
}

interface ParsedKeyRecord {
  pkg: PublicKeyPackage;
  epoch: number;
  /** Canonical JSON of the record (for agreement). */
  raw: string;
}

function hpkeKeyArg(v: unknown, what: string): Uint8Array {
  const b = typeof v === 'string' && strictHex(v) ? hexToBytes(v) : v instanceof Uint8Array ? v : undefined;
  if (!b) throw invalidArgument(`invalid ${what} (hex or bytes)`);
  try {
    backupSuiteOfPublicKey(b);
  } catch {
    throw invalidArgument(`invalid ${what} (an X25519 key of 32 bytes or an uncompressed P-256 key of 65 bytes)`);
  }
  return b;
}

function bytesArg(v: unknown, what: string, length: number): Uint8Array {
  const b = typeof v === 'string' && strictHex(v.toLowerCase()) ? hexToBytes(v.toLowerCase()) : v instanceof Uint8Array ? v.slice() : undefined;
  if (!b || b.length !== length) throw invalidArgument(`invalid ${what} (${length} bytes, hex or bytes)`);
  return b;
}

function parseBackupRecipient(v: unknown, node: number): BackupRecipient {
  const bad = () => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed backup recipient`, { node, culprits: [node] });
  if (!isRecord(v)) throw bad();
  const { fingerprint, suite, publicKey, name, createdAt } = v;
  if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint) || (suite !== 'x25519' && suite !== 'p256') || !strictHex(publicKey) || typeof name !== 'string' || typeof createdAt !== 'string') throw bad();
  return { fingerprint, suite, publicKey, name, createdAt };
}

function parseExportPolicy(v: unknown, node: number): ExportPolicy {
  const bad = () => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed export policy`, { node, culprits: [node] });
  if (!isRecord(v) || typeof v.keyId !== 'string' || typeof v.allowExport !== 'boolean' || !Array.isArray(v.recipients) || !v.recipients.every(strictHex)) throw bad();
  if (v.updatedAt !== undefined && typeof v.updatedAt !== 'string') throw bad();
  return { keyId: v.keyId, allowExport: v.allowExport, recipients: [...(v.recipients)], ...(v.updatedAt !== undefined ? { updatedAt: v.updatedAt } : {}) };
}

/** A node's key record (node/backup/record.ts) → public key package, strictly checked. */
function parseKeyRecord(v: unknown, node: number, keyId: string): ParsedKeyRecord {
  const bad = (why: string) => new TsmError('INVALID_RESPONSE', `node #${node} returned a malformed key record (${why})`, { node, culprits: [node] });
  if (!isRecord(v)) throw bad('not an object');
  const allowed = ['scheme', 'keyId', 'epoch', 'epochId', 'threshold', 'parties', 'groupKey', 'publicKey', 'chainCode', 'verifyingShares', 'taprootInternalKey'];
  if (Object.keys(v).some((x) => !allowed.includes(x))) throw bad('unknown field');
  const { scheme, epoch, epochId, threshold, parties, groupKey, publicKey, chainCode, verifyingShares, taprootInternalKey } = v;
  if (v.keyId !== keyId) throw bad('keyId');
  if (typeof scheme !== 'string' || !(KEY_SCHEMES as readonly string[]).includes(scheme)) throw bad('scheme');
  const suite = getSuite(scheme);
  if (!Number.isInteger(epoch) || (epoch as number) < 0 || (epoch as number) > 0xffffffff || !strictHex(epochId) || epochId.length !== 64) throw bad('epoch');
  if (!Array.isArray(parties) || parties.length === 0 || !parties.every(isPlayer)) throw bad('parties');
  const sorted = [...(parties)].sort((a, b) => a - b);
  if (!sameList(sorted, parties) || new Set(sorted).size !== sorted.length) throw bad('parties');
  if (!Number.isInteger(threshold) || (threshold as number) < 1 || (threshold as number) > sorted.length) throw bad('threshold');
  const point = (h: unknown, what: string): Uint8Array => {
    if (!strictHex(h) || h.length !== 2 * suite.pointLength) throw bad(what);
    return hexToBytes(h);
  };
  if (!strictHex(publicKey) || publicKey.length !== 2 * suite.publicKeyLength) throw bad('publicKey');
  if (!strictHex(chainCode) || chainCode.length !== 64) throw bad('chainCode');
  if (!isRecord(verifyingShares) || Object.keys(verifyingShares).length !== sorted.length) throw bad('verifyingShares');
  const vs: Record<number, Uint8Array> = {};
  for (const p of sorted) vs[p] = point(verifyingShares[String(p)], 'verifyingShares');
  const pkg: PublicKeyPackage = {
    scheme: scheme as Scheme,
    threshold: threshold as number,
    parties: sorted,
    groupKey: point(groupKey, 'groupKey'),
    publicKey: hexToBytes(publicKey),
    verifyingShares: vs,
    chainCode: hexToBytes(chainCode),
    epoch: { counter: epoch as number, id: hexToBytes(epochId) },
    ...(taprootInternalKey !== undefined ? { taprootInternalKey: point(taprootInternalKey, 'taprootInternalKey') } : {}),
  };
  return { pkg, epoch: epoch as number, raw: JSON.stringify(v) };
}

/** Every player reported the same record, and it is the key the client knows (public key, players, threshold). */
function agreedRecord(results: Array<{ player: number; value: { record: ParsedKeyRecord } }>, key: KeyInfo): ParsedKeyRecord {
  requireAgreement(results.map((r) => ({ player: r.player, value: r.value.record.raw })), 'key records');
  const record = results[0]!.value.record;
  const all = results.map((r) => r.player);
  if (bytesToHex(record.pkg.publicKey) !== key.publicKey || !sameList(record.pkg.parties, key.players) || `${record.pkg.threshold}-of-${record.pkg.parties.length}` !== key.threshold)
    throw new TsmError('PUBLIC_KEY_MISMATCH', `the key record of nodes ${describeNodes(all)} is not key ${key.keyId} (${key.publicKey})`, { nodes: all, culprits: all });
  return record;
}
