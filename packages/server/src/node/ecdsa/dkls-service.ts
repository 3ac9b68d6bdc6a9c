/**
 * DKLs23 (dishonest-majority ECDSA, any k-of-n including 2-of-2) in the node: key generation with
 * the pairwise OT setup, signing with exactly k signers, the OT-extension session-id record and
 * the per-key peer bans that a failed OT-extension, VOLE or Γ check records (docs/protocols/dkls23.md).
 *
 * - The OT-extension session ids are derived from the signing session id, which each node derives
 *   from the client's signed request (single-use request ids, persisted), so they never repeat;
 *   in addition every id is reserved in the store before the run starts, and a used id refuses it.
 * - A failed check bans the culprit for this key (409 PEER_BANNED on later requests naming it)
 *   until the pairwise OT setup is refreshed (`POST /v1/keys/:keyId/ot-refresh`), never a silent retry.
 */
import {
  createDklsKeygenSession,
  createDklsOtRefreshSession,
  createDklsSignSession,
  dklsOtSessionIds,
  dklsBanSignal,
  dklsKeyShareFromBytes,
  dklsKeyShareToBytes,
  isDklsKeyShare,
  toHex,
  type DklsKeyShare,
  type KeyShare,
  type OtSessionGuard,
} from '@opentsm/core';
import { nodeDklsPrimitives } from '@opentsm/core/node';
import { sealShare } from '../../crypto/at-rest.js';
import { ApiError, badRequest } from '../errors.js';
import { sessionIdFor } from '../ids.js';
import { derivationTweak } from '../lifecycle/derive.js';
import { failureToApi, type Caller, type ProtocolDriver, type SignBody, type SignResult } from '../key-service.js';
import type { NodeServices } from '../services.js';
import { SessionFailure } from '../session-runner.js';
import type { KeyRow } from '../store-port.js';

export class DklsService {
  constructor(private readonly s: NodeServices) {}

  /**
   * Reserve the OT-extension session ids a signing run will use, in the store, before the run
   * starts (dkls23.md: an id never repeats from the sender's side). Any id used before refuses
   * the whole run. The returned guard lets the session use exactly the reserved ids, once.
   */
  private async reserveOtSessions(keyId: string, params: Parameters<typeof dklsOtSessionIds>[0]): Promise<OtSessionGuard> {
    const ids = dklsOtSessionIds(params);
    const reserved = new Set<string>();
    for (const { peer, otSessionId } of ids) {
      const hex = toHex(otSessionId);
      // The store's record is the single source of truth (atomic insert; false = used before).
      if (!(await this.s.shareStore.recordOtSession(keyId, peer, hex)))
        throw new ApiError(409, 'OT_SESSION_REUSED', 'an OT-extension session id of this signing run was used before; refusing to run it again');
      reserved.add(`${peer}:${hex}`);
    }
    return (peer, otSid) => reserved.delete(`${peer}:${toHex(otSid)}`);
  }

  readonly driver: ProtocolDriver = {
    keygen: (p) => createDklsKeygenSession({ ...p, primitives: nodeDklsPrimitives }),
    encode: (share) => {
      if (!isDklsKeyShare(share)) throw new Error('not a DKLs23 key share');
      return dklsKeyShareToBytes(share);
    },
    decode: (bytes) => dklsKeyShareFromBytes(bytes),
    sign: (caller, row, share, body) => this.sign(caller, row, share, body),
  };

  async sign(caller: Caller, row: KeyRow, share: KeyShare, body: SignBody): Promise<SignResult> {
    const keyId = row.keyId;
    const signers = body.players ? [...body.players].sort((a, b) => a - b) : row.parties.slice(0, row.threshold);
    if (new Set(signers).size !== signers.length) throw badRequest('INVALID_PLAYERS', 'players must be distinct');
    for (const p of signers) if (!row.parties.includes(p)) throw badRequest('INVALID_PLAYERS', `player ${p} holds no share of this key`);
    if (signers.length !== row.threshold) throw badRequest('INVALID_PLAYERS', `a ${row.threshold}-of-${row.parties.length} DKLs23 key signs with exactly ${row.threshold} players, got ${signers.length}`);
    if (!signers.includes(this.s.player)) throw badRequest('INVALID_PLAYERS', `this node (player ${this.s.player}) is not one of the requested signers`);
    const bans = (await this.s.shareStore.listBans(keyId)).filter((b) => signers.includes(b.peer));
    if (bans.length > 0)
      throw new ApiError(
        409,
        'PEER_BANNED',
        `player(s) ${bans.map((b) => b.peer).join(', ')} failed a DKLs23 check (${bans[0]!.reason}) for this key; refresh the OT setup (tsm keys ot-refresh) before signing with them`,
      );
    const tweak = derivationTweak(share, body.path);
    const sessionId = sessionIdFor('sign', caller.applicationId, caller.requestId, keyId);
    try {
      const params = { sessionId, key: share as DklsKeyShare, signers, message: body.message, tweak, primitives: nodeDklsPrimitives };
      const otSessionGuard = await this.reserveOtSessions(keyId, params);
      const res = await this.s.runner.run(createDklsSignSession({ ...params, otSessionGuard }));
      await this.s.store.audit({ actor: caller.applicationId, action: 'key.sign', keyId, sessionId: toHex(sessionId), result: 'ok', detail: { signers: signers.join(','), protocol: 'dkls23' } });
      return { keyId, signature: toHex(res.signature), publicKey: toHex(res.publicKey), der: toHex(res.der), recoveryId: res.recoveryId };
    } catch (e) {
      await this.recordBan(keyId, e);
      const api = failureToApi(e);
      this.s.metrics.errors.inc({ code: api.code });
      await this.s.store.audit({ actor: caller.applicationId, action: 'key.sign', keyId, sessionId: toHex(sessionId), result: api.code }).catch(() => undefined);
      throw api;
    }
  }

