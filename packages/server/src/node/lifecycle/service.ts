/**
 * Refresh, reshare and BIP32 extended public keys as cluster operations (docs/operations.md,
 * "Refresh, reshare, derivation in the cluster"; protocols: docs/protocols/refresh-reshare.md,
 * docs/protocols/derivation.md).
 *
 * Refresh / reshare on one node, after the client's signed request was verified by this node:
 *
 *   1. run the core session (refresh/v1 or reshare/v1) with the other players over the peer channel;
 *   2. seal the new share under version v+1 and store it as PENDING next to the active one
 *      (a newcomer of a reshare stores the whole key; a dealer that leaves stores a removal);
 *   3. run the all-players commit session (node/commit-session.ts) over the commit digest;
 *   4. only when every player confirmed: one durable transaction replaces the active share
 *      (CAS v → v+1; threshold and parties for a reshare), deletes the key's presignatures,
 *      OT-session ids and peer bans, and drops the pending row; then the share cache is invalidated.
 *
 * If step 3 fails the outcome is decided by asking the other players (recovery.ts); a crash at
 * any point leaves every node on the old or on the new shares once the nodes are back, never a mix.
 */
import { nodeDklsPrimitives } from '@opentsm/core/node';
import {
  createDklsOtRefreshSession,
  createRefreshSession,
  transcriptHash,
  createReshareSession,
  formatDerivationPath,
  keyEpoch,
  keyPackageDigest,
  nextEpoch,
  parseDerivationPath,
  ProtocolError,
  publicPackage,
  RESHARE_PROTOCOL_ID,
  reshareParamsDigest,
  toHex,
  xpub,
  type KeyShare,
  type PublicKeyPackage,
} from '@opentsm/core';
import { sealShare } from '../../crypto/at-rest.js';
import type { LifecycleOperation, PendingShareAction } from '../../store/types.js';
import { createCommitSession } from '../commit-session.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { failureToApi, parseThreshold, type Caller } from '../key-service.js';
import type { NodeServices } from '../services.js';
import { timedSession } from '../metrics.js';
import { SessionFailure } from '../session-runner.js';
import type { KeyRow } from '../store-port.js';
import { derivationError } from './derive.js';
import { sessionIdFor } from '../ids.js';
import { commitDigest, crashPoint } from './ids.js';
import { encodePackage, PackageInbox, type TransferredPackage } from './package.js';
import { LifecycleRecovery, PKG } from './recovery.js';

/** What refresh and reshare return (identical on every player of the run). */
export interface LifecycleResult {
  keyId: string;
  scheme: string;
  /** `k-of-n` after the run. */
  threshold: string;
  /** The key's players after the run. */
  players: number[];
  /** Unchanged. */
  publicKey: string;
  protocol: string;
  /** The new epoch counter of the shares (0 = key generation, + 1 per refresh or reshare). */
  epoch: number;
}

export interface XpubResult {
  keyId: string;
  xpub: string;
  path: string;
}

/** Schemes with a BIP32 extended key format. */
const XPUB_SCHEMES = new Set(['ecdsa-secp256k1', 'frost-secp256k1', 'frost-secp256k1-tr']);

interface Staged {
  caller: Caller;
  keyId: string;
  operation: LifecycleOperation;
  action: PendingShareAction;
  sid: Uint8Array;
  commitSid: Uint8Array;
  applicationId: string;
  scheme: string;
  protocol: string;
  publicKey: string;
  fromVersion: number;
  version: number;
  share: KeyShare | null;
  threshold: number;
  parties: number[];
  participants: number[];
  digest: Uint8Array;
}

/**
 * The Staged record of a run on `key` (the node's row, or a newcomer's view of the key): the new
 * share is version key.version + 1, replacing `fromVersion` (default key.version).
 */
function staged(
  caller: Caller,
  operation: LifecycleOperation,
  action: PendingShareAction,
  sid: Uint8Array,
  key: Pick<KeyRow, 'keyId' | 'applicationId' | 'scheme' | 'protocol' | 'publicKey' | 'version'>,
  next: Pick<Staged, 'share' | 'threshold' | 'parties' | 'participants' | 'digest'>,
  fromVersion = key.version,
): Staged {
  return {
    caller,
    keyId: key.keyId,
    operation,
    action,
    sid,
    commitSid: sessionIdFor(`${operation}-commit`, caller.applicationId, caller.requestId, key.keyId),
    applicationId: key.applicationId,
    scheme: key.scheme,
    protocol: key.protocol,
    publicKey: key.publicKey,
    fromVersion,
    version: key.version + 1,
    ...next,
  };
}

