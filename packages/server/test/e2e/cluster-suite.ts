/**
 * The end-to-end cluster suite, run once per store (SQLite, PostgreSQL).
 */
import assert from 'node:assert/strict';
import type { after as afterFn, before as beforeFn, it as itFn } from 'node:test';
import { generateApplicationKey, signRequest, TsmError } from '@opentsm/client';
import { FROST_SCHEMES } from '@opentsm/core';
import { loggedTest, startCluster, type TestCluster } from './harness.js';
import { independentVerify } from './verifiers.js';

const enc = new TextEncoder();

export function runClusterSuite(o: { store: 'sqlite' | 'postgres'; before: typeof beforeFn; after: typeof afterFn; it: typeof itFn }): void {
  const { before, after, it } = o;
  let tc: TestCluster;
  const keyIds: Record<string, string> = {};

  before(async () => {
    tc = await startCluster({ nodes: 3, store: o.store, sessionTimeoutMs: 5000 });
  });
  after(async () => {
    await tc?.stop();
  });
  const test = loggedTest(it, () => tc);

  /** Send a raw signed request to one node. */
  const raw = async (player: number, method: string, path: string, body: string | undefined, tweak?: (h: Record<string, string>) => void, cred = tc.admin) => {
    const s = signRequest(cred, { method, path, ...(body !== undefined ? { body } : {}) });
    const headers: Record<string, string> = { ...s.headers, 'content-type': 'application/json' };
    tweak?.(headers);
    const url = tc.cluster.nodes.find((n) => n.player === player)!.apiUrl + path;
    const r = await fetch(url, { method, headers, ...(body !== undefined ? { body: Buffer.from(s.body) } : {}) });
    return { status: r.status, body: (await r.json()) as { error?: { code: string } } & Record<string, unknown> };
  };

  test('creates a key of every scheme and signs in fan-out and primary mode (independently verified)', async () => {
    const client = tc.client();
    const primary = tc.client({ mode: 'primary', primary: 2 });
    for (const scheme of FROST_SCHEMES) {
      const k = await client.createKey({ scheme, threshold: '2-of-3' });
      keyIds[scheme] = k.keyId;
      assert.equal(k.scheme, scheme);
      assert.deepEqual(k.players, [1, 2, 3]);
      assert.equal(k.publicKey.length, scheme === 'frost-ed25519' || scheme === 'frost-secp256k1-tr' ? 64 : 66);
      const msg = enc.encode(`hello ${scheme}`);
      const s1 = await client.sign({ keyId: k.keyId, message: msg, players: [1, 3] });
      assert.ok(independentVerify(scheme, k.publicKey, msg, s1.signature), `${scheme} fan-out signature verifies`);
      assert.equal(s1.signature.length, scheme === 'frost-ed25519' || scheme === 'frost-secp256k1-tr' ? 128 : 130);
      const s2 = await primary.sign({ keyId: k.keyId, message: msg });
      assert.ok(independentVerify(scheme, k.publicKey, msg, s2.signature), `${scheme} primary signature verifies`);
    }
    const k = await primary.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' });
    const s = await client.sign({ keyId: k.keyId, message: enc.encode('x'), players: [2, 3] });
    assert.ok(independentVerify('frost-ed25519', k.publicKey, enc.encode('x'), s.signature));
    const list = await client.listKeys();
    assert.ok(list.length >= 5);
    assert.equal((await client.getKey(k.keyId)).publicKey, k.publicKey);
  });

  test('the CLI creates, shows, signs and verifies (JSON output)', async () => {
    const c = await tc.cli(['keys', 'create', '--scheme', 'frost-secp256k1', '--threshold', '2-of-3', '--json']);
    assert.equal(c.code, 0, c.stderr);
    const key = JSON.parse(c.stdout) as { keyId: string; scheme: string; threshold: string; players: number[]; publicKey: string };
    assert.deepEqual(Object.keys(key).sort(), ['keyId', 'players', 'protocol', 'publicKey', 'scheme', 'threshold']);
    assert.equal((key as { protocol?: string }).protocol, 'frost');
    const s = await tc.cli(['sign', '--key', key.keyId, '--message', '68656c6c6f', '--players', '1,3', '--json']);
    assert.equal(s.code, 0, s.stderr);
    const sig = JSON.parse(s.stdout) as { keyId: string; signature: string; publicKey: string };
    assert.ok(independentVerify('frost-secp256k1', key.publicKey, enc.encode('hello'), sig.signature));
    const v = await tc.cli(['verify', '--scheme', 'frost-secp256k1', '--public-key', key.publicKey, '--message', '68656c6c6f', '--signature', sig.signature]);
    assert.equal(v.code, 0);
    const bad = sig.signature.slice(0, -2) + (sig.signature.endsWith('00') ? '01' : '00');
    const v2 = await tc.cli(['verify', '--scheme', 'frost-secp256k1', '--public-key', key.publicKey, '--message', '68656c6c6f', '--signature', bad]);
    assert.equal(v2.code, 1);
    const show = await tc.cli(['keys', 'show', key.keyId, '--json']);
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { publicKey: string }).publicKey, key.publicKey);
    const unknown = await tc.cli(['keys', 'show', 'key_00000000000000000000000000000000', '--json']);
    assert.notEqual(unknown.code, 0);
    assert.equal((JSON.parse(unknown.stderr) as { error: { code: string } }).error.code, 'KEY_NOT_FOUND');
  });

  test('refuses bad input with stable 4xx codes and keeps serving', async () => {
    const cases: [string, Awaited<ReturnType<typeof raw>>, number, string][] = [
      ['malformed JSON', await raw(1, 'POST', '/v1/keys', '{"scheme":'), 400, 'BAD_REQUEST'],
      ['missing field', await raw(1, 'POST', '/v1/keys', JSON.stringify({ scheme: 'frost-ed25519' })), 400, 'BAD_REQUEST'],
      ['extra field', await raw(1, 'POST', '/v1/keys', JSON.stringify({ scheme: 'frost-ed25519', threshold: '2-of-3', foo: 1 })), 400, 'BAD_REQUEST'],
      ['unknown scheme', await raw(1, 'POST', '/v1/keys', JSON.stringify({ scheme: 'rsa', threshold: '2-of-3' })), 400, 'BAD_REQUEST'],
      ['k > n', await raw(1, 'POST', '/v1/keys', JSON.stringify({ scheme: 'frost-ed25519', threshold: '3-of-2' })), 400, 'INVALID_THRESHOLD'],
      ['wrong hex', await raw(1, 'POST', `/v1/keys/${keyIds['frost-ed25519']}/sign`, JSON.stringify({ message: 'abc' })), 400, 'BAD_REQUEST'],
      ['unknown key', await raw(1, 'GET', '/v1/keys/key_0123456789abcdef0123456789abcdef', undefined), 404, 'KEY_NOT_FOUND'],
      ['bad signature', await raw(1, 'GET', '/v1/keys', undefined, (h) => (h['x-tsm-signature'] = '00'.repeat(64))), 401, 'UNAUTHENTICATED'],
      ['expired', await raw(1, 'GET', '/v1/keys', undefined, (h) => (h['x-tsm-timestamp'] = String(Date.now() - 10 * 60_000))), 401, 'UNAUTHENTICATED'],
    ];
    for (const [what, r, status, code] of cases) {
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, code, what);
    }
    // Replay: the same signed request twice.
    const s = signRequest(tc.admin, { method: 'GET', path: '/v1/keys' });
    const url = tc.cluster.nodes[0]!.apiUrl + '/v1/keys';
    assert.equal((await fetch(url, { headers: s.headers })).status, 200);
    const again = await fetch(url, { headers: s.headers });
    assert.equal(again.status, 401);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'REPLAYED_REQUEST');
    // Nothing was stored by the refused creations, and the node still serves.
    const before = (await tc.client().listKeys()).length;
    await raw(1, 'POST', '/v1/keys', JSON.stringify({ scheme: 'frost-ed25519', threshold: '2-of-3', foo: 1 }));
    assert.equal((await tc.client().listKeys()).length, before);
  });

  test("another application gets 404 for a key it does not own", async () => {
    const kp = generateApplicationKey('p256');
    const app = await tc.client().createApplication({ name: 'tenant-b', publicKey: kp.publicKey, algorithm: 'p256', role: 'app' });
    const cred = { applicationId: app.applicationId, algorithm: 'p256' as const, privateKey: kp.privateKey, publicKey: kp.publicKey };
    const other = tc.client({ credentials: cred });
    await assert.rejects(other.getKey(keyIds['frost-ed25519']!), (e: unknown) => e instanceof TsmError && e.code === 'KEY_NOT_FOUND');
    await assert.rejects(other.sign({ keyId: keyIds['frost-ed25519']!, message: enc.encode('x'), players: [1, 2] }), (e: unknown) => e instanceof TsmError && e.code === 'KEY_NOT_FOUND');
    assert.equal((await other.listKeys()).length, 0);
    const own = await other.createKey({ scheme: 'frost-p256', threshold: '2-of-3' });
    const sig = await other.sign({ keyId: own.keyId, message: enc.encode('tenant'), players: [1, 2] });
    assert.ok(independentVerify('frost-p256', own.publicKey, enc.encode('tenant'), sig.signature));
    const nonAdmin = await raw(1, 'GET', '/v1/applications', undefined, undefined, cred);
    assert.equal(nonAdmin.status, 403);
  });

  test('signs with one node stopped, and reports quorum unavailable with two stopped', async () => {
    const keyId = keyIds['frost-ed25519']!;
    const k = await tc.client().getKey(keyId);
    await tc.kill(3);
    const msg = enc.encode('one node down');
    const s = await tc.client({ timeoutMs: 10_000 }).sign({ keyId, message: msg, players: [1, 2] });
    assert.ok(independentVerify('frost-ed25519', k.publicKey, msg, s.signature));
    await tc.kill(2);
    const t0 = Date.now();
    await assert.rejects(tc.client({ timeoutMs: 10_000 }).sign({ keyId, message: msg, players: [1, 2] }), (e: unknown) => e instanceof TsmError && ['QUORUM_UNAVAILABLE'].includes(e.code));
    await assert.rejects(tc.client({ timeoutMs: 10_000 }).sign({ keyId, message: msg }), (e: unknown) => e instanceof TsmError && e.code === 'QUORUM_UNAVAILABLE');
    assert.ok(Date.now() - t0 < 25_000, 'fails within the timeout');
    tc.start(2);
    tc.start(3);
    await tc.waitReady();
  });

  /** The active keys each node lists, queried node by node. */
  const perNodeKeys = async (): Promise<Map<number, Set<string>>> => {
    const m = new Map<number, Set<string>>();
    for (const n of tc.cluster.nodes) {
      const r = await raw(n.player, 'GET', '/v1/keys?limit=1000', undefined);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      m.set(n.player, new Set((r.body.keys as { keyId: string }[]).map((k) => k.keyId)));
    }
    return m;
  };

  test('a node killed (-9) during key generation: the key is created everywhere or usable nowhere; earlier keys still sign', async () => {
    const client = tc.client({ timeoutMs: 15_000 });
    const before = await perNodeKeys();
    const attempt = client.createKey({ scheme: 'frost-secp256k1', threshold: '2-of-3' }).then(
      (k) => ({ ok: true as const, k }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 40)));
    await tc.kill(3, 'SIGKILL');
    const res = await attempt;
    tc.start(3);
    await tc.waitReady();
    // After the restart, pending keys are resolved (activated or failed) by asking the peers.
    let added: Set<string>[] = [];
    for (let i = 0; i < 100; i++) {
      const now = await perNodeKeys();
      added = [...now.entries()].map(([p, ids]) => new Set([...ids].filter((id) => !before.get(p)!.has(id))));
      if (added.every((a) => a.size === added[0]!.size && [...a].every((id) => added[0]!.has(id)))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const sets = added.map((a) => [...a].sort().join(','));
    assert.equal(new Set(sets).size, 1, `every node lists the same new keys: ${JSON.stringify(sets)}`);
    if (res.ok) assert.deepEqual([...added[0]!], [res.k.keyId], 'a key reported as created exists on every node');
    else assert.ok(res.e instanceof TsmError, String(res.e));
    for (const keyId of added[0]!) {
      const info = await client.getKey(keyId);
      for (const players of [[1, 3], [2, 3], [1, 2]]) {
        const m = enc.encode(`after crash ${players.join()}`);
        const s = await client.sign({ keyId, message: m, players });
        assert.ok(independentVerify('frost-secp256k1', info.publicKey, m, s.signature));
      }
    }
    for (const [scheme, keyId] of Object.entries(keyIds)) {
      const info = await client.getKey(keyId);
      const m = enc.encode(`still works ${scheme}`);
      const s = await client.sign({ keyId, message: m, players: [2, 3] });
      assert.ok(independentVerify(scheme, info.publicKey, m, s.signature), scheme);
    }
  });

  test("every node's audit log verifies with tsm audit verify", async () => {
    for (const n of tc.cluster.nodes) {
      const r = await tc.cli(['audit', 'verify', '--config', `${tc.dir}/node-${n.player}.json`, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { ok: boolean; entries: number };
      assert.equal(out.ok, true);
      assert.ok(out.entries >= 5, `node ${n.player} has ${out.entries} audit entries`);
    }
  });

  test('serves health, metrics (no secrets) and the OpenAPI document', async () => {
    const base = tc.cluster.nodes[0]!.apiUrl;
    const h = (await (await fetch(base + '/v1/health')).json()) as { status: string; player: number };
    assert.equal(h.status, 'ok');
    assert.equal(h.player, 1);
    const m = await (await fetch(base + '/metrics')).text();
    assert.match(m, /tsm_sessions_total/);
    assert.doesNotMatch(m, /key_[0-9a-f]{32}/);
    const doc = (await (await fetch(base + '/v1/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/keys/{keyId}/sign']);
    // Feature modules' routes are listed too (collected from the router).
    for (const p of ['/v1/keys/{keyId}/refresh', '/v1/keys/{keyId}/presign', '/v1/keys/{keyId}/backup']) assert.ok(doc.paths[p], p);
  });
}
