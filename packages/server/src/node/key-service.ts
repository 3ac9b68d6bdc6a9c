/**
 * Key operations of one node: key generation (DKG, then seal, then the all-players commit) and
 * FROST signing. Every operation runs only after the client's signed request was verified by this
 * node itself; the protocol sessions run over the peer channel through the SessionRunner.
 */
import {
  createDkgSession,
  createFrostSignSession,
  isScheme,
  keyShareFromJson,
  keyShareToJson,
  toHex,
  transcriptHash,
  utf8ToBytes,
  type KeyShare,
  type Session,
} from '@opentsm/core';
import { openShare, sealShare, type MasterKey } from '../crypto/at-rest.js';
import type { ClusterFile } from '../config/cluster.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { keyIdFor, sessionIdFor } from './ids.js';
import { createCommitSession } from './commit-session.js';
import { derivedShare } from './lifecycle/derive.js';
import { timedSession, type NodeMetrics } from './metrics.js';
import { SessionFailure, type SessionRunner } from './session-runner.js';
import type { KeyRow, NodeStore } from './store-port.js';

export interface KeyInfo {
  keyId: string;
  scheme: string;
  threshold: string;
  players: number[];
  publicKey: string;
  protocol: string;
}

export interface SignResult {
  keyId: string;
  signature: string;
  publicKey: string;
  /** ECDSA only. */
  der?: string;
  recoveryId?: number;
}

export interface SignBody {
  message: Uint8Array;
  players?: number[] | undefined;
  /** Non-hardened derivation path (e.g. m/0/5), when the key supports it. */
  path?: string | undefined;
}

/** Key generation, share encoding and signing of a protocol with its own key material. */
export interface ProtocolDriver {
  keygen(params: { scheme: KeyShare['scheme']; sessionId: Uint8Array; self: number; parties: number[]; threshold: number }): Session<KeyShare>;
  encode(share: KeyShare): Uint8Array;
  decode(bytes: Uint8Array): KeyShare;
  sign: EcdsaSigner;
}

/** Signs with a non-FROST key; errors are ApiErrors (see failureToApi). */
export type EcdsaSigner = (caller: Caller, row: KeyRow, share: KeyShare, body: SignBody) => Promise<SignResult>;

export interface Caller {
  applicationId: string;
  requestId: string;
}

export function parseThreshold(t: string, clusterSize: number): { k: number; n: number } {
  const m = /^(\d{1,2})-of-(\d{1,2})$/.exec(t);
  if (!m) throw badRequest('INVALID_THRESHOLD', `threshold must look like 2-of-3, got '${t}'`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (k < 1 || n < 1 || k > n) throw badRequest('INVALID_THRESHOLD', `invalid threshold ${t}: need 1 ≤ k ≤ n`);
  if (n > clusterSize) throw badRequest('INVALID_THRESHOLD', `threshold ${t} needs ${n} players but the cluster has ${clusterSize}`);
  return { k, n };
}

/** The signing protocol of a new key: FROST for frost-* schemes; for ECDSA the requested one (default dkls23). */
export function keyProtocol(scheme: string, requested: string | undefined): 'frost' | 'honest-majority' | 'dkls23' {
  if (scheme.startsWith('frost-')) {
    if (requested !== undefined) throw badRequest('INVALID_PROTOCOL', `--protocol applies to ECDSA schemes only (${scheme} uses FROST)`);
    return 'frost';
  }
  // DKLs23 (any k-of-n, dishonest majority) is the default; honest-majority is the faster
  // choice where 2k−1 players are online.
  if (requested === undefined || requested === 'dkls23') return 'dkls23';
  if (requested === 'honest-majority') return 'honest-majority';
  throw badRequest('INVALID_PROTOCOL', `unknown protocol '${requested}' (honest-majority or dkls23)`);
}

export function toKeyInfo(r: KeyRow): KeyInfo {
  return {
    keyId: r.keyId,
    scheme: r.scheme,
    threshold: `${r.threshold}-of-${r.parties.length}`,
    players: r.parties,
    publicKey: r.publicKey,
    protocol: r.protocol,
  };
}

export function failureToApi(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof SessionFailure) {
    if (e.code === 'PROTOCOL_ABORTED') return new ApiError(502, 'PROTOCOL_ABORTED', e.message, e.culprits);
    if (e.code === 'QUORUM_UNAVAILABLE') return new ApiError(503, 'QUORUM_UNAVAILABLE', e.message);
    if (e.code === 'SESSION_CONFLICT') return new ApiError(409, 'SESSION_CONFLICT', e.message);
    return new ApiError(504, 'TIMEOUT', e.message);
  }
  return new ApiError(500, 'INTERNAL', 'internal error');
}

/** A decrypted share that does not parse. Fixed text: never echoes the (secret) input. */
export class ShareDecodeError extends Error {
  constructor(protocol: string) {
    super(`the stored key share does not decode (protocol ${/^[a-z0-9-]{1,32}$/.test(protocol) ? protocol : 'unknown'})`);
    this.name = 'ShareDecodeError';
  }
}

