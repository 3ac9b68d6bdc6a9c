/**
 * The refresh / reshare two-phase-commit methods of the ShareStore (migration 3), on SQLite and
 * PostgreSQL. PostgreSQL: see src/store/testing.ts (fails when unreachable unless OPENTSM_SKIP_PG=1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertReachable, testBackends, type TestStore } from '../src/store/testing.js';
import type { NewPendingShare, ShareStore } from '../src/store/types.js';

const backends = await testBackends();

let counter = 0;
function uid(prefix: string): string {
  counter++;
  return `${prefix}_${counter.toString(16).padStart(4, '0')}${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex')}`;
}
const sid = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
const share = (n: number): Uint8Array => Uint8Array.from({ length: 48 }, (_, i) => (i * 7 + n) & 0xff);

async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code, `expected ${code}, got ${String(err)}`);
    return true;
  });
}

for (const backend of backends) {
  it(`${backend.dialect} backend is reachable`, { skip: backend.skip }, () => assertReachable(backend));

  describe(`ShareStore lifecycle methods (${backend.dialect})`, { skip: backend.skip }, () => {
    let t: TestStore;
    let store: ShareStore;
    let app: string;
    before(async () => {
      t = await backend.open();
      store = t.store;
      app = uid('app');
      await store.createApplication({ applicationId: app, name: 'lifecycle', algorithm: 'ed25519', publicKey: 'ab'.repeat(32), role: 'app' });
    });
    after(async () => {
      await t?.cleanup();
    });

    /** An active key at version 1 with parties 1,2,3 (2-of-3), plus a presignature, an OT session id and a ban. */
    const activeKey = async (): Promise<string> => {
      const keyId = uid('key');
      await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3] });
      await store.activateKey(keyId, { publicKey: 'cd'.repeat(32), sealedShare: share(1), version: 1 });
      await store.putPresignatures(keyId, 1, '1,2,3', [{ presigId: 'aa'.repeat(16) + keyId.slice(-8), sealed: share(7) }]);
      assert.equal(await store.recordOtSession(keyId, 2, 'ot-1'), true);
      await store.banPeer(keyId, 3, 'test');
      return keyId;
    };
    const pending = (keyId: string, over: Partial<NewPendingShare> = {}): NewPendingShare => ({
      keyId,
      sessionId: sid(),
      operation: 'refresh',
      action: 'replace',
      applicationId: app,
      scheme: 'frost-ed25519',
      protocol: 'frost',
      publicKey: 'cd'.repeat(32),
      fromVersion: 1,
      version: 2,
      sealedShare: share(2),
      threshold: 2,
      parties: [1, 2, 3],
      participants: [1, 2, 3],
      digest: 'ee'.repeat(32),
      ...over,
    });

    it('stores one pending share per key and lists it', async () => {
      const keyId = await activeKey();
      const p = pending(keyId);
      assert.equal(await store.insertPendingShare(p), true);
      assert.equal(await store.insertPendingShare(pending(keyId)), false, 'a second run on the same key is refused');
      const got = await store.getPendingShare(keyId);
      assert.ok(got);
      assert.equal(got.sessionId, p.sessionId);
      assert.deepEqual(got.sealedShare, share(2));
      assert.deepEqual(got.parties, [1, 2, 3]);
      assert.deepEqual(got.participants, [1, 2, 3]);
      assert.equal(got.fromVersion, 1);
      assert.equal(got.version, 2);
      assert.ok((await store.listPendingShares(1000)).some((x) => x.keyId === keyId));
      assert.deepEqual(await store.lifecycleStatus(keyId, p.sessionId), { state: 'pending', digest: p.digest, version: 2 });
      assert.deepEqual(await store.lifecycleStatus(keyId, sid()), { state: 'unknown', digest: null, version: null });
      // The active share is untouched while pending.
      const k = await store.getKey(app, keyId);
      assert.equal(k?.version, 1);
      assert.deepEqual(k?.sealedShare, share(1));
    });

    it('commit replaces the share (CAS), drops presignatures, OT ids, bans and the pending row, records the outcome', async () => {
      const keyId = await activeKey();
      const p = pending(keyId, { operation: 'reshare', threshold: 3, parties: [1, 2, 3, 4], participants: [1, 2, 3, 4] });
      assert.equal(await store.insertPendingShare(p), true);
      assert.equal(await store.commitPendingShare(keyId, sid()), false, 'another run: nothing happens');
      assert.equal(await store.commitPendingShare(keyId, p.sessionId), true);
      const k = await store.getKey(app, keyId);
      assert.equal(k?.version, 2);
      assert.equal(k?.threshold, 3);
      assert.deepEqual(k?.parties, [1, 2, 3, 4]);
      assert.deepEqual(k?.sealedShare, share(2));
      assert.equal(await store.countPresignatures(keyId, '1,2,3'), 0);
      assert.equal(await store.recordOtSession(keyId, 2, 'ot-1'), true, 'OT session ids of the old epoch are gone');
      assert.deepEqual(await store.listBans(keyId), []);
      assert.equal(await store.getPendingShare(keyId), undefined);
      assert.deepEqual(await store.lifecycleStatus(keyId, p.sessionId, { abortIfUnknown: true }), { state: 'committed', digest: p.digest, version: 2 });
      assert.equal(await store.commitPendingShare(keyId, p.sessionId), false, 'idempotent');
      assert.equal(await store.abortLifecycle(keyId, p.sessionId), 'committed', 'a committed run cannot be aborted');
      // A new run can start from version 2.
      assert.equal(await store.insertPendingShare(pending(keyId, { fromVersion: 2, version: 3 })), true);
    });

    it('commit fails (rolled back) when the key is not at the version the run started from', async () => {
      const keyId = await activeKey();
      const p = pending(keyId);
      assert.equal(await store.insertPendingShare(p), true);
      assert.equal(await store.replaceShare(keyId, { expectedVersion: 1, version: 5, sealedShare: share(5) }), true);
      await rejectsCode(store.commitPendingShare(keyId, p.sessionId), 'KEY_STATE_CONFLICT');
      assert.ok(await store.getPendingShare(keyId), 'the pending share is still there');
      assert.equal(await store.countPresignatures(keyId, '1,2,3'), 1, 'presignatures untouched');
      assert.equal((await store.getKey(app, keyId))?.version, 5);
    });

    it('a newcomer inserts the key row at commit; a leaving dealer deletes it', async () => {
      const keyId = uid('key');
      const p = pending(keyId, { operation: 'reshare', action: 'insert', fromVersion: 0, version: 2, parties: [1, 2, 4], participants: [1, 2, 3, 4], protocol: 'honest-majority', scheme: 'ecdsa-secp256k1', publicKey: '02' + 'cd'.repeat(32) });
      assert.equal(await store.insertPendingShare(p), true);
      assert.equal(await store.getKey(app, keyId), undefined, 'no key row before the commit');
      assert.equal(await store.commitPendingShare(keyId, p.sessionId), true);
      const k = await store.getKey(app, keyId);
      assert.equal(k?.status, 'active');
      assert.equal(k?.protocol, 'honest-majority');
      assert.equal(k?.scheme, 'ecdsa-secp256k1');
      assert.equal(k?.publicKey, '02' + 'cd'.repeat(32));
      assert.deepEqual(k?.parties, [1, 2, 4]);
      assert.equal(k?.version, 2);

      const again = pending(keyId, { operation: 'reshare', action: 'insert', fromVersion: 0, version: 3 });
      assert.equal(await store.insertPendingShare(again), true);
      await rejectsCode(store.commitPendingShare(keyId, again.sessionId), 'KEY_STATE_CONFLICT');
      assert.equal(await store.abortLifecycle(keyId, again.sessionId), 'aborted');

      const old = await activeKey();
      const leave = pending(old, { operation: 'reshare', action: 'remove', sealedShare: null, parties: [2, 3, 4], participants: [1, 2, 3, 4] });
      assert.equal(await store.insertPendingShare(leave), true);
      assert.equal((await store.getPendingShare(old))?.sealedShare, null);
      assert.equal(await store.commitPendingShare(old, leave.sessionId), true);
      assert.equal(await store.getKeyById(old), undefined);
      assert.equal(await store.countPresignatures(old, '1,2,3'), 0);
      assert.equal((await store.lifecycleStatus(old, leave.sessionId)).state, 'committed');
    });

    it('abort drops the pending share and records the run; an aborted run cannot be stored again', async () => {
      const keyId = await activeKey();
      const p = pending(keyId);
      assert.equal(await store.insertPendingShare(p), true);
      assert.equal(await store.abortLifecycle(keyId, p.sessionId), 'aborted');
      assert.equal(await store.getPendingShare(keyId), undefined);
      assert.equal((await store.lifecycleStatus(keyId, p.sessionId)).state, 'aborted');
      assert.equal(await store.insertPendingShare(p), false);
      assert.equal(await store.commitPendingShare(keyId, p.sessionId), false);
      assert.equal((await store.getKey(app, keyId))?.version, 1);
      assert.equal(await store.countPresignatures(keyId, '1,2,3'), 1);
    });

    it('asking about an unknown run with abortIfUnknown records it aborted (atomic with storing)', async () => {
      const keyId = await activeKey();
      const p = pending(keyId);
      assert.deepEqual(await store.lifecycleStatus(keyId, p.sessionId, { abortIfUnknown: true }), { state: 'aborted', digest: null, version: null });
      assert.equal(await store.insertPendingShare(p), false, 'a run this node gave up on is never stored');
      // A pending share of another run does not count as this run.
      const q = pending(keyId);
      assert.equal(await store.insertPendingShare(q), true);
      assert.equal((await store.lifecycleStatus(keyId, sid(), { abortIfUnknown: true })).state, 'aborted');
      assert.equal((await store.lifecycleStatus(keyId, q.sessionId, { abortIfUnknown: true })).state, 'pending');
      // Concurrent: storing and asking race; exactly one outcome wins.
      const keyId2 = await activeKey();
      const r = pending(keyId2);
      const [stored, status] = await Promise.all([store.insertPendingShare(r), store.lifecycleStatus(keyId2, r.sessionId, { abortIfUnknown: true })]);
      assert.equal(stored, status.state === 'pending', JSON.stringify({ stored, status }));
    });

    it('validates its arguments', async () => {
      const keyId = uid('key');
      await rejectsCode(store.insertPendingShare(pending(keyId, { sessionId: 'XY' })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { version: 1 })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { action: 'remove' })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { sealedShare: null })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { action: 'insert' })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { parties: [1, 2, 5] })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { threshold: 4 })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { protocol: 'rsa' })), 'INVALID_ARGUMENT');
      await rejectsCode(store.insertPendingShare(pending(keyId, { operation: 'export' as 'refresh' })), 'INVALID_ARGUMENT');
      await rejectsCode(store.commitPendingShare(keyId, 'nothex'), 'INVALID_ARGUMENT');
      await rejectsCode(store.lifecycleStatus('', sid()), 'INVALID_ARGUMENT');
      await rejectsCode(store.listPendingShares(0), 'INVALID_ARGUMENT');
    });
  });
}