const union = (a: readonly number[], b: readonly number[]): number[] => [...new Set([...a, ...b])].sort((x, y) => x - y);

export class LifecycleService {
  readonly recovery: LifecycleRecovery;
  private readonly inbox: PackageInbox;

  constructor(private readonly s: NodeServices) {
    this.inbox = new PackageInbox(2 * s.sessionTimeoutMs);
    this.recovery = new LifecycleRecovery({
      self: s.player,
      mux: s.mux,
      store: s.shareStore,
      log: s.log,
      locks: s.keyLocks,
      onPackage: (from, payload) => this.inbox.deliver(from, payload),
      onCommitted: async (p) => {
        this.s.keys.invalidate(p.keyId);
        await this.audit(p.operation, { applicationId: p.applicationId, requestId: '' }, p.keyId, p.sessionId, 'ok', { recovered: true, version: p.version, threshold: `${p.threshold}-of-${p.parties.length}` }, 'node');
      },
      onAborted: async (p) => {
        await this.audit(p.operation, { applicationId: p.applicationId, requestId: '' }, p.keyId, p.sessionId, 'ABORTED', { recovered: true }, 'node');
      },
    });
  }

  private get clusterPlayers(): number[] {
    return this.s.cluster.nodes.map((n) => n.player);
  }

  private timed<T>(protocol: string, f: () => Promise<T>): Promise<T> {
    return timedSession(this.s.metrics, protocol, f, (e) => (e instanceof SessionFailure ? e.code : 'error'));
  }

  private async audit(
    operation: LifecycleOperation,
    caller: Caller,
    keyId: string,
    sessionId: string,
    result: string,
    detail: Record<string, string | number | boolean>,
    actor?: string,
  ): Promise<void> {
    await this.s.store.audit({ actor: actor ?? caller.applicationId, action: `key.${operation}`, keyId, sessionId, result, detail }).catch(() => undefined);
  }

  /**
   * DKLs23 keys: after a Shamir refresh or reshare, every pair of the (new) player set runs a fresh
   * pairwise OT setup (createDklsOtRefreshSession), so no OT correlation or zero-share seed of the
   * old shares survives (protocols.md §4.3, dkls23.md). Other protocols: unchanged.
   */
  private async renewDkls(protocol: string, sid: Uint8Array, share: KeyShare): Promise<KeyShare> {
    if (protocol !== 'dkls23') return share;
    return this.timed('dkls-ot-refresh', () =>
      this.s.runner.run(createDklsOtRefreshSession({ sessionId: transcriptHash('opentsm/lifecycle/dkls-ot/v1', sid), key: share, primitives: nodeDklsPrimitives })),
    );
  }

  /** Run `f` holding the key's lifecycle lock; refuse while another run or an undecided one exists. */
  private async exclusive<T>(keyId: string, f: () => Promise<T>): Promise<T> {
    if (!this.recovery.tryLock(keyId)) throw new ApiError(409, 'LIFECYCLE_IN_PROGRESS', 'a refresh or reshare of this key is in progress on this node');
    try {
      const p = await this.s.shareStore.getPendingShare(keyId);
      if (p) {
        this.recovery.kick();
        throw new ApiError(409, 'LIFECYCLE_PENDING', `an earlier ${p.operation} of this key is not decided yet on this node (a player was unreachable); retry when every player is up`);
      }
      return await f();
    } finally {
      this.recovery.unlock(keyId);
    }
  }

  private failed(op: LifecycleOperation, e: unknown): ApiError {
    if (e instanceof ProtocolError) return badRequest(e.code, e.message);
    const api = failureToApi(e);
    if (api.code === 'INTERNAL') this.s.log.warn({ op: `key.${op}`, err: e instanceof Error ? `${e.name}: ${e.message}` : 'unknown error' }, 'internal error');
    this.s.metrics.errors.inc({ code: api.code });
    return api;
  }

