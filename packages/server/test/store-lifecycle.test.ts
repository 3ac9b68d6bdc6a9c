/**
 * The refresh / reshare two-phase-commit methods of the ShareStore (migration 3), on SQLite and
 * PostgreSQL. PostgreSQL: see src/store/testing.ts (fails when unreachable unless OPENTSM_SKIP_PG=1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Reader, toHex, Writer, type PublicKeyPackage } from '@opentsm/core';
import { encodePackage, PackageInbox, type TransferredPackage } from '../src/node/lifecycle/package.js';
import { LifecycleRecovery } from '../src/node/lifecycle/recovery.js';
import { ChannelMux, type PeerChannel } from '../src/node/peer-channel.js';
import { assertReachable, testBackends, type TestStore } from '../src/store/testing.js';
import type { LifecycleState, NewPendingShare, ShareStore } from '../src/store/types.js';

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

    it('stale aborted records of keys this node holds nothing of are pruned; every other outcome stays', async () => {
      const unknownKey = uid('key');
      const unknownRun = sid();
      const recordedAt = Date.now();
      assert.equal((await store.lifecycleStatus(unknownKey, unknownRun, { abortIfUnknown: true })).state, 'aborted');
      const held = await activeKey();
      const heldRun = sid();
      assert.equal((await store.lifecycleStatus(held, heldRun, { abortIfUnknown: true })).state, 'aborted');
      const pendingKey = uid('key');
      await store.insertPendingKey({ keyId: pendingKey, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3] });
      const pendingKeyRun = sid();
      assert.equal((await store.lifecycleStatus(pendingKey, pendingKeyRun, { abortIfUnknown: true })).state, 'aborted');
      const committed = await activeKey();
      const c = pending(committed);
      assert.equal(await store.insertPendingShare(c), true);
      assert.equal(await store.commitPendingShare(committed, c.sessionId), true);
      // Too recent: nothing pruned.
      assert.equal(await store.purgeStaleLifecycleOutcomes(recordedAt - 60_000), 0);
      // Old enough: only the unknown key's aborted record goes.
      const later = Date.now() + 1000;
      const before = await store.purgeStaleLifecycleOutcomes(later);
      assert.ok(before >= 1, `pruned ${before}`);
      assert.equal((await store.lifecycleStatus(unknownKey, unknownRun)).state, 'unknown');
      assert.equal((await store.lifecycleStatus(held, heldRun)).state, 'aborted', 'a key this node holds keeps its records');
      assert.equal((await store.lifecycleStatus(pendingKey, pendingKeyRun)).state, 'aborted', 'so does a key row in any status');
      assert.equal((await store.lifecycleStatus(committed, c.sessionId)).state, 'committed', 'committed outcomes are never pruned');
      await assert.rejects(store.purgeStaleLifecycleOutcomes(-1));
    });

    describe('status questions of peers (LifecycleRecovery, node 1, fake peer channel)', () => {
      const STATES: LifecycleState[] = ['committed', 'aborted', 'pending', 'unknown'];
      let deliver: (from: number, channel: string, payload: Uint8Array) => void = () => undefined;
      const sent: { to: number; channel: string; payload: Uint8Array }[] = [];
      const peer: PeerChannel = {
        send: (to, channel, payload) => void sent.push({ to, channel, payload }),
        isConnected: () => true,
        onMessage: (h) => {
          deliver = h;
        },
      };
      let nextQ = 1;
      /** Peer `from` asks node 1 about (keyId, sessionId), showing `digest`; resolves with node 1's answer. */
      const ask = async (from: number, keyId: string, sessionId: string, digest = ''): Promise<{ state: LifecycleState; digest: string; version: number }> => {
        const id = nextQ++;
        const enc = new TextEncoder();
        deliver(from, 'rpc:lifecycle:status:req', new Writer().u32(id).bytes(enc.encode(keyId)).fixed(Buffer.from(sessionId, 'hex')).bytes(enc.encode(digest)).finish());
        for (let i = 0; i < 200; i++) {
          const at = sent.findIndex((m) => m.to === from && m.channel === 'rpc:lifecycle:status:res' && new Reader(m.payload).u32() === id);
          if (at >= 0) {
            const r = new Reader(sent.splice(at, 1)[0]!.payload);
            r.u32();
            return { state: STATES[r.u8()]!, digest: new TextDecoder().decode(r.bytes(128)), version: r.u32() };
          }
          await new Promise((res) => setTimeout(res, 5));
        }
        throw new Error('no answer');
      };
      const keyHex = (): string => 'key_' + toHex(crypto.getRandomValues(new Uint8Array(16)));
      before(() => {
        new LifecycleRecovery({
          self: 1,
          mux: new ChannelMux(peer),
          store,
          log: { info: () => undefined, warn: () => undefined },
          onCommitted: async () => undefined,
          onAborted: async () => undefined,
          onPackage: () => undefined,
        });
      });
      const keyWithParties = async (parties: number[]): Promise<string> => {
        const keyId = keyHex();
        await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties });
        await store.activateKey(keyId, { publicKey: 'cd'.repeat(32), sealedShare: share(1), version: 1 });
        return keyId;
      };

      it("a non-participant's question writes nothing and gets 'unknown'", async () => {
        const keyId = await keyWithParties([1, 2, 3]);
        const s = sid();
        assert.equal((await ask(9, keyId, s)).state, 'unknown', 'key row, run not staged yet');
        assert.equal((await store.lifecycleStatus(keyId, s)).state, 'unknown', 'nothing recorded');
        const p = pending(keyId, { sessionId: s });
        assert.equal(await store.insertPendingShare(p), true, 'the run can still be staged');
        const a = await ask(9, keyId, s, p.digest);
        assert.deepEqual([a.state, a.digest, a.version], ['unknown', '', 0], 'a pending run is not shown to a non-participant');
        assert.equal((await ask(9, keyId, sid())).state, 'unknown', 'another run of the key, with a pending share here');
        assert.equal((await store.getPendingShare(keyId))?.sessionId, s, 'the pending share is untouched');
        // A participant learns the pending run, with its digest and version.
        const b = await ask(2, keyId, s, p.digest);
        assert.deepEqual([b.state, b.digest, b.version], ['pending', p.digest, 2]);
        // A newcomer of the pending run (not in the key's parties) is a participant too.
        const keyId2 = await keyWithParties([1, 2, 3]);
        const p2 = pending(keyId2, { operation: 'reshare', participants: [1, 2, 3, 4], parties: [1, 2, 4] });
        assert.equal(await store.insertPendingShare(p2), true);
        assert.equal((await ask(4, keyId2, p2.sessionId, p2.digest)).state, 'pending');
        assert.equal((await ask(5, keyId2, p2.sessionId, p2.digest)).state, 'unknown');
      });

      it("a player of the key asking about a run unknown here records it 'aborted'; so does anyone when the node has nothing about the key", async () => {
        const keyId = await keyWithParties([1, 2, 3]);
        const s = sid();
        assert.equal((await ask(3, keyId, s)).state, 'aborted');
        assert.equal(await store.insertPendingShare(pending(keyId, { sessionId: s })), false, 'recorded: never staged afterwards');
        // A newcomer's view: no key row, no pending share (the only case any peer's question may write).
        const fresh = keyHex();
        const s2 = sid();
        assert.equal((await ask(9, fresh, s2)).state, 'aborted');
        assert.equal((await store.lifecycleStatus(fresh, s2)).state, 'aborted');
      });

      it("decided runs: 'aborted' to anyone, 'committed' only with the same digest", async () => {
        // A dealer that left the key (row deleted at commit) asks a player that committed: not in row.parties any more.
        const keyId = await keyWithParties([1, 2, 3]);
        const p = pending(keyId, { operation: 'reshare', parties: [1, 2, 4], participants: [1, 2, 3, 4], threshold: 2 });
        assert.equal(await store.insertPendingShare(p), true);
        assert.equal(await store.commitPendingShare(keyId, p.sessionId), true);
        const c = await ask(3, keyId, p.sessionId, p.digest);
        assert.deepEqual([c.state, c.digest, c.version], ['committed', p.digest, 2]);
        assert.equal((await ask(3, keyId, p.sessionId)).state, 'unknown', 'no digest shown');
        assert.equal((await ask(9, keyId, p.sessionId, 'ab'.repeat(32))).state, 'unknown', 'another digest');
        // A newcomer asks a dealer that gave the run up: it learns 'aborted' (nothing else to learn).
        const keyId2 = await keyWithParties([1, 2, 3]);
        const s = sid();
        assert.equal(await store.abortLifecycle(keyId2, s), 'aborted');
        assert.deepEqual(await ask(4, keyId2, s, 'ee'.repeat(32)), { state: 'aborted', digest: '', version: 0 });
      });
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

