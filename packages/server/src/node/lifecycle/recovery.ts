/**
 * Deciding refresh / reshare runs whose commit did not complete on this node (a peer was down or
 * slow, or this node crashed between storing its pending share and committing it).
 *
 * The rule (docs/operations.md, "Refresh, reshare, derivation in the cluster"): a player stores its
 * new share as pending and only then sends its commit message; a player commits when it has every
 * participant's commit message. So if anyone committed, every participant had stored a pending
 * share. A node asked about a run it holds nothing about records the run `aborted` (atomically,
 * store.lifecycleStatus with abortIfUnknown) and will never store a pending share of it — so once
 * any participant answers `aborted`, nobody can ever complete the commit. Hence, for a pending share:
 *
 * - some participant answers `committed` (same digest) → commit it here too;
 * - every other participant answers `pending` or `committed` (same digest) → every participant
 *   holds the new share durably and none can abort any more → commit;
 * - some participant answers `aborted` → drop the pending share (the key keeps its old shares);
 * - otherwise (a participant unreachable, no decisive answer) → ask again later.
 *
 * Who gets an answer (the asking peer is authenticated by the peer channel):
 *
 * - this node has the key (a key row) or a pending share of it: only a player of the key
 *   (row.parties) or a participant of the pending run may learn anything or make this node record
 *   `aborted`; any other peer gets `unknown` and nothing is written — except that an outcome this
 *   node already recorded for exactly that run is told to it (`aborted`; `committed` only when the
 *   question carries the same commit digest), since a removed dealer or a newcomer of a run is no
 *   longer (or not yet) in row.parties once the pending row is gone, and must still learn it;
 * - this node has neither (the newcomer of a reshare that never stored the run): it records the
 *   run `aborted` as described above. This is the only case a question may write; the node prunes
 *   such records once the run is long over (store purgeStaleLifecycleOutcomes, every minute, after
 *   max(7 days, 100 session timeouts)), so questions from a peer cannot grow the table forever. A
 *   participant that asks only after that (down for over a week) and meanwhile lost its entitlement
 *   here gets no answer from this node and waits for the others' (docs/operations.md).
 *
 * Questions and answers travel over the authenticated peer channel ('rpc:lifecycle:status:*');
 * they carry only public data (key id, session id, the asker's commit digest, a state, the commit
 * digest and a version).
 * Other prefixed messages of this module ('rpc:lifecycle:pkg') are handed to `onPackage`.
 */
import { parseHex, Reader, toHex, Writer } from '@opentsm/core';
import type { LifecycleState, LifecycleStatus, PendingShareRecord, ShareStore } from '../../store/types.js';
import { KEY_ID_RE } from '../ids.js';
import type { ChannelMux } from '../peer-channel.js';
import type { NodeLogger } from '../services.js';

export const RPC_PREFIX = 'rpc:lifecycle:';
const REQ = 'rpc:lifecycle:status:req';
const RES = 'rpc:lifecycle:status:res';
export const PKG = 'rpc:lifecycle:pkg';
const STATES: LifecycleState[] = ['committed', 'aborted', 'pending', 'unknown'];
const DIGEST_RE = /^[0-9a-f]{64}$/;
const NO_ANSWER: LifecycleStatus = { state: 'unknown', digest: null, version: null };

export interface PeerAnswer {
  readonly state: LifecycleState;
  readonly digest: string | null;
  readonly version: number | null;
}

export type Resolution = 'committed' | 'aborted' | 'undecided' | 'none';

export interface LifecycleRecoveryDeps {
  readonly self: number;
  readonly mux: ChannelMux;
  readonly store: ShareStore;
  readonly log: NodeLogger;
  /** After a pending share was committed here by recovery (cache invalidation, audit). */
  readonly onCommitted: (p: PendingShareRecord) => Promise<void>;
  /** After a pending share was dropped here by recovery (audit). */
  readonly onAborted: (p: PendingShareRecord) => Promise<void>;
  /** Other messages of the module's prefix (the reshare package). */
  readonly onPackage: (from: number, payload: Uint8Array) => void;
  /** How long to wait for one peer's answer (default 2000 ms). */
  readonly answerTimeoutMs?: number;
  /** The node's key locks (NodeServices.keyLocks); a private set when omitted. */
  readonly locks?: Set<string>;
}

