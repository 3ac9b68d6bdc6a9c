/**
 * Honest-majority ECDSA (DJNPØ20) in the node: the presignature pool and signing.
 *
 * Pool (protocols.md §2.6, issue rules): presignatures are made by, bound to, and used with one
 * set of exactly 2k−1 players. Each node keeps its sealed presignature shares in its store; the
 * pool of a (key, player set) is refilled in the background by its leader (the lowest player of
 * the set), who asks the others over the peer channel to join a presigning session.
 *
 * Signing (hm-signer.ts): concurrent requests of one (key, player set) are signed in batches led
 * by the set's leader; every node deletes the presignatures proposed to a batch in a durable
 * transaction — before any signature share leaves the node — and only then signs. An empty pool
 * falls back to presign-then-sign. A presignature is never restored: a failed or aborted
 * signature burns it.
 *
 * Resync after a restart (every node purges its pool at start): when a follower reports that it
 * lacks a proposed presignature, the leader compares its whole pool with the followers' in a
 * select session (select-session.ts `onUnheld`) and deletes the ids some follower lacks (they
 * can never be used), so its level drops and it refills; a follower always joins its leader's
 * refill, deleting its OLDEST presignatures when the batch would take it (or, with overlapping
 * batches, took it) above `target + batch` (after a leader restart those are leftovers the leader
 * no longer holds).
 * Deleting presignatures is always safe.
 */
import {
  createPresignSession,
  ECDSA_HM_PRESIGN_PROTOCOL,
  ecdsaHmPlayersNeeded,
  presignatureBatchDigest,
  presignatureToBytes,
  randomBytes,
  Reader,
  transcriptHash,
  utf8ToBytes,
  Writer,
  type KeyShare,
} from '@opentsm/core';
import { nodeEcdsaHmArithmetic } from '@opentsm/core/node';
import { DEFAULT_PRESIGN_POOL } from '../../config/node-config.js';
import { sealShare } from '../../crypto/at-rest.js';
import { createRefusalSession } from '../backup/sessions.js';
import { ApiError, badRequest } from '../errors.js';
import { KEY_ID_RE, sessionIdFor } from '../ids.js';
import { derivationTweak } from '../lifecycle/derive.js';
import { failureToApi, type Caller, type SignBody, type SignResult } from '../key-service.js';
import { HmBatchSigner, keyRowById } from './hm-signer.js';
import type { NodeServices } from '../services.js';
import { createCommitSession } from '../commit-session.js';
import { createSelectSession, MAX_SELECT_IDS } from '../select-session.js';
import type { KeyRow } from '../store-port.js';

export interface PoolOptions {
  /** Presignatures kept ready per (key, player set). Default 32. */
  target: number;
  /** Refill when the pool drops below this. Default 16. */
  low: number;
  /** Presignatures made per presigning session. Default 16. */
  batch: number;
  /** Background refill check period, ms (the leader also refills as soon as a signature takes the pool below `low`). Default 500. */
  intervalMs: number;
}

const RPC_PRESIGN = 'rpc:presign:req';
const RPC_POOL_SYNC = 'rpc:presign:sync';
/** Follower: presigning sessions joined at once per (key, player set). */
const MAX_JOINED_PER_POOL = 2;