export interface KeyServiceDeps {
  player: number;
  cluster: ClusterFile;
  store: NodeStore;
  masterKey: MasterKey;
  runner: SessionRunner;
  metrics: NodeMetrics;
  /** Called with unexpected (non-protocol) errors, for the log. Never receives key material. */
  onInternalError?: (op: string, err: unknown) => void;
  /** Cache of decrypted, validated key shares (signing hot path). */
  cacheSize?: number;
}

export class KeyService {
  /** keyId → (share version, share): a refresh or reshare bumps the version, which misses the cache. */
  private readonly cache = new Map<string, { version: number; share: KeyShare }>();
  constructor(private readonly d: KeyServiceDeps) {}

  private get clusterPlayers(): number[] {
    return this.d.cluster.nodes.map((n) => n.player);
  }

  private timed<T>(protocol: string, f: () => Promise<T>): Promise<T> {
    return timedSession(this.d.metrics, protocol, f, (e) => (e instanceof SessionFailure ? e.code : 'error'));
  }

  async createKey(caller: Caller, body: { scheme: string; threshold: string; players?: number[] | undefined; protocol?: string | undefined }): Promise<KeyInfo> {
    if (!isScheme(body.scheme)) throw badRequest('INVALID_SCHEME', `unknown scheme '${body.scheme}'`);
    const protocol = keyProtocol(body.scheme, body.protocol);
    const { k, n } = parseThreshold(body.threshold, this.clusterPlayers.length);
    const players = body.players ? [...body.players].sort((a, b) => a - b) : this.clusterPlayers.slice(0, n);
    if (new Set(players).size !== players.length) throw badRequest('INVALID_PLAYERS', 'players must be distinct');
    for (const p of players) if (!this.clusterPlayers.includes(p)) throw badRequest('INVALID_PLAYERS', `player ${p} is not in the cluster`);
    if (players.length !== n) throw badRequest('INVALID_PLAYERS', `threshold ${body.threshold} needs exactly ${n} players, got ${players.length}`);
    if (!players.includes(this.d.player)) throw badRequest('INVALID_PLAYERS', `this node (player ${this.d.player}) is not one of the key's players`);
    const keyId = keyIdFor(caller.applicationId, caller.requestId);
    const sid = sessionIdFor('keygen', caller.applicationId, caller.requestId);
    if (protocol === 'honest-majority' && players.length < 2 * k - 1)
      throw badRequest('INVALID_THRESHOLD', `honest-majority ECDSA needs n ≥ 2k−1: a ${k}-of-n key needs at least ${2 * k - 1} players (use --protocol dkls23 for any k-of-n)`);
    await this.d.store.insertPendingKey({ keyId, applicationId: caller.applicationId, scheme: body.scheme, threshold: k, parties: players, protocol });
    try {
      const share = await this.timed('dkg', () =>
        this.d.runner.run(
          (this.drivers.get(protocol)?.keygen ?? createDkgSession)({ scheme: body.scheme as KeyShare['scheme'], sessionId: sid, self: this.d.player, parties: players, threshold: k }),
        ),
      );
      const publicKey = toHex(share.publicKey);
      const version = 1;
      const sealed = sealShare(this.d.masterKey, { keyId, player: this.d.player, version }, this.encodeShare(protocol, share));
      await this.d.store.storePendingShare(keyId, publicKey, sealed, version);
      // Commit: every player confirms it stored the same key before anyone activates it.
      const digest = transcriptHash('opentsm/key-commit/v1', utf8ToBytes(keyId), share.groupKey, share.chainCode, utf8ToBytes(players.join(',')));
      await this.timed('key-commit', () =>
        this.d.runner.run(createCommitSession({ sessionId: sessionIdFor('keygen-commit', caller.applicationId, caller.requestId), self: this.d.player, parties: players, digest })),
      );
      await this.d.store.activateKey(keyId);
      this.cache.set(keyId, { version, share });
      await this.d.store.audit({ actor: caller.applicationId, action: 'key.create', keyId, sessionId: toHex(sid), result: 'ok', detail: { scheme: body.scheme, threshold: body.threshold } });
      return { keyId, scheme: body.scheme, threshold: `${k}-of-${n}`, players, publicKey, protocol };
    } catch (e) {
      await this.d.store.failKey(keyId).catch(() => undefined);
      const api = failureToApi(e);
      if (api.code === 'INTERNAL') this.d.onInternalError?.('key.create', e);
      this.d.metrics.errors.inc({ code: api.code });
      await this.d.store
        .audit({ actor: caller.applicationId, action: 'key.create', keyId, sessionId: toHex(sid), result: api.code, detail: { scheme: body.scheme, threshold: body.threshold } })
        .catch(() => undefined);
      throw api;
    }
  }

  async getKey(applicationId: string, keyId: string): Promise<KeyInfo> {
    const r = await this.d.store.getKey(applicationId, keyId);
    if (!r || r.status !== 'active') throw notFound();
    return toKeyInfo(r);
  }