export class LifecycleRecovery {
  private nextId = 1;
  private readonly waiting = new Map<number, { peer: number; resolve: (a: PeerAnswer) => void }>();
  /** Keys with a run (or a resolution) in progress on this node. */
  private readonly locks: Set<string>;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;

  constructor(private readonly d: LifecycleRecoveryDeps) {
    this.locks = d.locks ?? new Set();
    d.mux.route(RPC_PREFIX, (from, channel, payload) => {
      if (channel === REQ) void this.answer(from, payload);
      else if (channel === RES) this.onAnswer(from, payload);
      else if (channel === PKG) d.onPackage(from, payload);
    });
  }

  /** Take the key's lock; false if a run or resolution of the key is in progress. */
  tryLock(keyId: string): boolean {
    if (this.locks.has(keyId)) return false;
    this.locks.add(keyId);
    return true;
  }

  unlock(keyId: string): void {
    this.locks.delete(keyId);
  }

  private async answer(from: number, payload: Uint8Array): Promise<void> {
    let id: number;
    let keyId: string;
    let sessionId: string;
    let digest: string;
    try {
      const r = new Reader(payload);
      id = r.u32();
      keyId = new TextDecoder().decode(r.bytes(64));
      sessionId = toHex(r.fixed(32));
      digest = new TextDecoder().decode(r.bytes(128));
      r.end();
    } catch {
      return; // malformed question: ignored
    }
    if (!KEY_ID_RE.test(keyId) || (digest !== '' && !DIGEST_RE.test(digest))) return;
    try {
      const s = await this.status(from, keyId, sessionId, digest);
      const w = new Writer().u32(id).u8(STATES.indexOf(s.state));
      w.bytes(s.digest ? new TextEncoder().encode(s.digest) : new Uint8Array(0));
      w.u32(s.version ?? 0);
      this.d.mux.send(from, RES, w.finish());
    } catch (e) {
      this.d.log.warn({ peer: from, keyId, err: (e as Error).message }, 'lifecycle status question failed');
    }
  }

  /** What `from` may learn about run `sessionId` of a key (see the module comment). */
  private async status(from: number, keyId: string, sessionId: string, digest: string): Promise<LifecycleStatus> {
    const [row, pending] = await Promise.all([this.d.store.getKeyById(keyId), this.d.store.getPendingShare(keyId)]);
    // Nothing here about the key (a newcomer that never stored the run), or a player / participant asking: may record 'aborted'.
    const entitled = (!row && !pending) || row?.parties.includes(from) === true || pending?.participants.includes(from) === true;
    const s = await this.d.store.lifecycleStatus(keyId, sessionId, entitled ? { abortIfUnknown: true } : {});
    if (s.state === 'committed') return s.digest === digest ? s : NO_ANSWER; // an honest asker holds the same digest
    if (s.state === 'aborted') return { state: 'aborted', digest: null, version: null };
    // A pending run only to its participants (a pending share stored after the reads above: asked again later).
    if (s.state === 'pending') return pending?.sessionId === sessionId && pending.participants.includes(from) ? s : NO_ANSWER;
    return NO_ANSWER;
  }

  private onAnswer(from: number, payload: Uint8Array): void {
    try {
      const r = new Reader(payload);
      const id = r.u32();
      const state = STATES[r.u8()];
      const digest = new TextDecoder().decode(r.bytes(128));
      const version = r.u32();
      r.end();
      const w = this.waiting.get(id);
      if (!state || !w || w.peer !== from) return; // only the peer asked may answer
      if (digest !== '' && !DIGEST_RE.test(digest)) return;
      w.resolve({ state, digest: digest === '' ? null : digest, version: version === 0 ? null : version });
    } catch {
      /* malformed answer: ignored */
    }
  }