export class EcdsaHmService {
  private readonly opts: PoolOptions;
  /** (keyId|players) → the key's application, for background refill of pools in use. */
  private readonly inUse = new Map<string, { keyId: string; applicationId: string; players: number[] }>();
  private readonly refilling = new Set<string>();
  /** Follower: (keyId|players) → presigning sessions joined on request and still running. */
  private readonly joined = new Map<string, number>();
  /** Leader: (keyId|players) → signatures from the pool since the level was last checked. */
  private readonly sinceCheck = new Map<string, number>();
  /** Leader: pools being resynced now. */
  private readonly resyncing = new Set<string>();
  private readonly signer: HmBatchSigner;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly s: NodeServices,
    opts: Partial<PoolOptions> = {},
  ) {
    this.opts = { ...DEFAULT_PRESIGN_POOL, intervalMs: 500, ...opts };
    s.mux.route(RPC_PRESIGN, (from, _ch, payload) => void this.onPresignRequest(from, payload));
    s.mux.route(RPC_POOL_SYNC, (from, _ch, payload) => void this.onPoolSync(from, payload));
    this.signer = new HmBatchSigner(
      s,
      {
        used: (row, players, used, maybeLow) => this.used(row.applicationId, row.keyId, players, used, maybeLow),
        unheld: (row, players) => void this.resync(row.applicationId, row.keyId, players),
      },
      (row, players) => this.checkPlayers(row, players),
    );
  }

  /** Leader: check the level (a COUNT) only every few signatures; the timer checks it too. */
  private get checkEvery(): number {
    return Math.max(1, Math.floor(this.opts.low / 4));
  }

  /** The default signing set: the first 2k−1 players of the key. */
  defaultPlayers(row: KeyRow): number[] {
    return row.parties.slice(0, ecdsaHmPlayersNeeded(row.threshold));
  }

  private checkPlayers(row: KeyRow, requested: number[] | undefined): number[] {
    const need = ecdsaHmPlayersNeeded(row.threshold);
    const players = requested ? [...requested].sort((a, b) => a - b) : this.defaultPlayers(row);
    if (new Set(players).size !== players.length) throw badRequest('INVALID_PLAYERS', 'players must be distinct');
    for (const p of players) if (!row.parties.includes(p)) throw badRequest('INVALID_PLAYERS', `player ${p} holds no share of this key`);
    if (players.length !== need)
      throw badRequest(
        'INVALID_PLAYERS',
        `a ${row.threshold}-of-${row.parties.length} honest-majority ECDSA key presigns and signs with exactly ${need} players (2k−1), got ${players.length}`,
      );
    if (!players.includes(this.s.player)) throw badRequest('INVALID_PLAYERS', `this node (player ${this.s.player}) is not one of the requested players`);
    return players;
  }

  /** Run one presigning session and store this node's sealed presignature shares. */
  private async presignAndStore(row: KeyRow, share: KeyShare, players: number[], count: number, sessionId: Uint8Array): Promise<number> {
    const list = await this.s.runner.run(createPresignSession({ sessionId, key: share, players, count, arithmetic: nodeEcdsaHmArithmetic }));
    // The last presigning broadcast (W_j) is not echoed: confirm that every player holds the same
    // batch before pooling it, so a pooled presignature is never missing on another player.
    await this.s.runner.run(
      createCommitSession({ sessionId: transcriptHash('opentsm/presign-confirm/v1', sessionId), self: this.s.player, parties: players, digest: presignatureBatchDigest(list) }),
    );
    const items = list.map((p) => ({
      presigId: p.idHex,
      sealed: sealShare(this.s.masterKey, { keyId: p.idHex, player: this.s.player, version: row.version }, presignatureToBytes(p)),
    }));
    for (const p of list) p.discard();
    // Stored only if the key is still at this version (a refresh or reshare deletes the pool).
    const stored = await this.s.shareStore.putPresignatures(row.keyId, row.version, players.join(','), items);
    this.s.metrics.presignatures.inc({ use: 'made' }, stored);
    return stored;
  }

  /** `POST /v1/keys/:id/presign`: fill the pool of (key, players) by `count`. */
  async presign(caller: Caller, keyId: string, body: { count: number; players?: number[] | undefined }): Promise<{ keyId: string; players: number[]; created: number; pool: number }> {
    const { row, share } = await this.s.keys.loadKey(caller.applicationId, keyId);
    if (row.protocol !== 'honest-majority') throw badRequest('UNSUPPORTED_PROTOCOL', `presignatures are for honest-majority ECDSA keys (this key uses ${row.protocol})`);
    const players = this.checkPlayers(row, body.players);
    let created = 0;
    try {
      for (let done = 0, i = 0; done < body.count; i++) {
        const n = Math.min(256, body.count - done);
        created += await this.presignAndStore(row, share, players, n, sessionIdFor('presign', caller.applicationId, caller.requestId, keyId, String(i)));
        done += n;
      }
    } catch (e) {
      throw failureToApi(e);
    }
    this.track(row, players);
    await this.s.store.audit({ actor: caller.applicationId, action: 'key.presign', keyId, result: 'ok', detail: { count: created, players: players.join(',') } });
    return { keyId, players, created, pool: await this.s.shareStore.countPresignatures(keyId, players.join(',')) };
  }

  async poolLevel(applicationId: string, keyId: string, requested?: number[]): Promise<{ keyId: string; players: number[]; pool: number }> {
    const { row } = await this.s.keys.loadKey(applicationId, keyId);
    if (row.protocol !== 'honest-majority') throw badRequest('UNSUPPORTED_PROTOCOL', `presignatures are for honest-majority ECDSA keys (this key uses ${row.protocol})`);
    const players = requested ? [...requested].sort((a, b) => a - b) : this.defaultPlayers(row);
    return { keyId, players, pool: await this.s.shareStore.countPresignatures(keyId, players.join(',')) };
  }

  private track(row: KeyRow, players: number[]): void {
    const k = `${row.keyId}|${players.join(',')}`;
    if (!this.inUse.has(k)) this.inUse.set(k, { keyId: row.keyId, applicationId: row.applicationId, players });
  }

  /** Leader of (key, players): start a refill now unless one runs (it checks the level itself). */
  private kick(applicationId: string, keyId: string, players: number[]): void {
    const k = `${keyId}|${players.join(',')}`;
    if (this.refilling.has(k) || Math.min(...players) !== this.s.player) return;
    this.refilling.add(k);
    void this.refill(applicationId, keyId, players).finally(() => this.refilling.delete(k));
  }

  /** Signer for keys whose protocol is `honest-majority` (registered with the KeyService). */
  sign = async (caller: Caller, row: KeyRow, share: KeyShare, body: SignBody): Promise<SignResult> => {
    const players = this.checkPlayers(row, body.players);
    const tweak = derivationTweak(share, body.path);
    this.track(row, players);
    return this.signer.sign(caller, row, players, body.message, tweak, sessionIdFor('sign', caller.applicationId, caller.requestId, row.keyId));
  };

  /** Leader: `n` pooled presignatures were used; check the level every few (or now, when it may be low). */
  private used(applicationId: string, keyId: string, players: number[], n: number, maybeLow: boolean): void {
    const pool = `${keyId}|${players.join(',')}`;
    const since = (this.sinceCheck.get(pool) ?? 0) + n;
    if (maybeLow || since >= this.checkEvery) {
      this.sinceCheck.delete(pool);
      this.kick(applicationId, keyId, players);
    } else this.sinceCheck.set(pool, since);
  }

  /**
   * Leader: a follower lacked a proposed presignature (it lost its pool at a restart). Compare the
   * whole pool with every follower's (select-session.ts) and delete the ids some follower lacks.
   */
  private async resync(applicationId: string, keyId: string, players: number[]): Promise<void> {
    const set = players.join(',');
    const pool = `${keyId}|${set}`;
    if (this.resyncing.has(pool) || this.stopped) return;
    this.resyncing.add(pool);
    try {
      const sessionId = randomBytes(32);
      const req = new Writer().bytes(utf8ToBytes(keyId)).bytes(utf8ToBytes(set)).fixed(sessionId).finish();
      for (const p of players) if (p !== this.s.player) this.s.mux.send(p, RPC_POOL_SYNC, req);
      let unheld: string[] = [];
      const mine = await this.s.shareStore.listPresignatureIds(keyId, set, MAX_SELECT_IDS);
      await this.s.runner.run(createSelectSession({ sessionId, self: this.s.player, parties: players, leader: this.s.player, candidates: mine, onUnheld: (ids) => (unheld = ids) }));
      const gone = unheld.length > 0 ? await this.s.shareStore.deletePresignatureIds(keyId, unheld) : 0;
      if (gone > 0) this.s.log.info({ keyId, players: set, deleted: gone }, 'presignatures a player no longer holds deleted from the pool');
      this.kick(applicationId, keyId, players);
    } catch (e) {
      this.s.log.warn({ keyId, err: e instanceof Error ? e.message : 'error' }, 'presignature pool resync failed');
    } finally {
      this.resyncing.delete(pool);
    }
  }

  /** Follower: list this node's pool for its leader's resync. */
  private async onPoolSync(from: number, payload: Uint8Array): Promise<void> {
    try {
      if (this.stopped) return;
      const r = new Reader(payload);
      const keyId = new TextDecoder().decode(r.bytes(64));
      const set = new TextDecoder().decode(r.bytes(256));
      const sessionId = r.fixed(32).slice();
      r.end();
      if (!KEY_ID_RE.test(keyId)) return;
      const players = set.split(',').map(Number);
      if (!players.every((p) => Number.isInteger(p)) || players[0] !== from || !players.includes(this.s.player)) return;
      const row = await keyRowById(this.s, keyId);
      if (!row || row.protocol !== 'honest-majority' || this.checkPlayers(row, players).join(',') !== set) return;
      const mine = await this.s.shareStore.listPresignatureIds(keyId, set, MAX_SELECT_IDS);
      await this.s.runner.run(createSelectSession({ sessionId, self: this.s.player, parties: players, leader: from, candidates: mine }));
    } catch (e) {
      this.s.log.warn({ peer: from, err: e instanceof Error ? e.message : 'error' }, 'presignature pool resync for the leader failed');
    }
  }

  // ---- background refill --------------------------------------------------------------------

  start(): void {
    const tick = async () => {
      for (const v of this.inUse.values()) this.kick(v.applicationId, v.keyId, v.players);
      this.timer = setTimeout(() => void tick(), this.opts.intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(() => void tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.signer.stop();
    if (this.timer) clearTimeout(this.timer);
    this.inUse.clear();
    this.sinceCheck.clear();
  }

  /**
   * Leader: once the pool is below `low`, make batches until it reaches `target` (the other
   * players join on request), so the pool keeps up with a sustained signing rate.
   */
  private async refill(applicationId: string, keyId: string, players: number[]): Promise<void> {
    const set = players.join(',');
    const pool = `${keyId}|${set}`;
    try {
      let level = await this.s.shareStore.countPresignatures(keyId, set);
      if (level >= this.opts.low) return;
      while (level < this.opts.target && !this.stopped && !this.s.keyLocks.has(keyId)) {
        if (!players.every((p) => p === this.s.player || this.s.mux.isConnected(p))) return;
        let loaded: { row: KeyRow; share: KeyShare };
        try {
          loaded = await this.s.keys.loadKey(applicationId, keyId);
          if (loaded.row.protocol !== 'honest-majority') throw badRequest('UNSUPPORTED_PROTOCOL', 'not an honest-majority key');
          if (this.checkPlayers(loaded.row, players).join(',') !== set) throw badRequest('INVALID_PLAYERS', 'not a canonical player set');
        } catch (e) {
          // The key is gone or no longer fits this set (deleted, reshared): stop tracking the pool.
          if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
            this.inUse.delete(pool);
            this.sinceCheck.delete(pool);
            return;
          }
          throw e;
        }
        const { row, share } = loaded;
        const count = Math.min(this.opts.batch, this.opts.target - level);
        const sessionId = randomBytes(32);
        const req = new Writer().bytes(utf8ToBytes(keyId)).bytes(utf8ToBytes(set)).u16(count).fixed(sessionId).finish();
        for (const p of players) if (p !== this.s.player) this.s.mux.send(p, RPC_PRESIGN, req);
        if ((await this.presignAndStore(row, share, players, count, sessionId)) === 0) return; // the key changed meanwhile
        level = await this.s.shareStore.countPresignatures(keyId, set);
      }
    } catch (e) {
      this.s.log.warn({ keyId, err: e instanceof Error ? e.message : 'error' }, 'presignature refill failed');
    }
  }

  /**
   * Follower: delete the oldest presignatures of a pool beyond `target + batch − incoming` (after a
   * leader restart they are leftovers the leader no longer holds; deleting is always safe).
   */
  private async trimPool(keyId: string, set: string, incoming: number): Promise<void> {
    const excess = (await this.s.shareStore.countPresignatures(keyId, set)) + incoming - (this.opts.target + this.opts.batch);
    if (excess <= 0) return;
    const trimmed = await this.s.shareStore.deletePresignatureIds(keyId, await this.s.shareStore.listPresignatureIds(keyId, set, excess));
    if (trimmed > 0) this.s.log.info({ keyId, players: set, deleted: trimmed }, 'oldest presignatures deleted: the pool is capped at target + batch');
  }

  /**
   * Follower: join the leader's presigning session if the request is sound. A well-formed request
   * of the set's leader that this node declines gets a refusal (the leader's session aborts at
   * once instead of waiting for its timeout); a malformed or misdirected one is dropped.
   */
  private async onPresignRequest(from: number, payload: Uint8Array): Promise<void> {
    let keyId = '';
    let pool: string | undefined;
    try {
      if (this.stopped) return;
      const r = new Reader(payload);
      keyId = new TextDecoder().decode(r.bytes(64));
      const set = new TextDecoder().decode(r.bytes(256));
      const count = r.u16();
      const sessionId = r.fixed(32).slice();
      r.end();
      if (!KEY_ID_RE.test(keyId) || count < 1 || count > this.opts.batch) return;
      const players = set.split(',').map(Number);
      if (!players.every((p) => Number.isInteger(p)) || Math.min(...players) !== from || !players.includes(this.s.player)) return;
      const kr = await keyRowById(this.s, keyId);
      if (!kr) return;
      const row = kr;
      // The raw `set` names the pool: it must be the canonical (sorted, valid) player set.
      let canonical: string;
      try {
        canonical = this.checkPlayers(kr, players).join(',');
      } catch {
        return;
      }
      if (canonical !== set) return;
      const refuse = (code: string, message: string): void => {
        void this.s.runner
          .run(createRefusalSession({ sessionId, protocol: ECDSA_HM_PRESIGN_PROTOCOL, self: this.s.player, parties: players, code, message }))
          .catch(() => undefined);
      };
      if (this.stopped) return refuse('NODE_STOPPING', 'the node is stopping');
      if (row.status !== 'active' || row.protocol !== 'honest-majority') return refuse('KEY_UNAVAILABLE', 'the key is not an active honest-majority key on this node');
      if (this.s.keyLocks.has(keyId)) return refuse('LIFECYCLE_IN_PROGRESS', 'a refresh or reshare of this key is in progress on this node');
      pool = `${keyId}|${set}`;
      const joined = this.joined.get(pool) ?? 0;
      if (joined >= MAX_JOINED_PER_POOL) {
        pool = undefined;
        return refuse('PRESIGN_BUSY', 'presigning sessions of this pool are already running on this node');
      }
      this.joined.set(pool, joined + 1);
      // Hard cap `target + batch`: make room before the batch, and check again after storing it
      // (two joined batches may overlap).
      await this.trimPool(keyId, set, count);
      const share = this.s.keys.openRow(kr);
      await this.presignAndStore(kr, share, players, count, sessionId);
      this.track(kr, players);
      await this.trimPool(keyId, set, 0);
    } catch (e) {
      this.s.log.warn({ keyId, peer: from, err: e instanceof Error ? e.message : 'error' }, 'presigning on request failed');
    } finally {
      if (pool !== undefined) {
        const n = (this.joined.get(pool) ?? 1) - 1;
        if (n > 0) this.joined.set(pool, n);
        else this.joined.delete(pool);
      }
    }
  }
}