  async listKeys(applicationId: string, limit: number, after?: string): Promise<KeyInfo[]> {
    return (await this.d.store.listKeys(applicationId, { limit, after })).filter((r) => r.status === 'active').map(toKeyInfo);
  }

  /** Forget a cached share (after refresh, reshare or deletion). */
  invalidate(keyId: string): void {
    this.cache.delete(keyId);
  }

  /** The key's row and this node's share (404 for a missing, inactive or foreign key). */
  async loadKey(applicationId: string, keyId: string): Promise<{ row: KeyRow; share: KeyShare }> {
    const row = await this.d.store.getKey(applicationId, keyId);
    if (!row || row.status !== 'active' || !row.sealedShare) throw notFound();
    return { row, share: this.openRow(row) };
  }

  /** Decrypt and validate the sealed share of a row (cached per share version). */
  openRow(row: KeyRow): KeyShare {
    const keyId = row.keyId;
    if (!row.sealedShare) throw notFound();
    const cached = this.cache.get(keyId);
    if (cached && cached.version === row.version) return cached.share;
    const plain = openShare(this.d.masterKey, { keyId, player: this.d.player, version: row.version }, row.sealedShare);
    const share = this.decodeShare(row.protocol, plain);
    if (this.cache.size >= (this.d.cacheSize ?? 10_000)) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(keyId, { version: row.version, share });
    return share;
  }

  /** Protocols whose key material is not a plain Shamir KeyShare (DKLs23: + pairwise OT setup). */
  private readonly drivers = new Map<string, ProtocolDriver>();
  registerProtocol(protocol: string, driver: ProtocolDriver): void {
    this.drivers.set(protocol, driver);
    this.signers.set(protocol, driver.sign);
  }

  /** Serialize a share for sealing (JSON KeyShare by default; the protocol's own format otherwise). */
  encodeShare(protocol: string, share: KeyShare): Uint8Array {
    const d = this.drivers.get(protocol);
    return d ? d.encode(share) : utf8ToBytes(JSON.stringify(keyShareToJson(share)));
  }

  /**
   * Parse a decrypted share. The bytes are secret: a parser's error message can quote them (a JSON
   * SyntaxError does) and errors get logged, so any failure becomes one fixed-text error.
   */
  decodeShare(protocol: string, bytes: Uint8Array): KeyShare {
    const d = this.drivers.get(protocol);
    try {
      return d ? d.decode(bytes) : keyShareFromJson(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      throw new ShareDecodeError(protocol);
    }
  }

  /** Signers of other protocols (ECDSA honest-majority, DKLs23), registered by their modules. */
  private readonly signers = new Map<string, EcdsaSigner>();
  registerSigner(protocol: string, signer: EcdsaSigner): void {
    this.signers.set(protocol, signer);
  }

  async sign(caller: Caller, keyId: string, body: SignBody): Promise<SignResult> {
    const { row, share } = await this.loadKey(caller.applicationId, keyId);
    if (row.protocol !== 'frost') {
      const signer = this.signers.get(row.protocol);
      if (!signer) throw new ApiError(501, 'UNSUPPORTED_PROTOCOL', `this node cannot sign ${row.protocol} keys`);
      return signer(caller, row, share, body);
    }
    const signers = body.players ? [...body.players].sort((a, b) => a - b) : share.parties.slice(0, share.threshold);
    if (new Set(signers).size !== signers.length) throw badRequest('INVALID_PLAYERS', 'players must be distinct');
    for (const p of signers) if (!share.parties.includes(p)) throw badRequest('INVALID_PLAYERS', `player ${p} holds no share of this key`);
    if (signers.length < share.threshold) throw badRequest('INVALID_PLAYERS', `this key needs ${share.threshold} signers, got ${signers.length}`);
    if (!signers.includes(this.d.player)) throw badRequest('INVALID_PLAYERS', `this node (player ${this.d.player}) is not one of the requested signers`);
    // With a path: every signer signs with its share of the derived child (non-hardened BIP32, docs/protocols/derivation.md).
    const key = body.path !== undefined ? derivedShare(share, body.path) : share;
    const sid = sessionIdFor('sign', caller.applicationId, caller.requestId, keyId);
    try {
      const res = await this.timed('frost-sign', () =>
        this.d.runner.run(createFrostSignSession({ sessionId: sid, key, signers, message: body.message })),
      );
      // The session verified the signature under the (derived) group key before returning it (checklist F1).
      await this.d.store.audit({ actor: caller.applicationId, action: 'key.sign', keyId, sessionId: toHex(sid), result: 'ok', detail: { signers: signers.join(','), ...(body.path !== undefined ? { path: body.path } : {}) } });
      return { keyId, signature: toHex(res.signature), publicKey: toHex(key.publicKey) };
    } catch (e) {
      const api = failureToApi(e);
      if (api.code === 'INTERNAL') this.d.onInternalError?.('key.sign', e);
      this.d.metrics.errors.inc({ code: api.code });
      await this.d.store.audit({ actor: caller.applicationId, action: 'key.sign', keyId, sessionId: toHex(sid), result: api.code }).catch(() => undefined);
      throw api;
    }
  }
}