  /** Give up a run that never stored a pending share here (a peer asking later learns 'aborted'). */
  private async giveUp(keyId: string, sid: Uint8Array): Promise<void> {
    await this.s.shareStore.abortLifecycle(keyId, toHex(sid)).catch(() => undefined);
  }

  // ------------------------------------------------------------------------------ refresh

  async refresh(caller: Caller, keyId: string): Promise<LifecycleResult> {
    await this.s.keys.getKey(caller.applicationId, keyId); // 404 for another application's key before its lock or pending state shows
    return this.exclusive(keyId, async () => {
      const { row, share } = await this.s.keys.loadKey(caller.applicationId, keyId);
      const sid = sessionIdFor('refresh', caller.applicationId, caller.requestId, keyId);
      const parties = [...share.parties];
      let next: KeyShare;
      try {
        next = await this.timed('refresh', () => this.s.runner.run(createRefreshSession({ sessionId: sid, key: share })));
        next = await this.renewDkls(row.protocol, sid, next);
      } catch (e) {
        await this.giveUp(keyId, sid);
        const api = this.failed('refresh', e);
        await this.audit('refresh', caller, keyId, toHex(sid), api.code, {});
        throw api;
      }
      crashPoint('session-done');
      const digest = commitDigest(keyId, 'refresh', sid, keyPackageDigest(publicPackage(share)), keyPackageDigest(publicPackage(next)));
      await this.stageAndCommit(staged(caller, 'refresh', 'replace', sid, row, { share: next, threshold: share.threshold, parties, participants: parties, digest }));
      const epoch = keyEpoch(next).counter;
      await this.audit('refresh', caller, keyId, toHex(sid), 'ok', { epoch, version: row.version + 1 });
      return { keyId, scheme: row.scheme, threshold: `${share.threshold}-of-${parties.length}`, players: parties, publicKey: row.publicKey, protocol: row.protocol, epoch };
    });
  }

  // ------------------------------------------------------------------------------ reshare

  async reshare(caller: Caller, keyId: string, body: { threshold: string; players: number[] }): Promise<LifecycleResult> {
    const { k: newK, n } = parseThreshold(body.threshold, this.clusterPlayers.length);
    const newParties = [...body.players].sort((a, b) => a - b);
    if (new Set(newParties).size !== newParties.length) throw badRequest('INVALID_PLAYERS', 'players must be distinct');
    for (const p of newParties) if (!this.clusterPlayers.includes(p)) throw badRequest('INVALID_PLAYERS', `player ${p} is not in the cluster`);
    if (newParties.length !== n) throw badRequest('INVALID_PLAYERS', `threshold ${body.threshold} needs exactly ${n} players, got ${newParties.length}`);
    const row = await this.s.store.getKey(caller.applicationId, keyId);
    if (row && row.status === 'active' && row.sealedShare) return this.reshareAsDealer(caller, row, newK, newParties);
    if (!newParties.includes(this.s.player)) throw notFound();
    if (await this.s.shareStore.getKeyById(keyId)) throw notFound(); // another application's key, or not active here
    return this.reshareAsNewcomer(caller, keyId, newK, newParties);
  }

  private checkQuorum(protocol: string, k: number, n: number): void {
    if (protocol === 'honest-majority' && n < 2 * k - 1)
      throw badRequest('INVALID_THRESHOLD', `honest-majority ECDSA needs n ≥ 2k−1: a ${k}-of-n key needs at least ${2 * k - 1} players`);
  }