describe('PackageInbox (reshare packages for newcomers)', () => {
  const pkgOf = (sessionId: string, version = 3, threshold = 2): TransferredPackage => {
    const p: PublicKeyPackage = {
      scheme: 'frost-ed25519',
      threshold,
      parties: [1, 2, 3],
      groupKey: new Uint8Array(32).fill(1),
      publicKey: new Uint8Array(32).fill(1),
      verifyingShares: { 1: new Uint8Array(32).fill(2), 2: new Uint8Array(32).fill(3), 3: new Uint8Array(32).fill(4) },
      chainCode: new Uint8Array(32).fill(5),
    };
    return { sessionId, keyId: 'key_' + 'ab'.repeat(16), applicationId: 'app_1', protocol: 'frost', version, package: p };
  };
  const accept = (from: number, t: TransferredPackage): boolean => t.package.parties.includes(from);

  it('keeps one package per (session, sender); a flooding sender evicts only its own', async () => {
    const inbox = new PackageInbox(60_000, 4);
    const s = sid();
    inbox.deliver(2, encodePackage(pkgOf(s)));
    inbox.deliver(2, encodePackage(pkgOf(s, 9)));
    inbox.deliver(2, encodePackage(pkgOf(s)));
    assert.equal(inbox.size, 1, 'one per (session, sender)');
    for (let i = 0; i < 100; i++) inbox.deliver(3, encodePackage(pkgOf(sid(), 9)));
    assert.equal(inbox.size, 1 + 4, 'the flood is bounded per sender');
    inbox.deliver(1, encodePackage(pkgOf(s)));
    const got = await inbox.wait(s, accept, 50);
    assert.equal(got?.version, 3, "node 2's package survived the flood; with node 1's it makes k = 2");
  });

  it('needs k identical packages from distinct parties of the key', async () => {
    const inbox = new PackageInbox(60_000);
    const s = sid();
    inbox.deliver(1, encodePackage(pkgOf(s, 9)));
    inbox.deliver(1, encodePackage(pkgOf(s, 3)));
    inbox.deliver(7, encodePackage(pkgOf(s, 3)));
    assert.equal(await inbox.wait(s, accept, 50), undefined, 'one liar, a second package from the same sender and a non-party are not enough');
    const s2 = sid();
    const waiting = inbox.wait(s2, accept, 2000);
    inbox.deliver(1, encodePackage(pkgOf(s2, 9)));
    inbox.deliver(2, encodePackage(pkgOf(s2, 3)));
    inbox.deliver(2, encodePackage(pkgOf(s2, 9)));
    inbox.deliver(3, encodePackage(pkgOf(s2, 3)));
    assert.equal((await waiting)?.version, 3);
  });
});
