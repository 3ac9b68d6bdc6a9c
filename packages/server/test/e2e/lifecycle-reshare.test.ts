/**
 * Reshare in a real 5-node cluster (SQLite): 2-of-3 on players 1,2,3 → 3-of-5 on 1..5 → 2-of-3 on
 * 3,4,5 with the public key unchanged, signatures verified after each step (independent
 * verifiers), the removed nodes unable to sign; fan-out and primary mode (a newcomer and a leaving
 * dealer as primary); the honest-majority n' ≥ 2k'−1 rule; the CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HDKey } from '@scure/bip32';
import { TsmError, type TsmClient } from '@opentsm/client';
import { startCluster, type TestCluster, loggedTest } from './harness.js';
import { enc, keyRow, raw, settled, withDb } from './lifecycle-helpers.js';
import { independentVerify } from './verifiers.js';

const ALL = [1, 2, 3, 4, 5];

describe('reshare in a 5-node cluster (SQLite)', () => {
  let tc: TestCluster;
  before(async () => {
    tc = await startCluster({ nodes: 5, store: 'sqlite', sessionTimeoutMs: 15000, presignPool: { target: 8, low: 4, batch: 8 } });
  });
  after(async () => {
    await tc?.stop();
  });
  const test = loggedTest(it, () => tc);

  /** Every quorum of `k` among `players` that we try (all of them for small sets). */
  const quorums = (players: number[], k: number): number[][] => {
    const out: number[][] = [];
    const rec = (start: number, acc: number[]) => {
      if (acc.length === k) return void out.push([...acc]);
      for (let i = start; i < players.length; i++) rec(i + 1, [...acc, players[i]!]);
    };
    rec(0, []);
    return out;
  };

  const signEvery = async (client: TsmClient, scheme: string, keyId: string, publicKey: string, players: number[], k: number, max = 4) => {
    for (const q of quorums(players, k).slice(0, max)) {
      const m = enc.encode(`${scheme} ${q.join()}`);
      const s = await client.sign({ keyId, message: m, players: q });
      assert.equal(s.publicKey, publicKey);
      assert.ok(independentVerify(scheme, publicKey, m, s.signature), `${scheme} signers ${q.join()}`);
    }
  };

  const checkRows = async (keyId: string, k: number, players: number[], version: number) => {
    const rows = await settled(tc, keyId, ALL);
    for (const p of ALL) {
      const row = rows.get(p);
      if (players.includes(p)) {
        assert.equal(row?.status, 'active', `node ${p} holds the key`);
        assert.equal(row?.version, version, `node ${p} version`);
        assert.equal(row?.threshold, k);
        assert.deepEqual(row?.parties, players);
      } else assert.equal(row, undefined, `node ${p} holds nothing`);
    }
  };

  const removedCannotSign = async (client: TsmClient, keyId: string, removed: number[], remaining: number[]) => {
    for (const p of removed) {
      const r = await raw(tc, p, 'POST', `/v1/keys/${keyId}/sign`, { message: 'abcd', players: [p, remaining[0]!] });
      assert.equal(r.status, 404, `removed node ${p}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, 'KEY_NOT_FOUND');
    }
    await assert.rejects(client.sign({ keyId, message: 'abcd', players: [removed[0]!, remaining[0]!] }), (e: unknown) => e instanceof TsmError && e.code === 'INVALID_ARGUMENT');
  };

  test('frost-ed25519 (fan-out): 2-of-3 on 1,2,3 → 3-of-5 on 1..5 → 2-of-3 on 3,4,5', async () => {
    const client = tc.client();
    const key = await client.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3', players: [1, 2, 3] });
    await signEvery(client, 'frost-ed25519', key.keyId, key.publicKey, [1, 2, 3], 2);
    const a = await client.reshareKey(key.keyId, { threshold: '3-of-5', players: ALL });
    assert.deepEqual([a.publicKey, a.threshold, a.players, a.epoch], [key.publicKey, '3-of-5', ALL, 1]);
    await checkRows(key.keyId, 3, ALL, 2);
    assert.deepEqual((await client.getKey(key.keyId)).players, ALL);
    await signEvery(client, 'frost-ed25519', key.keyId, key.publicKey, ALL, 3, 5);
    await signEvery(client, 'frost-ed25519', key.keyId, key.publicKey, [3, 4, 5], 3);
    const b = await client.reshareKey(key.keyId, { threshold: '2-of-3', players: [3, 4, 5] });
    assert.deepEqual([b.publicKey, b.threshold, b.players, b.epoch], [key.publicKey, '2-of-3', [3, 4, 5], 2]);
    await checkRows(key.keyId, 2, [3, 4, 5], 3);
    await signEvery(client, 'frost-ed25519', key.keyId, key.publicKey, [3, 4, 5], 2);
    await removedCannotSign(client, key.keyId, [1, 2], [3, 4, 5]);
    // A fresh client (no cached key) sees the new player set.
    assert.deepEqual((await tc.client().getKey(key.keyId)).players, [3, 4, 5]);
    // And it can grow back to a former player.
    const c = await client.reshareKey(key.keyId, { threshold: '2-of-3', players: [1, 4, 5] });
    assert.equal(c.epoch, 3);
    await checkRows(key.keyId, 2, [1, 4, 5], 4);
    await signEvery(client, 'frost-ed25519', key.keyId, key.publicKey, [1, 4, 5], 2);
  });

  test('frost-secp256k1-tr (primary mode: a newcomer, then a leaving dealer as primary); the same path derives the same child', async () => {
    const client = tc.client();
    const key = await client.createKey({ scheme: 'frost-secp256k1-tr', threshold: '2-of-3', players: [1, 2, 3] });
    const root = HDKey.fromExtendedKey((await client.xpub(key.keyId)).xpub);
    const child = (await client.sign({ keyId: key.keyId, message: enc.encode('child'), path: 'm/3/1' })).publicKey;
    const a = await tc.client({ mode: 'primary', primary: 5 }).reshareKey(key.keyId, { threshold: '3-of-5', players: ALL });
    assert.deepEqual([a.publicKey, a.threshold, a.epoch], [key.publicKey, '3-of-5', 1]);
    await checkRows(key.keyId, 3, ALL, 2);
    await signEvery(client, 'frost-secp256k1-tr', key.keyId, key.publicKey, ALL, 3, 3);
    const b = await tc.client({ mode: 'primary', primary: 1 }).reshareKey(key.keyId, { threshold: '2-of-3', players: [3, 4, 5] });
    assert.deepEqual([b.publicKey, b.threshold, b.players], [key.publicKey, '2-of-3', [3, 4, 5]]);
    await checkRows(key.keyId, 2, [3, 4, 5], 3);
    const fresh = tc.client();
    await signEvery(fresh, 'frost-secp256k1-tr', key.keyId, key.publicKey, [3, 4, 5], 2);
    await removedCannotSign(fresh, key.keyId, [1, 2], [3, 4, 5]);
    assert.equal((await fresh.xpub(key.keyId)).xpub, root.publicExtendedKey, 'the xpub survives the reshares');
    const m = enc.encode('child after reshare');
    const s = await fresh.sign({ keyId: key.keyId, message: m, path: 'm/3/1', players: [4, 5] });
    assert.equal(s.publicKey, child);
    assert.ok(independentVerify('frost-secp256k1-tr', child, m, s.signature));
  });

  test('honest-majority ECDSA keys keep n ≥ 2k−1; DKLs23 keys re-run their OT setup; bad requests', async () => {
    const client = tc.client();
    const hm = await client.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', players: [1, 2, 3], protocol: 'honest-majority' });
    await assert.rejects(client.reshareKey(hm.keyId, { threshold: '3-of-4', players: [1, 2, 3, 4] }), (e: unknown) => e instanceof TsmError && e.code === 'INVALID_THRESHOLD');
    for (const p of ALL) assert.deepEqual(keyRow(tc, p, hm.keyId)?.parties, p <= 3 ? [1, 2, 3] : undefined, `nothing changed on node ${p}`);
    const r = await client.reshareKey(hm.keyId, { threshold: '3-of-5', players: ALL });
    assert.deepEqual([r.publicKey, r.threshold, r.protocol], [hm.publicKey, '3-of-5', 'honest-majority']);
    await checkRows(hm.keyId, 3, ALL, 2);
    const m = enc.encode('ecdsa after reshare');
    const s = await client.sign({ keyId: hm.keyId, message: m });
    assert.equal(s.publicKey, hm.publicKey);
    // Presignatures of the old epoch are deleted by the refresh (every node).
    await client.presign({ keyId: hm.keyId, count: 3 });
    const presigIds = () =>
      new Set(ALL.flatMap((p) => withDb(tc, p, (db) => (db.prepare('SELECT presig_id FROM presignatures WHERE key_id = ?').all(hm.keyId) as { presig_id: string }[]).map((r) => `${p}:${r.presig_id}`))));
    const beforeRefresh = presigIds();
    assert.ok(beforeRefresh.size >= 3 * ALL.length, `presignatures stored: ${beforeRefresh.size}`);
    const back = await client.refreshKey(hm.keyId);
    assert.equal(back.epoch, 2);
    await settled(tc, hm.keyId, ALL);
    const left = [...presigIds()].filter((id) => beforeRefresh.has(id));
    assert.deepEqual(left, [], 'no presignature of the old epoch is left on any node');
    await checkRows(hm.keyId, 3, ALL, 3);
    await client.sign({ keyId: hm.keyId, message: m });

    const dk = await client.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', players: [1, 2, 3], protocol: 'dkls23' });
    // DKLs23: the Shamir refresh / reshare is followed by a fresh pairwise OT setup; the key signs after each.
    const dr = await client.refreshKey(dk.keyId);
    assert.equal(dr.publicKey, dk.publicKey);
    const dm = enc.encode('dkls after refresh');
    assert.equal((await client.sign({ keyId: dk.keyId, message: dm, players: [1, 2] })).publicKey, dk.publicKey);
    const dz = await client.reshareKey(dk.keyId, { threshold: '2-of-3', players: [1, 2, 4] });
    assert.deepEqual(dz.players, [1, 2, 4]);
    const ds = await client.sign({ keyId: dk.keyId, message: dm, players: [2, 4] });
    assert.equal(ds.publicKey, dk.publicKey);

    // Not a player before or after: 404; unknown key: 404.
    const ed = await client.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3', players: [1, 2, 3] });
    const r5 = await raw(tc, 5, 'POST', `/v1/keys/${ed.keyId}/reshare`, { threshold: '2-of-3', players: [1, 2, 3] });
    assert.equal(r5.status, 404);
    const bad = await raw(tc, 1, 'POST', `/v1/keys/${ed.keyId}/reshare`, { threshold: '2-of-3', players: [1, 2] });
    assert.equal(bad.body.error?.code, 'INVALID_PLAYERS');
    const extra = await raw(tc, 1, 'POST', `/v1/keys/${ed.keyId}/reshare`, { threshold: '2-of-3', players: [1, 2, 3], dealers: [1] });
    assert.equal(extra.status, 400);
  });

  test('a newcomer or a leaving dealer killed (-9) during a reshare: old or new shares everywhere, never a mix', async () => {
    const client = tc.client({ timeoutMs: 15_000 });
    const key = await client.createKey({ scheme: 'frost-secp256k1', threshold: '2-of-3', players: [1, 2, 3] });
    // The newcomer 4 dies right after storing its pending share: every player holds the new share → committed.
    await tc.restart(4, { NODE_ENV: 'test', OPENTSM_TEST_CRASH_AT: 'pending-stored' });
    await client.reshareKey(key.keyId, { threshold: '2-of-3', players: [1, 2, 4] }).catch(() => undefined);
    await tc.restart(4);
    await checkRows(key.keyId, 2, [1, 2, 4], 2);
    await signEvery(tc.client(), 'frost-secp256k1', key.keyId, key.publicKey, [1, 2, 4], 2);
    // The leaving dealer 4 dies right after its protocol run, before storing anything: nobody can commit → old shares.
    await tc.restart(4, { NODE_ENV: 'test', OPENTSM_TEST_CRASH_AT: 'session-done' });
    await tc.client({ timeoutMs: 15_000 }).reshareKey(key.keyId, { threshold: '2-of-3', players: [1, 2, 5] }).catch(() => undefined);
    await tc.restart(4);
    await checkRows(key.keyId, 2, [1, 2, 4], 2);
    await signEvery(tc.client(), 'frost-secp256k1', key.keyId, key.publicKey, [1, 2, 4], 2);
    // Without a crash the same change goes through.
    const r = await tc.client().reshareKey(key.keyId, { threshold: '2-of-3', players: [1, 2, 5] });
    assert.equal(r.publicKey, key.publicKey);
    await checkRows(key.keyId, 2, [1, 2, 5], 3);
    await signEvery(tc.client(), 'frost-secp256k1', key.keyId, key.publicKey, [1, 2, 5], 2);
  });

  test('the CLI: tsm keys reshare ID --threshold 3-of-5 --players 1,2,3,4,5', async () => {
    const client = tc.client();
    const key = await client.createKey({ scheme: 'frost-p256', threshold: '2-of-3', players: [1, 2, 3] });
    const r = await tc.cli(['keys', 'reshare', key.keyId, '--threshold', '3-of-5', '--players', '1,2,3,4,5', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { publicKey: string; threshold: string; players: number[]; epoch: number };
    assert.deepEqual([out.publicKey, out.threshold, out.players, out.epoch], [key.publicKey, '3-of-5', ALL, 1]);
    await checkRows(key.keyId, 3, ALL, 2);
    await signEvery(tc.client(), 'frost-p256', key.keyId, key.publicKey, ALL, 3, 2);
  });
});