  private async reshareAsDealer(caller: Caller, row: KeyRow, newK: number, newParties: number[]): Promise<LifecycleResult> {
    const keyId = row.keyId;
    const sid = sessionIdFor('reshare', caller.applicationId, caller.requestId, keyId);
    // The newcomers have no row for the key: send them its public package first (they check it
    // against the dealers' messages, and refuse a bad request as fast as the dealers do).
    const current = this.s.keys.openRow(row);
    const newcomers = newParties.filter((p) => !current.parties.includes(p));
    if (newcomers.length > 0) {
      const msg = encodePackage({ sessionId: toHex(sid), keyId, applicationId: row.applicationId, protocol: row.protocol, version: row.version, package: publicPackage(current) });
      for (const p of newcomers) this.s.mux.send(p, PKG, msg);
    }
    this.checkQuorum(row.protocol, newK, newParties.length);
    return this.exclusive(keyId, async () => {
      const { row: fresh, share } = await this.s.keys.loadKey(caller.applicationId, keyId);
      if (fresh.version !== row.version) throw new ApiError(409, 'LIFECYCLE_IN_PROGRESS', 'the key changed while the request was prepared; retry');
      const pkg = publicPackage(share);
      const oldParties = [...share.parties];
      const participants = union(oldParties, newParties);
      const result = await this.runReshare(caller, keyId, sid, { self: this.s.player, oldParties, newParties, newThreshold: newK, oldKey: share }, row.protocol);
      const action: PendingShareAction = result ? 'replace' : 'remove';
      await this.stageAndCommit(
        staged(caller, 'reshare', action, sid, row, {
          share: result,
          threshold: newK,
          parties: newParties,
          participants,
          digest: commitDigest(keyId, 'reshare', sid, keyPackageDigest(pkg), reshareParamsDigest(keyPackageDigest(pkg), oldParties, newParties, newK)),
        }),
      );
      const epoch = nextEpoch(keyEpoch(pkg), RESHARE_PROTOCOL_ID, sid).counter;
      await this.audit('reshare', caller, keyId, toHex(sid), 'ok', { epoch, threshold: `${newK}-of-${newParties.length}`, players: newParties.join(','), removed: action === 'remove' });
      return { keyId, scheme: row.scheme, threshold: `${newK}-of-${newParties.length}`, players: newParties, publicKey: row.publicKey, protocol: row.protocol, epoch };
    });
  }

  private async reshareAsNewcomer(caller: Caller, keyId: string, newK: number, newParties: number[]): Promise<LifecycleResult> {
    return this.exclusive(keyId, async () => {
      const sid = sessionIdFor('reshare', caller.applicationId, caller.requestId, keyId);
      const sidHex = toHex(sid);
      const accept = (from: number, t: TransferredPackage): boolean =>
        t.keyId === keyId && t.applicationId === caller.applicationId && t.package.parties.includes(from) && !t.package.parties.includes(this.s.player);
      const got = await this.inbox.wait(sidHex, accept, this.s.sessionTimeoutMs);
      if (!got) {
        await this.giveUp(keyId, sid);
        const api = new ApiError(504, 'TIMEOUT', 'no old player of the key sent its public package (is the key id right, and are its players up?)');
        await this.audit('reshare', caller, keyId, sidHex, api.code, {});
        throw api;
      }
      this.checkQuorum(got.protocol, newK, newParties.length);
      const pkg = got.package;
      const oldParties = [...pkg.parties];
      const result = await this.runReshare(caller, keyId, sid, { self: this.s.player, oldParties, newParties, newThreshold: newK, oldPackage: pkg }, got.protocol);
      if (!result) throw new ApiError(500, 'INTERNAL', 'internal error');
      const publicKey = toHex(pkg.publicKey);
      // A newcomer has no row: the key's fields come from the package k old players agreed on; it starts from "no share" (version 0).
      const key = { keyId, applicationId: caller.applicationId, scheme: pkg.scheme, protocol: got.protocol, publicKey, version: got.version };
      await this.stageAndCommit(
        staged(caller, 'reshare', 'insert', sid, key, {
          share: result,
          threshold: newK,
          parties: newParties,
          participants: union(oldParties, newParties),
          digest: commitDigest(keyId, 'reshare', sid, keyPackageDigest(pkg), reshareParamsDigest(keyPackageDigest(pkg), oldParties, newParties, newK)),
        }, 0),
      );
      const epoch = keyEpoch(result).counter;
      await this.audit('reshare', caller, keyId, sidHex, 'ok', { epoch, threshold: `${newK}-of-${newParties.length}`, players: newParties.join(','), added: true });
      return { keyId, scheme: pkg.scheme, threshold: `${newK}-of-${newParties.length}`, players: newParties, publicKey, protocol: got.protocol, epoch };
    });
  }

