/**
 * Honest-majority ECDSA signing in the node: concurrent requests of one (key, player set) are
 * signed in batches (sign-batch.ts has the messages and the ACCEPT round).
 *
 * Every node registers each verified client request as pending. The set's leader queues its
 * pending requests and, while fewer than {@link MAX_INFLIGHT} batches run, forms a batch of
 * everything queued (a single request is signed at once: no added latency when idle): it takes
 * (deletes) one pooled presignature per item in one store call and sends the proposal to the
 * others. Every player answers in the ACCEPT round after taking the proposed presignatures from
 * its own store — so each presignature is deleted durably BEFORE any signature share can leave a
 * node, and never used twice, whatever happens next. The accepted items are signed in one
 * `createEcdsaBatchSignSession` (presigning inline first for items without a pooled one).
 *
 * Items one player did not hold yet (its copy of the request is still in flight) and items whose
 * presignature a player lacks (it lost its pool at a restart; the leader then resyncs the pool,
 * hm-service.ts) are proposed again, with an inline presignature. A request whose
 * message or derivation differs between players fails on all of them. A request that no batch
 * takes within the session timeout fails with TIMEOUT (QUORUM_UNAVAILABLE when a player is down).
 */
import {
  createEcdsaBatchSignSession,
  createPresignSession,
  hexToBytes,
  presignatureFromBytes,
  randomBytes,
  toHex,
  transcriptHash,
  type KeyShare,
  type Presignature,
} from '@opentsm/core';
import { nodeEcdsaHmArithmetic } from '@opentsm/core/node';
import { openShare } from '../../crypto/at-rest.js';
import { ApiError } from '../errors.js';
import { KEY_ID_RE } from '../ids.js';
import { failureToApi, type Caller, type SignResult } from '../key-service.js';
import type { NodeServices } from '../services.js';
import type { TakenPresignatureRow } from '../../store/types.js';
import { toKeyRow } from '../store-adapter.js';
import type { KeyRow } from '../store-port.js';
import {
  createAcceptSession,
  decodeProposal,
  encodeProposal,
  ItemStatus,
  itemDigest,
  itemOutcomes,
  MAX_BATCH_ITEMS,
  proposalHash,
  type BatchProposal,
} from './sign-batch.js';

export const RPC_SIGN_BATCH = 'rpc:hm-sign-batch';
/** Leader: batches of one pool running at once (one signing while the next is accepted). */
const MAX_INFLIGHT = 2;
/** Follower: proposals of one pool handled at once (more are answered UNKNOWN). */
const MAX_FOLLOWER_BATCHES = 4;
/** Follower: how long a proposal waits for requests this node has not received yet. */
const ARRIVAL_WAIT_MS = 50;
/** Times an item is proposed again after a player did not hold it. */
const MAX_RETRIES = 3;
const RETRY_DELAY_MS = 20;

interface Pending {
  readonly sid: string;
  readonly digest: string;
  readonly message: Uint8Array;
  readonly tweak: bigint;
  readonly caller: Caller;
  state: 'waiting' | 'batched';
  retries: number;
  /** Retry without a pooled presignature (it was proposed once already). */
  inline: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(r: SignResult): void;
  reject(e: ApiError): void;
}

interface PoolState {
  readonly keyId: string;
  readonly applicationId: string;
  readonly players: number[];
  readonly set: string;
  readonly leader: number;
  readonly pending: Map<string, Pending>;
  /** Leader: signing ids waiting for a batch, oldest first. */
  queue: string[];
  inflight: number;
  forming: boolean;
  /** Follower: signing id → callbacks waiting for that request to arrive here. */
  readonly arrivals: Map<string, Set<() => void>>;
  followerBatches: number;
}

/** What the signer tells the pool manager (hm-service.ts). */
export interface SignerHooks {
  /** Leader: `used` pooled presignatures were proposed; `maybeLow`: fewer were available than asked. */
  used(row: { applicationId: string; keyId: string }, players: number[], used: number, maybeLow: boolean): void;
  /** Leader: a player lacked a proposed presignature: resync the pool. */
  unheld(row: { applicationId: string; keyId: string }, players: number[]): void;
}

/** A key row by id (peer requests carry no application id), in the node port's shape. */
export async function keyRowById(s: NodeServices, keyId: string): Promise<KeyRow | undefined> {
  const row = await s.shareStore.getKeyById(keyId);
  return row ? toKeyRow(row) : undefined;
}

