/**
 * End-to-end: honest-majority ECDSA in a real 3-node cluster — presignature pool, signing
 * (verified by OpenSSL and noble), fallback to presign-then-sign, quorum rules, derivation,
 * batching of concurrent requests (and a request that differs between nodes, or reaches only
 * some of them, failing alone), pool resync after a follower or leader restart, and a crash
 * test: kill -9 a node while 200 signatures are in flight.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { signRequest, TsmError } from '@opentsm/client';
import { startCluster, type TestCluster } from './harness.js';
import { opensslVerifyEcdsa } from './verifiers.js';

const enc = new TextEncoder();

describe('honest-majority ECDSA in the cluster', () => {
  let tc: TestCluster;
  before(async () => {
    tc = await startCluster({ nodes: 3, sessionTimeoutMs: 5000 });
  });
  after(async () => {
    await tc?.stop();
  });

  /** A node's `tsm_presignatures_total{use="pool"}` (signatures it made from its pool since it started). */
  const pooled = async (player: number): Promise<number> => {
    const m = await (await fetch(`${tc.cluster.nodes[player - 1]!.apiUrl}/metrics`)).text();
    const line = m.split('\n').find((l) => l.startsWith('tsm_presignatures_total{use="pool"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  for (const scheme of ['ecdsa-secp256k1', 'ecdsa-p256'] as const) {
    it(`${scheme}: presign, sign from the pool and with an empty pool; OpenSSL verifies r‖s and DER`, async () => {
      const c = tc.client();
      const key = await c.createKey({ scheme, threshold: '2-of-3', protocol: 'honest-majority' });
      assert.equal(key.protocol, 'honest-majority');
      assert.equal(key.publicKey.length, 66);
      // Empty pool: presign-then-sign.
      const m0 = enc.encode(`fallback ${scheme}`);
      const s0 = await c.sign({ keyId: key.keyId, message: m0 });
      assert.ok(opensslVerifyEcdsa(scheme, key.publicKey, m0, s0.signature, s0.der));
      const filled = await c.presign({ keyId: key.keyId, count: 5 });
      assert.ok(filled.pool >= 5);
      const before = Math.min(...(await c.presignaturePool(key.keyId)).map((p) => p.pool));
      const pooledBefore = await Promise.all([1, 2, 3].map(pooled));
      const m1 = enc.encode(`pooled ${scheme}`);
      const s1 = await c.sign({ keyId: key.keyId, message: m1 });
      assert.ok(opensslVerifyEcdsa(scheme, key.publicKey, m1, s1.signature, s1.der));
      assert.ok(s1.recoveryId === 0 || s1.recoveryId === 1);
      if (scheme === 'ecdsa-secp256k1') {
        const sig = secp256k1.Signature.fromBytes(Buffer.from(s1.signature, 'hex'), 'compact').addRecoveryBit(s1.recoveryId);
        const { sha256 } = await import('@noble/hashes/sha2.js');
        assert.equal(Buffer.from(sig.recoverPublicKey(sha256(m1)).toBytes(true)).toString('hex'), key.publicKey);
      }
      const after = await c.presignaturePool(key.keyId);
      assert.deepEqual(after.map((p) => p.player), [1, 2, 3], 'every node reports its pool level');
      assert.ok(before >= 5);
      const pooledAfter = await Promise.all([1, 2, 3].map(pooled));
      assert.deepEqual(pooledAfter.map((n, i) => n - pooledBefore[i]!), [1, 1, 1], 'every node signed from its pool (no presign-then-sign fallback)');
      const show = await tc.cli(['keys', 'show', key.keyId, '--json']);
      assert.equal(show.code, 0, show.stderr);
      const shown = JSON.parse(show.stdout) as { protocol: string; presignatures: Record<string, number> };
      assert.equal(shown.protocol, 'honest-majority');
      assert.equal(Object.keys(shown.presignatures).length, 3);
    });
  }

  it('refuses a signer set of size ≠ 2k−1 and reports quorum unavailable with one node down', async () => {
    const c = tc.client({ timeoutMs: 10_000 });
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority' });
    assert.equal(key.protocol, 'honest-majority');
    await assert.rejects(c.sign({ keyId: key.keyId, message: enc.encode('x'), players: [1, 2] }), (e: unknown) => e instanceof TsmError && e.code === 'INVALID_ARGUMENT');
    // The SDK refuses that before sending; the node enforces the rule on its own (raw request).
    const raw = signRequest(tc.admin, { method: 'POST', path: `/v1/keys/${key.keyId}/sign`, body: JSON.stringify({ message: '00', players: [1, 2] }) });
    const refused = await fetch(`${tc.cluster.nodes[0]!.apiUrl}/v1/keys/${key.keyId}/sign`, { method: 'POST', headers: { ...raw.headers, 'content-type': 'application/json' }, body: Buffer.from(raw.body) });
    assert.equal(refused.status, 400);
    const err = ((await refused.json()) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'INVALID_PLAYERS');
    assert.match(err.message, /exactly 3 players \(2k−1\), got 2/);
    const bad = await tc.cli(['keys', 'create', '--scheme', 'ecdsa-secp256k1', '--threshold', '3-of-3', '--protocol', 'honest-majority', '--json']);
    assert.notEqual(bad.code, 0);
    assert.equal((JSON.parse(bad.stderr) as { error: { code: string } }).error.code, 'INVALID_THRESHOLD');
    await tc.kill(3);
    await assert.rejects(c.sign({ keyId: key.keyId, message: enc.encode('down') }), (e: unknown) => e instanceof TsmError && e.code === 'QUORUM_UNAVAILABLE');
    tc.start(3);
    await tc.waitReady();
  });

  it('signs with a derivation path under the derived key (raw API)', async () => {
    const c = tc.client();
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority' });
    const m = enc.encode('derived');
    const body = JSON.stringify({ message: Buffer.from(m).toString('hex'), players: [1, 2, 3], path: 'm/0/7' });
    const signed = signRequest(tc.admin, { method: 'POST', path: `/v1/keys/${key.keyId}/sign`, body });
    const answers = await Promise.all(
      tc.cluster.nodes.map(async (n) => {
        const r = await fetch(`${n.apiUrl}/v1/keys/${key.keyId}/sign`, { method: 'POST', headers: { ...signed.headers, 'content-type': 'application/json' }, body: Buffer.from(signed.body) });
        return (await r.json()) as { signature: string; publicKey: string; der: string };
      }),
    );
    const s = answers[0]!;
    assert.ok(answers.every((a) => a.signature === s.signature));
    assert.notEqual(s.publicKey, key.publicKey);
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', s.publicKey, m, s.signature, s.der));
    assert.ok(!opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, m, s.signature));
    const hardened = signRequest(tc.admin, { method: 'POST', path: `/v1/keys/${key.keyId}/sign`, body: JSON.stringify({ message: '00', players: [1, 2, 3], path: "m/0'" }) });
    const r = await fetch(`${tc.cluster.nodes[0]!.apiUrl}/v1/keys/${key.keyId}/sign`, { method: 'POST', headers: { ...hardened.headers, 'content-type': 'application/json' }, body: Buffer.from(hardened.body) });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'INVALID_DERIVATION_PATH');
  });

  /** POST the same signed request (or one per node) to the given nodes; resolves to each node's status and JSON body. */
  const rawSign = async (keyId: string, bodies: Record<number, string>, requestId: string) =>
    Promise.all(
      Object.entries(bodies).map(async ([player, body]) => {
        const signed = signRequest(tc.admin, { method: 'POST', path: `/v1/keys/${keyId}/sign`, body, requestId });
        const r = await fetch(`${tc.cluster.nodes[Number(player) - 1]!.apiUrl}/v1/keys/${keyId}/sign`, {
          method: 'POST',
          headers: { ...signed.headers, 'content-type': 'application/json' },
          body: Buffer.from(signed.body),
        });
        return { player: Number(player), status: r.status, json: (await r.json()) as { signature?: string; der?: string; error?: { code: string; message: string } } };
      }),
    );

  it('concurrent requests of one key are signed in batches: every signature verifies, nonces are distinct, the audit names the batch', async () => {
    const c = tc.client({ timeoutMs: 15_000 });
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority' });
    await c.presign({ keyId: key.keyId, count: 40 });
    const batchMetric = async (): Promise<{ sum: number; count: number }> => {
      const m = await (await fetch(`${tc.cluster.nodes[0]!.apiUrl}/metrics`)).text();
      const v = (name: string) => Number(m.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ').pop() ?? 0);
      return { sum: v('tsm_sign_batch_items_sum'), count: v('tsm_sign_batch_items_count') };
    };
    const m0 = await batchMetric();
    const messages = Array.from({ length: 30 }, (_, i) => enc.encode(`batched ${i}`));
    const sigs = await Promise.all(messages.map((message, i) => c.sign({ keyId: key.keyId, message, ...(i % 3 === 0 ? { path: `m/${i}` } : {}) })));
    sigs.forEach((s, i) => assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', s.publicKey, messages[i]!, s.signature, s.der), `signature ${i}`));
    assert.equal(new Set(sigs.map((s) => s.signature.slice(0, 64))).size, sigs.length, 'distinct nonces');
    const m1 = await batchMetric();
    assert.equal(m1.sum - m0.sum, 30, 'the leader signed 30 items (tsm_sign_batch_items_sum)');
    assert.ok(m1.count - m0.count < 30, `in ${m1.count - m0.count} batches (tsm_sign_batch_items_count)`);
    for (const n of tc.cluster.nodes) {
      const db = new Database(join(tc.dir, `node-${n.player}.db`), { readonly: true });
      const rows = db.prepare(`SELECT detail FROM audit_log WHERE action = 'key.sign' AND key_id = ? AND result = 'ok'`).all(key.keyId) as { detail: string }[];
      db.close();
      assert.equal(rows.length, 30, `node ${n.player}: one audit entry per signature`);
      const batches = new Set(rows.map((r) => (JSON.parse(r.detail) as { batch: string }).batch));
      assert.ok(batches.size < 30, `node ${n.player}: 30 concurrent requests were signed in ${batches.size} batches`);
    }
  });

  it('a request whose message differs between nodes fails on every node with REQUEST_MISMATCH; one that reaches only some nodes fails with QUORUM_UNAVAILABLE', async () => {
    const c = tc.client({ timeoutMs: 15_000 });
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority' });
    await c.presign({ keyId: key.keyId, count: 64 }); // above the default target: no background refill during the test
    const body = (m: string) => JSON.stringify({ message: Buffer.from(m).toString('hex') });
    const leaderPool = async () => (await c.presignaturePool(key.keyId)).find((l) => l.player === 1)!.pool;
    const split = await rawSign(key.keyId, { 1: body('pay alice'), 2: body('pay alice'), 3: body('pay mallory') }, `split-${Date.now()}`);
    for (const a of split) {
      assert.equal(a.status, 409, `node ${a.player}`);
      assert.equal(a.json.error?.code, 'REQUEST_MISMATCH');
      assert.equal(a.json.signature, undefined);
    }
    const level = await leaderPool();
    const partial = await rawSign(key.keyId, { 1: body('only two'), 2: body('only two') }, `partial-${Date.now()}`);
    for (const a of partial) {
      assert.equal(a.status, 503, `node ${a.player}`);
      assert.equal(a.json.error?.code, 'QUORUM_UNAVAILABLE');
      assert.match(a.json.error?.message ?? '', /did not receive this request/);
    }
    assert.equal(level - (await leaderPool()), 1, 'the retries of a request one player never got burn one pooled presignature, not one per proposal');
    // The key still signs, from its pool.
    const before = await pooled(1);
    const m = enc.encode('after the refused ones');
    const s = await c.sign({ keyId: key.keyId, message: m });
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, m, s.signature, s.der));
    assert.ok((await pooled(1)) > before, 'signed from the pool');
  });

  /** Sign one at a time until the leader (player 1) signs from its pool again; returns how many it took. */
  const signsUntilPooled = async (keyId: string, publicKey: string, max: number, tag: string): Promise<number> => {
    const c = tc.client({ timeoutMs: 15_000 });
    for (let i = 1; i <= max; i++) {
      const before = await pooled(1);
      const message = enc.encode(`${tag} ${i}`);
      const s = await c.sign({ keyId, message });
      assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', publicKey, message, s.signature, s.der));
      if ((await pooled(1)) > before) return i;
      await new Promise((r) => setTimeout(r, 300)); // let the background refill run
    }
    return Infinity;
  };

  it('pools resync after a follower restart: signing from the pool resumes within a bounded number of signatures', async (t) => {
    const c = tc.client();
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority' });
    await c.presign({ keyId: key.keyId, count: 32 });
    assert.equal(await signsUntilPooled(key.keyId, key.publicKey, 3, 'warm'), 1, 'a full pool signs from the pool');
    // Player 3 (a follower of the set 1,2,3) loses its pool: the leader's ids are useless until resynced.
    await tc.restart(3);
    const n = await signsUntilPooled(key.keyId, key.publicKey, 20, 'after follower restart');
    t.diagnostic(`pool signing resumed at signature ${n} after a follower restart`);
    assert.ok(n <= 20, `signing from the pool resumed after a follower restart (took ${n} signatures)`);
    // And it keeps signing from the pool.
    assert.equal(await signsUntilPooled(key.keyId, key.publicKey, 3, 'steady'), 1);
  });

  it('pools resync after a leader restart: the followers join its refill and signing from the pool resumes', async (t) => {
    const c = tc.client();
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority' });
    await c.presign({ keyId: key.keyId, count: 32 });
    // Player 1 leads the set 1,2,3; the followers keep their full pools (≥ target) over its restart.
    await tc.restart(1);
    const started = Date.now();
    const n = await signsUntilPooled(key.keyId, key.publicKey, 10, 'after leader restart');
    t.diagnostic(`pool signing resumed at signature ${n}, ${Date.now() - started} ms after a leader restart`);
    assert.ok(n <= 10, `signing from the pool resumed after a leader restart (took ${n} signatures)`);
    // The followers did not leave the leader waiting for a session timeout (5 s per refused batch).
    assert.ok(Date.now() - started < 15_000, `resync took ${Date.now() - started} ms`);
    const levels = await c.presignaturePool(key.keyId);
    const cap = 32 + 16; // default target + batch
    for (const l of levels) assert.ok(l.pool <= cap, `player ${l.player} holds ${l.pool} ≤ ${cap} presignatures`);
  });

  it('kill -9 of a node while 200 signatures are in flight: every returned signature verifies, no nonce is ever used twice', async () => {
    const c = tc.client({ timeoutMs: 15_000 });
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority' });
    await c.presign({ keyId: key.keyId, count: 64 });
    const results: { message: Uint8Array; signature: string; der?: string }[] = [];
    const failures: unknown[] = [];
    const jobs = Array.from({ length: 200 }, async (_, i) => {
      const message = enc.encode(`in flight ${i}`);
      try {
        const s = await c.sign({ keyId: key.keyId, message });
        results.push({ message, signature: s.signature, ...(s.der ? { der: s.der } : {}) });
      } catch (e) {
        failures.push(e);
      }
    });
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 300)));
    await tc.kill(2, 'SIGKILL');
    await Promise.all(jobs);
    tc.start(2);
    await tc.waitReady();
    // After the restart the key still signs.
    for (let i = 0; i < 5; i++) {
      const message = enc.encode(`after restart ${i}`);
      const s = await c.sign({ keyId: key.keyId, message });
      results.push({ message, signature: s.signature });
    }
    for (const r of results) assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, r.message, r.signature, r.der));
    const rs = results.map((r) => r.signature.slice(0, 64));
    assert.equal(new Set(rs).size, rs.length, 'no two signatures share a nonce (r)');
    assert.equal(results.length + failures.length, 205, 'every request answered: a signature or an error');
    for (const e of failures) assert.ok(e instanceof TsmError, `a failure is a typed SDK error, not a crash: ${String(e)}`);
  });
});
