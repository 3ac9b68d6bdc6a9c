/**
 * Recovery of keys left `pending` by a crash during key generation.
 *
 * A node activates a key only after every player confirmed (commit round) that it stored its
 * sealed share. So after a restart, a pending key of this node
 * - without a stored share can never have been activated anywhere → mark it failed;
 * - with a stored share was activated by the others iff any peer reports it `active`
 *   (then this node activates it too); if a peer reports `failed` or does not know it,
 *   it is failed everywhere → mark it failed. While peers are unreachable, ask again later.
 *
 * The question travels over the authenticated peer channel ('rpc:key-status'); the answer
 * is public metadata only (a status word).
 */
import { Reader, Writer } from '@opentsm/core';
import { KEY_ID_RE } from './ids.js';
import type { ChannelMux } from './peer-channel.js';

export type PeerKeyStatus = 'pending' | 'active' | 'failed' | 'unknown';

const REQ = 'rpc:key-status:req';
const RES = 'rpc:key-status:res';
const STATUSES: PeerKeyStatus[] = ['pending', 'active', 'failed', 'unknown'];

export interface RecoveryStore {
  /** Pending keys of this node: id, parties, and whether a sealed share is stored. */
  listPendingKeys(): Promise<{ keyId: string; parties: number[]; hasShare: boolean }[]>;
  keyStatus(keyId: string): Promise<PeerKeyStatus>;
  activateKey(keyId: string): Promise<void>;
  failKey(keyId: string): Promise<void>;
}

export class KeyRecovery {
  private nextId = 1;
  private readonly waiting = new Map<number, (s: PeerKeyStatus) => void>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly self: number,
    private readonly mux: ChannelMux,
    private readonly store: RecoveryStore,
    private readonly log: (obj: Record<string, unknown>, msg: string) => void,
  ) {
    mux.route(REQ, (from, _ch, payload) => void this.answer(from, payload));
    mux.route(RES, (_from, _ch, payload) => {
      try {
        const r = new Reader(payload);
        const id = r.u32();
        const s = STATUSES[r.u8()];
        r.end();
        if (s) this.waiting.get(id)?.(s);
      } catch {
        /* malformed answer: ignored */
      }
    });
  }

  private async answer(from: number, payload: Uint8Array): Promise<void> {
    try {
      const r = new Reader(payload);
      const id = r.u32();
      const keyId = new TextDecoder().decode(r.bytes(64));
      r.end();
      if (!KEY_ID_RE.test(keyId)) return;
      const status = await this.store.keyStatus(keyId);
      this.mux.send(from, RES, new Writer().u32(id).u8(STATUSES.indexOf(status)).finish());
    } catch {
      /* malformed question: ignored */
    }
  }

  private ask(peer: number, keyId: string, timeoutMs: number): Promise<PeerKeyStatus | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(id, (s) => {
        clearTimeout(t);
        this.waiting.delete(id);
        resolve(s);
      });
      this.mux.send(peer, REQ, new Writer().u32(id).bytes(new TextEncoder().encode(keyId)).finish());
    });
  }

  /**
   * The keys left pending by an earlier run of this node. Taken once, before the node serves
   * requests: keys that become pending later belong to key generations in progress.
   */
  private leftover: { keyId: string; parties: number[]; hasShare: boolean }[] | undefined;

  async snapshot(): Promise<number> {
    this.leftover = await this.store.listPendingKeys();
    return this.leftover.length;
  }

  /** One pass over the leftover pending keys; returns how many are still undecided. */
  async runOnce(): Promise<number> {
    let undecided = 0;
    if (this.leftover === undefined) await this.snapshot();
    const still: typeof this.leftover = [];
    for (const k of this.leftover ?? []) {
      if ((await this.store.keyStatus(k.keyId)) !== 'pending') continue;
      if (!k.hasShare) {
        await this.store.failKey(k.keyId);
        this.log({ keyId: k.keyId }, 'pending key without a share marked failed');
        continue;
      }
      const peers = k.parties.filter((p) => p !== this.self);
      const answers = await Promise.all(peers.map((p) => (this.mux.isConnected(p) ? this.ask(p, k.keyId, 2000) : Promise.resolve(undefined))));
      if (answers.includes('active')) {
        await this.store.activateKey(k.keyId);
        this.log({ keyId: k.keyId }, 'pending key activated: its peers completed the commit');
      } else if (answers.includes('failed') || answers.includes('unknown')) {
        await this.store.failKey(k.keyId);
        this.log({ keyId: k.keyId }, 'pending key marked failed: a peer failed it');
      } else {
        undecided++;
        still.push(k);
      }
    }
    this.leftover = still;
    return undecided;
  }

  /** Run passes until nothing is undecided (or stop() is called). */
  start(intervalMs = 1000): void {
    const tick = async () => {
      if (this.stopped) return;
      let left = 0;
      try {
        left = await this.runOnce();
      } catch (e) {
        this.log({ err: (e as Error).message }, 'key recovery pass failed');
        left = 1;
      }
      if (left > 0 && !this.stopped) this.timer = setTimeout(() => void tick(), intervalMs);
    };
    this.timer = setTimeout(() => void tick(), 200);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