export class HmBatchSigner {
  private readonly pools = new Map<string, PoolState>();
  private stopped = false;

  constructor(
    private readonly s: NodeServices,
    private readonly hooks: SignerHooks,
    /** The canonical player set of a key, or throws (hm-service.ts checkPlayers). */
    private readonly checkPlayers: (row: KeyRow, players: number[]) => number[],
  ) {
    s.mux.route(RPC_SIGN_BATCH, (from, _ch, payload) => void this.onProposal(from, payload));
  }

  private pool(row: KeyRow, players: number[]): PoolState {
    const set = players.join(',');
    const k = `${row.keyId}|${set}`;
    let st = this.pools.get(k);
    if (!st) {
      st = { keyId: row.keyId, applicationId: row.applicationId, players, set, leader: players[0]!, pending: new Map(), queue: [], inflight: 0, forming: false, arrivals: new Map(), followerBatches: 0 };
      this.pools.set(k, st);
    }
    return st;
  }

  /** Sign one verified request (players already checked); resolves when its batch is signed. */
  sign(caller: Caller, row: KeyRow, players: number[], message: Uint8Array, tweak: bigint, signSid: Uint8Array): Promise<SignResult> {
    if (this.stopped) return Promise.reject(new ApiError(503, 'NODE_STOPPING', 'the node is stopping'));
    const st = this.pool(row, players);
    const sid = toHex(signSid);
    if (st.pending.has(sid)) return Promise.reject(new ApiError(409, 'SESSION_CONFLICT', 'this request is already being signed on this node'));
    return new Promise<SignResult>((resolve, reject) => {
      const p: Pending = { sid, digest: itemDigest(message, hexToBytes(tweak.toString(16).padStart(64, '0'))), message, tweak, caller, state: 'waiting', retries: 0, inline: false, timer: undefined, resolve, reject };
      p.timer = setTimeout(() => this.expire(st, p), this.s.sessionTimeoutMs);
      st.pending.set(sid, p);
      for (const notify of st.arrivals.get(sid) ?? []) notify();
      if (st.leader === this.s.player) {
        st.queue.push(sid);
        void this.pump(st);
      }
    });
  }

  private finish(st: PoolState, p: Pending, outcome: { ok: SignResult } | { err: ApiError }, sessionId: string, batch?: string): void {
    if (st.pending.get(p.sid) !== p) return;
    st.pending.delete(p.sid);
    clearTimeout(p.timer);
    const result = 'ok' in outcome ? 'ok' : outcome.err.code;
    if ('err' in outcome) this.s.metrics.errors.inc({ code: outcome.err.code });
    void this.s.store
      .audit({ actor: p.caller.applicationId, action: 'key.sign', keyId: st.keyId, sessionId, result, detail: { signers: st.set, protocol: 'honest-majority', ...(batch ? { batch } : {}) } })
      .catch(() => undefined)
      .then(() => ('ok' in outcome ? p.resolve(outcome.ok) : p.reject(outcome.err)));
  }

  private expire(st: PoolState, p: Pending): void {
    if (p.state !== 'waiting') return; // a running batch settles it (its sessions have their own timeouts)
    const down = st.players.filter((q) => q !== this.s.player && !this.s.mux.isConnected(q));
    const err =
      down.length > 0
        ? new ApiError(503, 'QUORUM_UNAVAILABLE', `quorum unavailable: player(s) ${down.join(', ')} not reachable`)
        : new ApiError(504, 'TIMEOUT', `the request was not signed within ${this.s.sessionTimeoutMs} ms`);
    st.queue = st.queue.filter((x) => x !== p.sid);
    this.finish(st, p, { err }, p.sid);
  }

  // ---- leader -------------------------------------------------------------------------------

  /** Form batches from the queue while fewer than MAX_INFLIGHT run (one formation at a time: presignatures are taken in order). */
  private async pump(st: PoolState): Promise<void> {
    if (st.forming) return;
    st.forming = true;
    try {
      while (st.inflight < MAX_INFLIGHT && st.queue.length > 0 && !this.stopped) {
        const items: Pending[] = [];
        while (items.length < MAX_BATCH_ITEMS && st.queue.length > 0) {
          const p = st.pending.get(st.queue.shift()!);
          if (p?.state === 'waiting') items.push(p);
        }
        if (items.length === 0) continue;
        for (const p of items) p.state = 'batched';
        st.inflight++;
        let started: Promise<void>;
        try {
          started = this.lead(st, items, await this.takeForBatch(st, items));
        } catch (e) {
          started = Promise.resolve(this.failAll(st, items, e));
        }
        void started
          .catch((e: unknown) => {
            // Unexpected (a bug, not a protocol failure): never leave a request of this batch waiting.
            this.s.log.warn({ keyId: st.keyId, err: e instanceof Error ? e.message : 'error' }, 'signing batch failed');
            this.failAll(
              st,
              items.filter((p) => st.pending.get(p.sid) === p && p.state === 'batched'),
              e,
            );
          })
          .finally(() => {
            st.inflight--;
            void this.pump(st);
          });
      }
    } finally {
      st.forming = false;
    }
  }

