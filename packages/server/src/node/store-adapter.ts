/** Adapts the ShareStore (store/) to the ports the node services use. */
import { appendAudit } from '../audit/log.js';
import type { KeyInfo, ShareStore } from '../store/types.js';
import type { PeerKeyStatus, RecoveryStore } from './key-recovery.js';
import type { ApplicationRow, AuditInput, KeyRow, NodeStore } from './store-port.js';

/** A store key record in the node port's shape. */
export function toKeyRow(k: KeyInfo & { sealedShare?: Uint8Array | null }): KeyRow {
  return {
    keyId: k.keyId,
    applicationId: k.applicationId,
    scheme: k.scheme,
    threshold: k.threshold,
    parties: [...k.parties],
    publicKey: k.publicKey ?? '',
    status: k.status,
    version: k.version,
    sealedShare: k.sealedShare ?? null,
    createdAt: new Date(k.createdAt).toISOString(),
    protocol: k.protocol,
  };
}

export function adaptStore(s: ShareStore): NodeStore & RecoveryStore {
  const app = (a: { applicationId: string; name: string; algorithm: 'ed25519' | 'p256'; publicKey: string; role: 'admin' | 'app'; enabled: boolean; createdAt: number }): ApplicationRow => ({
    ...a,
    createdAt: new Date(a.createdAt).toISOString(),
  });
  return {
    getApplication: async (id) => {
      const a = await s.getApplication(id);
      return a ? app(a) : undefined;
    },
    createApplication: async (a) => app(await s.createApplication({ ...a, enabled: a.enabled ?? true })),
    listApplications: async () => (await s.listApplications()).map(app),
    useRequestId: (a, r, e) => s.useRequestId(a, r, e),
    insertPendingKey: async (k) => {
      await s.insertPendingKey(k);
    },
    storePendingShare: async (keyId, publicKey, sealedShare, version) => {
      await s.storePendingShare(keyId, { publicKey, sealedShare, version });
    },
    activateKey: async (keyId) => {
      await s.activateKey(keyId);
    },
    failKey: async (keyId) => {
      await s.failKey(keyId);
    },
    getKey: async (appId, keyId) => {
      const k = await s.getKey(appId, keyId);
      return k ? toKeyRow(k) : undefined;
    },
    listKeys: async (appId, o) => (await s.listKeys(appId, { limit: o.limit, ...(o.after ? { after: o.after } : {}) })).map(toKeyRow),
    audit: async (e: AuditInput) => {
      await appendAudit(s, { actor: e.actor, action: e.action, result: e.result, keyId: e.keyId, sessionId: e.sessionId, detail: e.detail });
    },
    close: () => s.close(),
    listPendingKeys: async () =>
      (await s.listKeysByStatus('pending', 1000)).map((k) => ({ keyId: k.keyId, parties: [...k.parties], hasShare: k.sealedShare !== null })),
    keyStatus: async (keyId): Promise<PeerKeyStatus> => (await s.getKeyById(keyId))?.status ?? 'unknown',
  };
}