  /**
   * Ask one peer what it knows about a run; undefined when it does not answer in time. `digest` is
   * the run's commit digest this node holds (hex, '' if none): a peer that no longer lists this node
   * among the key's players tells a `committed` outcome only to an asker that shows the same digest.
   */
  ask(peer: number, keyId: string, sessionId: string, digest = '', timeoutMs = this.d.answerTimeoutMs ?? 2000): Promise<PeerAnswer | undefined> {
    if (!this.d.mux.isConnected(peer)) return Promise.resolve(undefined);
    const id = this.nextId++;
    if (this.nextId > 0xfffffff0) this.nextId = 1;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(id, {
        peer,
        resolve: (a) => {
          clearTimeout(t);
          this.waiting.delete(id);
          resolve(a);
        },
      });
      const sid = parseHex(sessionId, 32);
      const enc = new TextEncoder();
      this.d.mux.send(peer, REQ, new Writer().u32(id).bytes(enc.encode(keyId)).fixed(sid).bytes(enc.encode(digest)).finish());
    });
  }

  /**
   * Decide the key's pending share (if any) by asking the run's other participants. The caller
   * must hold the key's lock.
   */
  async resolve(keyId: string): Promise<Resolution> {
    const p = await this.d.store.getPendingShare(keyId);
    if (!p) return 'none';
    const peers = p.participants.filter((x) => x !== this.d.self);
    const answers = await Promise.all(peers.map((q) => this.ask(q, keyId, p.sessionId, p.digest)));
    const same = (a: PeerAnswer | undefined): boolean => a !== undefined && a.digest === p.digest;
    const committed = answers.some((a) => a?.state === 'committed' && same(a));
    const aborted = answers.some((a) => a?.state === 'aborted');
    if (committed && aborted) {
      this.d.log.warn({ keyId, session: p.sessionId }, 'lifecycle run both committed and aborted by peers: left undecided');
      return 'undecided';
    }
    const everyoneHasIt = answers.every((a) => same(a) && (a!.state === 'pending' || a!.state === 'committed'));
    if (committed || everyoneHasIt) {
      if (!(await this.d.store.commitPendingShare(keyId, p.sessionId))) return (await this.d.store.getPendingShare(keyId)) ? 'undecided' : 'none';
      this.d.log.info({ keyId, operation: p.operation, version: p.version }, `pending ${p.operation} committed: ${committed ? 'a peer committed it' : 'every player holds the new share'}`);
      await this.d.onCommitted(p);
      return 'committed';
    }
    if (aborted) {
      const outcome = await this.d.store.abortLifecycle(keyId, p.sessionId);
      if (outcome === 'committed') return 'committed';
      this.d.log.info({ keyId, operation: p.operation }, `pending ${p.operation} dropped: a player gave it up (the key keeps its previous shares)`);
      await this.d.onAborted(p);
      return 'aborted';
    }
    return 'undecided';
  }

  /** One pass over every pending share not locked by a run in progress; returns how many stay undecided. */
  async runOnce(): Promise<number> {
    let undecided = 0;
    for (const p of await this.d.store.listPendingShares(1000)) {
      if (!this.tryLock(p.keyId)) continue;
      try {
        if ((await this.resolve(p.keyId)) === 'undecided') undecided++;
      } catch (e) {
        undecided++;
        this.d.log.warn({ keyId: p.keyId, err: (e as Error).message }, 'lifecycle recovery of a pending share failed');
      } finally {
        this.unlock(p.keyId);
      }
    }
    return undecided;
  }

  private busyMs = 1000;
  private idleMs = 5000;

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) return this.schedule(this.busyMs);
    this.running = true;
    let left = 0;
    try {
      left = await this.runOnce();
    } catch (e) {
      left = 1;
      this.d.log.warn({ err: (e as Error).message }, 'lifecycle recovery pass failed');
    } finally {
      this.running = false;
    }
    this.schedule(left > 0 ? this.busyMs : this.idleMs);
  }

  /** Resolve pending shares now and then: every `busyMs` while some are undecided, every `idleMs` otherwise. */
  start(busyMs = 1000, idleMs = 5000): void {
    this.busyMs = busyMs;
    this.idleMs = idleMs;
    this.stopped = false;
    this.schedule(100);
  }

  /** Run a pass soon (e.g. after a run left an undecided pending share). */
  kick(): void {
    this.schedule(this.busyMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