  /** Take one pooled presignature per item (items retried inline get none). */
  private async takeForBatch(st: PoolState, items: Pending[]): Promise<{ ids: (string | undefined)[]; taken: Map<string, TakenPresignatureRow>; low: boolean }> {
    const want = items.filter((p) => !p.inline).length;
    const listed = want > 0 ? await this.s.shareStore.listPresignatureIds(st.keyId, st.set, want) : [];
    const taken = listed.length > 0 ? await this.s.shareStore.takePresignatures(st.keyId, listed) : new Map<string, TakenPresignatureRow>();
    const available = listed.filter((id) => taken.has(id));
    const ids = items.map((p) => (p.inline ? undefined : available.shift()));
    return { ids, taken, low: listed.length < want || taken.size < listed.length };
  }

  private async lead(st: PoolState, items: Pending[], t: { ids: (string | undefined)[]; taken: Map<string, TakenPresignatureRow>; low: boolean }): Promise<void> {
    const proposal: BatchProposal = {
      keyId: st.keyId,
      set: st.set,
      batchId: randomBytes(32),
      items: items.map((p, i) => ({ sid: p.sid, digest: p.digest, presigId: t.ids[i] })),
    };
    const bytes = encodeProposal(proposal);
    for (const q of st.players) if (q !== this.s.player) this.s.mux.send(q, RPC_SIGN_BATCH, bytes);
    let key: { row: KeyRow; share: KeyShare };
    try {
      key = await this.s.keys.loadKey(st.applicationId, st.keyId);
    } catch (e) {
      // Still answer the round (all UNKNOWN) so the others do not wait for a timeout.
      await this.settle(st, proposal, items.map(() => ItemStatus.UNKNOWN), t.taken, undefined).catch(() => undefined);
      return this.failAll(st, items, e);
    }
    const mine = proposal.items.map((it) => (it.presigId !== undefined && !usable(t.taken.get(it.presigId), key.row, st.set) ? ItemStatus.UNHELD : ItemStatus.OK));
    this.hooks.used(st, st.players, t.ids.filter((x) => x !== undefined).length, t.low);
    await this.settle(st, proposal, mine, t.taken, key);
  }

  private failAll(st: PoolState, items: Pending[], e: unknown): void {
    const err = failureToApi(e);
    for (const p of items) this.finish(st, p, { err }, p.sid);
  }

  // ---- follower -----------------------------------------------------------------------------