  private async runReshare(
    caller: Caller,
    keyId: string,
    sid: Uint8Array,
    p: { self: number; oldParties: number[]; newParties: number[]; newThreshold: number; oldKey?: KeyShare; oldPackage?: PublicKeyPackage },
    protocol: string,
  ): Promise<KeyShare | null> {
    try {
      const session = createReshareSession({ sessionId: sid, ...p });
      let r = await this.timed('reshare', () => this.s.runner.run(session));
      if (r) r = await this.renewDkls(protocol, sid, r);
      crashPoint('session-done');
      return r;
    } catch (e) {
      await this.giveUp(keyId, sid);
      const api = this.failed('reshare', e);
      await this.audit('reshare', caller, keyId, toHex(sid), api.code, {});
      throw api;
    }
  }

  /** Steps 2–4: store pending, confirm with every participant, commit (or let recovery decide). */
  private async stageAndCommit(a: Staged): Promise<void> {
    const sidHex = toHex(a.sid);
    const sealed = a.share ? sealShare(this.s.masterKey, { keyId: a.keyId, player: this.s.player, version: a.version }, this.s.keys.encodeShare(a.protocol, a.share)) : null;
    const stored = await this.s.shareStore.insertPendingShare({
      keyId: a.keyId,
      sessionId: sidHex,
      operation: a.operation,
      action: a.action,
      applicationId: a.applicationId,
      scheme: a.scheme,
      protocol: a.protocol,
      publicKey: a.publicKey,
      fromVersion: a.fromVersion,
      version: a.version,
      sealedShare: sealed,
      threshold: a.threshold,
      parties: a.parties,
      participants: a.participants,
      digest: toHex(a.digest),
    });
    if (!stored) {
      const api = new ApiError(409, 'LIFECYCLE_ABORTED', `a player gave up this ${a.operation} before this node stored its new share; the key keeps its current shares`);
      await this.audit(a.operation, a.caller, a.keyId, sidHex, api.code, {});
      throw api;
    }
    crashPoint('pending-stored');
    try {
      await this.timed(`${a.operation}-commit`, () =>
        this.s.runner.run(createCommitSession({ sessionId: a.commitSid, self: this.s.player, parties: a.participants, digest: a.digest })),
      );
    } catch (e) {
      // Some player did not confirm: decide by asking them (recovery.ts); keep asking in the background if undecided.
      const outcome = await this.recovery.resolve(a.keyId).catch(() => 'undecided' as const);
      if (outcome === 'committed') return;
      if (outcome === 'undecided') {
        this.recovery.kick();
        const api = new ApiError(503, 'COMMIT_UNDECIDED', `not every player confirmed the ${a.operation} and the outcome is not known yet (a player is unreachable); the nodes settle it when it is back — the key then has either its old or its new shares on every node`);
        await this.audit(a.operation, a.caller, a.keyId, sidHex, api.code, {});
        throw api;
      }
      const api = this.failed(a.operation, e);
      await this.audit(a.operation, a.caller, a.keyId, sidHex, api.code, { dropped: true });
      throw api;
    }
    crashPoint('commit-confirmed');
    if (!(await this.s.shareStore.commitPendingShare(a.keyId, sidHex))) {
      const st = await this.s.shareStore.lifecycleStatus(a.keyId, sidHex);
      if (st.state !== 'committed') throw new ApiError(500, 'INTERNAL', 'internal error');
    }
    crashPoint('committed');
    this.s.keys.invalidate(a.keyId);
  }

  // ------------------------------------------------------------------------------ xpub

  async xpub(caller: Caller, keyId: string, path: string | undefined): Promise<XpubResult> {
    const { row, share } = await this.s.keys.loadKey(caller.applicationId, keyId);
    if (!XPUB_SCHEMES.has(row.scheme))
      throw badRequest('UNSUPPORTED_SCHEME', `no BIP32 extended public key exists for ${row.scheme} keys (secp256k1 schemes only); signing with a path still works (docs/protocols/derivation.md)`);
    try {
      const canonical = formatDerivationPath(parseDerivationPath(path ?? 'm'));
      return { keyId, xpub: xpub(publicPackage(share), canonical), path: canonical };
    } catch (e) {
      throw derivationError(e);
    }
  }
}