  private async recordBan(keyId: string, e: unknown): Promise<void> {
    if (!(e instanceof SessionFailure) || e.protocolCode === undefined) return;
    const signal = dklsBanSignal({ code: e.protocolCode, culprits: e.culprits } as Parameters<typeof dklsBanSignal>[0]);
    if (!signal) return;
    for (const peer of signal.peers) {
      if (peer === this.s.player) continue;
      await this.s.shareStore.banPeer(keyId, peer, signal.reason);
      this.s.log.warn({ keyId, peer, reason: signal.reason }, 'DKLs23 check failed: peer banned for this key until the OT setup is refreshed');
    }
  }

  /**
   * `POST /v1/keys/:keyId/ot-refresh`: renew the pairwise OT setup of every pair (all players of
   * the key take part), store the new share as a new version, and lift the key's bans.
   */
  async refreshOt(caller: Caller, keyId: string): Promise<{ keyId: string; version: number }> {
    const { row } = await this.s.keys.loadKey(caller.applicationId, keyId); // 404 for a foreign key before any lock
    if (row.protocol !== 'dkls23') throw badRequest('UNSUPPORTED_PROTOCOL', `ot-refresh applies to DKLs23 keys (this key uses ${row.protocol})`);
    // The same lock as a refresh or reshare (NodeServices.keyLocks): never two share replacements at once.
    if (this.s.keyLocks.has(keyId)) throw new ApiError(409, 'LIFECYCLE_IN_PROGRESS', 'a refresh, reshare or OT refresh of this key is in progress on this node');
    this.s.keyLocks.add(keyId);
    try {
      const pending = await this.s.shareStore.getPendingShare(keyId);
      if (pending)
        throw new ApiError(409, 'LIFECYCLE_PENDING', `an earlier ${pending.operation} of this key is not decided yet on this node (a player was unreachable); retry when every player is up`);
      return await this.refreshOtLocked(caller, keyId);
    } finally {
      this.s.keyLocks.delete(keyId);
    }
  }

  private async refreshOtLocked(caller: Caller, keyId: string): Promise<{ keyId: string; version: number }> {
    const { row, share } = await this.s.keys.loadKey(caller.applicationId, keyId);
    if (row.protocol !== 'dkls23') throw badRequest('UNSUPPORTED_PROTOCOL', `ot-refresh applies to DKLs23 keys (this key uses ${row.protocol})`);
    const sessionId = sessionIdFor('dkls-ot-refresh', caller.applicationId, caller.requestId, keyId);
    try {
      const next = await this.s.runner.run(createDklsOtRefreshSession({ sessionId, key: share, primitives: nodeDklsPrimitives }));
      const version = row.version + 1;
      const sealed = sealShare(this.s.masterKey, { keyId, player: this.s.player, version }, dklsKeyShareToBytes(next));
      const ok = await this.s.shareStore.replaceShare(keyId, { expectedVersion: row.version, version, sealedShare: sealed });
      if (!ok) throw new ApiError(409, 'KEY_VERSION_CONFLICT', 'the key changed while its OT setup was refreshed; retry');
      await this.s.shareStore.clearBans(keyId);
      this.s.keys.invalidate(keyId);
      await this.s.store.audit({ actor: caller.applicationId, action: 'key.ot-refresh', keyId, sessionId: toHex(sessionId), result: 'ok' });
      return { keyId, version };
    } catch (e) {
      throw failureToApi(e);
    }
  }
}