  /** A proposal from a set's leader: answer it (after taking the proposed presignatures) and sign the accepted items. */
  private async onProposal(from: number, payload: Uint8Array): Promise<void> {
    let st: PoolState | undefined;
    /** Requests of this node put in this batch (state 'batched'): settled by `settle`, or failed below. */
    const mine: Pending[] = [];
    try {
      if (this.stopped) return;
      const proposal = decodeProposal(payload);
      if (!KEY_ID_RE.test(proposal.keyId)) return;
      const players = proposal.set.split(',').map(Number);
      if (!players.every((p) => Number.isInteger(p)) || players[0] !== from || !players.includes(this.s.player)) return;
      const row = await keyRowById(this.s, proposal.keyId);
      if (!row || row.status !== 'active' || row.protocol !== 'honest-majority') return;
      try {
        if (this.checkPlayers(row, players).join(',') !== proposal.set) return;
      } catch {
        return;
      }
      st = this.pool(row, players);
      // Take every proposed presignature this node holds BEFORE answering: whatever the outcome, none is ever used again.
      const ids = proposal.items.flatMap((it) => (it.presigId !== undefined ? [it.presigId] : []));
      if (st.followerBatches >= MAX_FOLLOWER_BATCHES) {
        // Too many at once: answer UNKNOWN for every item; the leader retries.
        const busy = st;
        st = undefined;
        if (ids.length > 0) await this.s.shareStore.takePresignatures(proposal.keyId, ids);
        return await this.settle(busy, proposal, proposal.items.map(() => ItemStatus.UNKNOWN), new Map(), undefined);
      }
      st.followerBatches++;
      await this.arrival(st, proposal.items.map((it) => it.sid).filter((sid) => !st!.pending.has(sid)));
      const taken = ids.length > 0 ? await this.s.shareStore.takePresignatures(proposal.keyId, ids) : new Map<string, TakenPresignatureRow>();
      const key = await this.s.keys.loadKey(row.applicationId, row.keyId).catch(() => undefined);
      const statuses = proposal.items.map((it) => {
        const p = st!.pending.get(it.sid);
        if (!key || !p || p.state !== 'waiting') return ItemStatus.UNKNOWN;
        if (p.digest !== it.digest) return ItemStatus.MISMATCH;
        if (it.presigId !== undefined && !usable(taken.get(it.presigId), key.row, proposal.set)) return ItemStatus.UNHELD;
        p.state = 'batched';
        mine.push(p);
        return ItemStatus.OK;
      });
      await this.settle(st, proposal, statuses, taken, key);
    } catch (e) {
      this.s.log.warn({ peer: from, err: e instanceof Error ? e.message : 'error' }, 'signing batch from the leader failed');
      // Unexpected (a bug, not a protocol failure): never leave a request of this batch waiting.
      const pool = st;
      if (pool) for (const p of mine) if (pool.pending.get(p.sid) === p && p.state === 'batched') this.finish(pool, p, { err: failureToApi(e) }, p.sid);
    } finally {
      if (st) st.followerBatches--;
    }
  }

  /** Resolves when every listed request has arrived here, or after ARRIVAL_WAIT_MS. */
  private arrival(st: PoolState, sids: string[]): Promise<void> {
    if (sids.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let left = sids.length;
      const done = (): void => {
        clearTimeout(timer);
        for (const sid of sids) {
          const set = st.arrivals.get(sid);
          set?.delete(notify);
          if (set?.size === 0) st.arrivals.delete(sid);
        }
        resolve();
      };
      const notify = (): void => {
        if (--left === 0) done();
      };
      const timer = setTimeout(done, ARRIVAL_WAIT_MS);
      for (const sid of sids) {
        let set = st.arrivals.get(sid);
        if (!set) st.arrivals.set(sid, (set = new Set()));
        set.add(notify);
      }
    });
  }

  // ---- both ---------------------------------------------------------------------------------

  /**
   * The ACCEPT round, then signing of the items every player accepted. `mine[i] === OK` means this
   * node put its pending request i in this batch: only those are settled (or put back) here.
   */
  private async settle(
    st: PoolState,
    proposal: BatchProposal,
    mine: ItemStatus[],
    taken: Map<string, TakenPresignatureRow>,
    key: { row: KeyRow; share: KeyShare } | undefined,
  ): Promise<void> {
    const isLeader = st.leader === this.s.player;
    const batch = toHex(proposal.batchId).slice(0, 16);
    const ours = proposal.items.flatMap((it, i) => {
      const p = st.pending.get(it.sid);
      return mine[i] === ItemStatus.OK && p?.state === 'batched' ? [{ i, p, presigId: it.presigId }] : [];
    });
    let statuses: ItemStatus[][];
    try {
      statuses = await this.s.runner.run(createAcceptSession({ batchId: proposal.batchId, self: this.s.player, parties: st.players, proposalHash: proposalHash(proposal), statuses: mine }));
    } catch (e) {
      const err = failureToApi(e);
      for (const { p } of ours) this.finish(st, p, { err }, p.sid, batch);
      return;
    }
    const outcomes = itemOutcomes(statuses, proposal.items.length);
    if (isLeader && outcomes.includes('unheld')) this.hooks.unheld(st, st.players);
    const mismatch = (): ApiError => new ApiError(409, 'REQUEST_MISMATCH', 'the players received different messages or derivation paths for this request');
    const toSign: typeof ours = [];
    for (const o of ours) {
      const outcome = outcomes[o.i]!;
      if (outcome === 'sign') toSign.push(o);
      else if (outcome === 'mismatch') this.finish(st, o.p, { err: mismatch() }, o.p.sid, batch);
      else this.retry(st, o.p, outcome, isLeader, batch);
    }
    // A request this node answered MISMATCH for (its copy differs) fails here too, not by timeout.
    proposal.items.forEach((it, i) => {
      const p = st.pending.get(it.sid);
      if (mine[i] === ItemStatus.MISMATCH && p?.state === 'waiting') this.finish(st, p, { err: mismatch() }, p.sid, batch);
    });
    if (toSign.length === 0) return;
    if (!key) {
      for (const o of toSign) this.finish(st, o.p, { err: new ApiError(404, 'KEY_NOT_FOUND', 'the key is not available on this node') }, o.p.sid, batch);
      return;
    }
    const presigs: Presignature[] = [];
    try {
      const inline = toSign.filter((o) => o.presigId === undefined).length;
      const fresh =
        inline > 0
          ? await this.s.runner.run(
              createPresignSession({ sessionId: transcriptHash('opentsm/hm-sign-batch/v1/presign', proposal.batchId), key: key.share, players: st.players, count: inline, arithmetic: nodeEcdsaHmArithmetic }),
            )
          : [];
      for (const o of toSign) {
        if (o.presigId === undefined) presigs.push(fresh.shift()!);
        else {
          const t = taken.get(o.presigId)!;
          presigs.push(presignatureFromBytes(openShare(this.s.masterKey, { keyId: o.presigId, player: this.s.player, version: t.keyVersion }, t.sealed), { arithmetic: nodeEcdsaHmArithmetic }));
        }
      }
      this.s.metrics.signBatchItems.observe(toSign.length);
      if (inline > 0) this.s.metrics.presignatures.inc({ use: 'inline' }, inline);
      if (toSign.length > inline) this.s.metrics.presignatures.inc({ use: 'pool' }, toSign.length - inline);
      const sigs = await this.s.runner.run(
        createEcdsaBatchSignSession({
          sessionId: transcriptHash('opentsm/hm-sign-batch/v1/sign', proposal.batchId),
          key: key.share,
          players: st.players,
          items: toSign.map((o, j) => ({ presignature: presigs[j]!, message: o.p.message, tweak: o.p.tweak })),
          arithmetic: nodeEcdsaHmArithmetic,
        }),
      );
      toSign.forEach((o, j) => {
        const r = sigs[j]!;
        this.finish(st, o.p, { ok: { keyId: st.keyId, signature: toHex(r.signature), publicKey: toHex(r.publicKey), der: toHex(r.der), recoveryId: r.recoveryId } }, o.p.sid, batch);
      });
    } catch (e) {
      for (const p of presigs) p.discard();
      const err = failureToApi(e);
      if (err.code === 'INTERNAL') this.s.log.warn({ keyId: st.keyId, err: e instanceof Error ? e.message : 'error' }, 'batch signing failed');
      for (const o of toSign) this.finish(st, o.p, { err }, o.p.sid, batch);
    }
  }

  /** Put a request back: it waits for the next batch (the leader proposes it again), or fails after MAX_RETRIES. */
  private retry(st: PoolState, p: Pending, outcome: 'unknown' | 'unheld', isLeader: boolean, batch: string): void {
    p.state = 'waiting';
    if (++p.retries > MAX_RETRIES) {
      const err =
        outcome === 'unknown'
          ? new ApiError(503, 'QUORUM_UNAVAILABLE', 'a player of the signing set did not receive this request (send it to every player of the set)')
          : new ApiError(503, 'PRESIGNATURE_UNAVAILABLE', 'the players could not agree on a presignature');
      this.finish(st, p, { err }, p.sid, batch);
      return;
    }
    // Retry without a pooled presignature: every proposal burns the presignatures it names, so a
    // request that never reaches one player (a faulty or hostile client) costs the pool at most one.
    p.inline = true;
    if (!isLeader) return;
    setTimeout(
      () => {
        if (st.pending.get(p.sid) !== p || p.state !== 'waiting') return;
        st.queue.unshift(p.sid);
        void this.pump(st);
      },
      outcome === 'unknown' ? RETRY_DELAY_MS : 0,
    ).unref();
  }

  stop(): void {
    this.stopped = true;
    for (const st of this.pools.values())
      for (const p of [...st.pending.values()]) if (p.state === 'waiting') this.finish(st, p, { err: new ApiError(503, 'NODE_STOPPING', 'the node is stopping') }, p.sid);
  }
}

/** A taken presignature can sign for this key version and player set (else the item is UNHELD). */
function usable(t: TakenPresignatureRow | undefined, row: KeyRow, set: string): boolean {
  return t !== undefined && t.keyVersion === row.version && t.players === set;
}
