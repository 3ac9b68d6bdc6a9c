import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import {
  TsmClient,
  TsmError,
  canonicalRequest,
  generateApplicationKey,
  verifyRequestSignature,
  type ApplicationCredentials,
  type IoMode,
  type KeyInfo,
} from '../src/index.js';
import { error, health, refusedUrl, startFakeNode, type Captured, type FakeNode, type Handler, type Reply } from './fake-node.js';

const APP = 'app_a1b2c3d4e5f6a7b8c9d0e1f2';
const appKey = generateApplicationKey('ed25519');
const credentials: ApplicationCredentials = { applicationId: APP, algorithm: 'ed25519', privateKey: appKey.privateKey };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A real FROST(Ed25519) 2-of-3 signature (noble trusted dealer + commit/signShare/aggregate). */
function frostKey() {
  const deal = ed25519_FROST.trustedDealer({ min: 2, max: 3 });
  const publicKey = hex(deal.public.commitments[0]!);
  const sign = (msg: Uint8Array): string => {
    const ids = Object.keys(deal.secretShares).slice(0, 2);
    const gen = ids.map((id) => ed25519_FROST.commit(deal.secretShares[id]!));
    const commitments = gen.map((g) => g.commitments);
    const shares: Record<string, Uint8Array> = {};
    ids.forEach((id, i) => {
      shares[id] = ed25519_FROST.signShare(deal.secretShares[id]!, deal.public, gen[i]!.nonces, commitments, msg);
    });
    return hex(ed25519_FROST.aggregate(deal.public, commitments, msg, shares));
  };
  return { publicKey, sign };
}

const KEY_ID = 'key_0123456789abcdef';
const MESSAGE = new TextEncoder().encode('pay 1 BTC to Alice');
const frost = frostKey();
const SIGNATURE = frost.sign(MESSAGE);
const KEY: KeyInfo = { keyId: KEY_ID, scheme: 'frost-ed25519', threshold: '2-of-3', players: [1, 2, 3], publicKey: frost.publicKey };

type Routes = Partial<Record<string, (req: Captured, node: FakeNode) => Reply | Promise<Reply>>>;

/** `METHOD /path` routing with a healthy /v1/health by default. */
function router(routes: Routes): Handler {
  return (req, node) => {
    const r = routes[`${req.method} ${req.url}`];
    if (r) return r(req, node);
    if (req.url === '/v1/health') return health(node.player);
    return error(404, 'NOT_FOUND', 'no route');
  };
}

async function cluster(t: TestContext, n: number, routes: (player: number) => Routes): Promise<FakeNode[]> {
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startFakeNode(i + 1, router(routes(i + 1)))));
  t.after(() => Promise.all(nodes.map((x) => x.close())));
  return nodes;
}

function client(nodes: Array<{ player: number; url: string }>, opts: { mode?: IoMode; primary?: number; timeoutMs?: number } = {}) {
  return new TsmClient({ nodes: nodes.map(({ player, url }) => ({ player, url })), credentials, ...opts });
}

/** The fake node's own check of the client's signature (the server does the same with verifyRequest). */
function verifies(req: Captured): boolean {
  const h = (name: string) => req.headers[name] as string;
  const digest = canonicalRequest({
    method: req.method,
    path: req.url,
    body: new Uint8Array(req.body),
    timestamp: Number(h('x-tsm-timestamp')),
    requestId: h('x-tsm-request-id'),
    applicationId: h('x-tsm-app'),
  });
  return h('x-tsm-app') === APP && verifyRequestSignature('ed25519', appKey.publicKey, digest, h('x-tsm-signature'));
}

function authHeaders(req: Captured) {
  const { host: _host, ...rest } = req.headers; // the Host header differs per node by construction
  return Object.fromEntries(Object.entries(rest).filter(([k]) => k.startsWith('x-tsm-') || k === 'content-type' || k === 'content-length'));
}

/** Resolves once `n` calls are waiting: proves requests are in flight at the same time. */
function barrier(n: number) {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return async () => {
    if (++waiting === n) release();
    await all;
  };
}

const isTsm = (code: string, check?: (e: TsmError) => void) => (e: unknown) => {
  assert.ok(e instanceof TsmError, `expected TsmError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  check?.(e);
  return true;
};

void test('fan-out createKey: ONE signed request, identical on every node, sent in parallel', async (t) => {
  const wait = barrier(3);
  const nodes = await cluster(t, 3, () => ({
    'POST /v1/keys': async () => {
      await wait(); // deadlocks (→ timeout) unless all three requests are in flight together
      return { status: 200, body: { ...KEY } };
    },
  }));
  const key = await client(nodes, { timeoutMs: 5000 }).createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' });
  assert.deepEqual(key, KEY);
  const reqs = nodes.map((n) => n.requests.filter((r) => r.url === '/v1/keys'));
  for (const r of reqs) assert.equal(r.length, 1);
  const [a, b, c] = reqs.map((r) => r[0]!);
  assert.deepEqual(authHeaders(b!), authHeaders(a!));
  assert.deepEqual(authHeaders(c!), authHeaders(a!));
  assert.deepEqual(b!.body, a!.body);
  assert.deepEqual(c!.body, a!.body);
  assert.deepEqual(JSON.parse(a!.body.toString()), { scheme: 'frost-ed25519', threshold: '2-of-3', players: [1, 2, 3] });
  assert.equal(a!.headers['content-type'], 'application/json');
  assert.equal(a!.headers['x-tsm-mode'], undefined);
  for (const r of [a!, b!, c!]) assert.ok(verifies(r), 'every node can verify the client signature itself');
});

void test('createKey: nodes that disagree → INCONSISTENT_RESPONSES naming the odd one', async (t) => {
  const nodes = await cluster(t, 3, (p) => ({
    'POST /v1/keys': () => ({ status: 200, body: { ...KEY, publicKey: p === 2 ? frostKey().publicKey : KEY.publicKey } }),
  }));
  await assert.rejects(
    client(nodes).createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }),
    isTsm('INCONSISTENT_RESPONSES', (e) => assert.deepEqual(e.culprits, [2])),
  );
  // An answer that does not match the request (other threshold) is refused as well.
  const other = await cluster(t, 3, () => ({ 'POST /v1/keys': () => ({ status: 200, body: { ...KEY, threshold: '3-of-3' } }) }));
  await assert.rejects(client(other).createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }), isTsm('INVALID_RESPONSE'));
  // A malformed public key (not a curve point) is refused.
  const bad = await cluster(t, 3, () => ({ 'POST /v1/keys': () => ({ status: 200, body: { ...KEY, publicKey: 'ff'.repeat(32) } }) }));
  await assert.rejects(client(bad).createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }), isTsm('INVALID_RESPONSE'));
});

void test('createKey with players: only those nodes are asked', async (t) => {
  const nodes = await cluster(t, 3, () => ({
    'POST /v1/keys': () => ({ status: 200, body: { ...KEY, threshold: '2-of-2', players: [1, 3] } }),
  }));
  const key = await client(nodes).createKey({ scheme: 'frost-ed25519', threshold: '2-of-2', players: [3, 1] });
  assert.deepEqual(key.players, [1, 3]);
  assert.equal(nodes[1]!.requests.length, 0);
  assert.deepEqual(JSON.parse(nodes[0]!.requests[0]!.body.toString()).players, [1, 3]);
  await assert.rejects(client(nodes).createKey({ scheme: 'frost-ed25519', threshold: '2-of-3', players: [1, 3] }), isTsm('INVALID_ARGUMENT'));
  await assert.rejects(client(nodes).createKey({ scheme: 'frost-ed25519', threshold: '2-of-2', players: [1, 9] }), isTsm('INVALID_ARGUMENT'));
});

function signingCluster(sig: (player: number) => string, opts: { slowHealth?: number } = {}): (p: number) => Routes {
  return (p) => ({
    [`GET /v1/keys/${KEY_ID}`]: () => ({ status: 200, body: KEY }),
    [`POST /v1/keys/${KEY_ID}/sign`]: () => ({ status: 200, body: { keyId: KEY_ID, signature: sig(p), publicKey: KEY.publicKey } }),
    'GET /v1/health': async () => {
      if (p === opts.slowHealth) await new Promise((r) => setTimeout(r, 400));
      return health(p);
    },
  });
}

void test('fan-out sign: the first k healthy nodes get the same signed request; the FROST signature is verified', async (t) => {
  const nodes = await cluster(t, 3, signingCluster(() => SIGNATURE, { slowHealth: 3 }));
  const res = await client(nodes).sign({ keyId: KEY_ID, message: MESSAGE });
  assert.deepEqual(res, { keyId: KEY_ID, signature: SIGNATURE, publicKey: KEY.publicKey });
  const signReqs = nodes.map((n) => n.requests.filter((r) => r.url.endsWith('/sign')));
  assert.equal(signReqs[0]!.length, 1);
  assert.equal(signReqs[1]!.length, 1);
  assert.equal(signReqs[2]!.length, 0, 'the slow node is not a signer');
  const [a, b] = [signReqs[0]![0]!, signReqs[1]![0]!];
  assert.deepEqual(authHeaders(a), authHeaders(b));
  assert.deepEqual(a.body, b.body);
  assert.deepEqual(JSON.parse(a.body.toString()), { message: hex(MESSAGE), players: [1, 2] });
  assert.ok(verifies(a) && verifies(b));
  // getKey went to every node (cross-checked answers).
  for (const n of nodes) assert.equal(n.requests.filter((r) => r.url === `/v1/keys/${KEY_ID}`).length, 1);
  // Hex message and explicit signers.
  const res2 = await client(nodes).sign({ keyId: KEY_ID, message: hex(MESSAGE), players: [3, 1], publicKey: KEY.publicKey });
  assert.equal(res2.signature, SIGNATURE);
  assert.equal(nodes[1]!.requests.filter((r) => r.url.endsWith('/sign')).length, 1, 'node 2 not asked the second time');
  assert.deepEqual(JSON.parse(nodes[2]!.requests.find((r) => r.url.endsWith('/sign'))!.body.toString()).players, [1, 3]);
});

void test('sign: a signature that does not verify → INVALID_SIGNATURE; disagreeing nodes → INCONSISTENT_RESPONSES', async (t) => {
  const other = frost.sign(new TextEncoder().encode('another message'));
  const allBad = await cluster(t, 3, signingCluster(() => other));
  await assert.rejects(
    client(allBad).sign({ keyId: KEY_ID, message: MESSAGE }),
    isTsm('INVALID_SIGNATURE', (e) => assert.equal(e.culprits?.length, 2)),
  );
  const oneBad = await cluster(t, 3, signingCluster((p) => (p === 2 ? other : SIGNATURE)));
  await assert.rejects(
    client(oneBad).sign({ keyId: KEY_ID, message: MESSAGE, players: [1, 2] }),
    isTsm('INCONSISTENT_RESPONSES', (e) => assert.deepEqual(e.culprits, [2])),
  );
  // A pinned public key that does not match the cluster's → refused before signing.
  await assert.rejects(
    client(oneBad).sign({ keyId: KEY_ID, message: MESSAGE, publicKey: frostKey().publicKey }),
    isTsm('PUBLIC_KEY_MISMATCH'),
  );
  // Signer sets must be k key players.
  await assert.rejects(client(oneBad).sign({ keyId: KEY_ID, message: MESSAGE, players: [1] }), isTsm('INVALID_ARGUMENT'));
  await assert.rejects(client(oneBad).sign({ keyId: KEY_ID, message: MESSAGE, players: [1, 4] }), isTsm('INVALID_ARGUMENT'));
  await assert.rejects(client(oneBad).sign({ keyId: KEY_ID, message: 'xyz' }), isTsm('INVALID_ARGUMENT'));
});

void test('sign: fewer than k healthy nodes → QUORUM_UNAVAILABLE naming them', async (t) => {
  const nodes = await cluster(t, 3, (p) => ({
    ...signingCluster(() => SIGNATURE)(p),
    'GET /v1/health': () => (p === 1 ? health(1) : { status: 200, body: { status: 'degraded', player: p, version: '0.1.0', peers: {} } }),
  }));
  await assert.rejects(
    client(nodes).sign({ keyId: KEY_ID, message: MESSAGE }),
    isTsm('QUORUM_UNAVAILABLE', (e) => assert.deepEqual(e.nodes, [2, 3])),
  );
  for (const n of nodes) assert.equal(n.requests.filter((r) => r.url.endsWith('/sign')).length, 0);
});

void test('a node that does not answer within timeoutMs → TIMEOUT', async (t) => {
  const nodes = await cluster(t, 3, (p) => ({ 'POST /v1/keys': () => (p === 2 ? 'hang' : { status: 200, body: KEY }) }));
  const started = Date.now();
  await assert.rejects(
    client(nodes, { timeoutMs: 300 }).createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }),
    isTsm('TIMEOUT', (e) => {
      assert.equal(e.node, 2);
      assert.deepEqual(e.nodes, [2]);
    }),
  );
  assert.ok(Date.now() - started < 3000);
});

void test('connection refused → QUORUM_UNAVAILABLE naming the nodes', async (t) => {
  const nodes = await cluster(t, 2, () => ({ 'POST /v1/keys': () => ({ status: 200, body: KEY }) }));
  const endpoints = [...nodes.map((n) => ({ player: n.player, url: n.url })), { player: 3, url: await refusedUrl() }];
  await assert.rejects(
    client(endpoints).createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }),
    isTsm('QUORUM_UNAVAILABLE', (e) => {
      assert.deepEqual(e.nodes, [3]);
      assert.match(e.message, /#3/);
    }),
  );
  // health() reports it as down without throwing.
  const h = await client(endpoints).health();
  assert.deepEqual(h.map((x) => [x.player, x.ok]), [[1, true], [2, true], [3, false]]);
  assert.equal(h[2]!.error?.code, 'QUORUM_UNAVAILABLE');
  assert.equal(h[0]!.health?.version, '0.1.0');
  // getKey tolerates one unreachable node of a 2-of-3 key (2 consistent answers).
  const keyed = await cluster(t, 2, () => ({ [`GET /v1/keys/${KEY_ID}`]: () => ({ status: 200, body: KEY }) }));
  const eps = [...keyed.map((n) => ({ player: n.player, url: n.url })), { player: 3, url: endpoints[2]!.url }];
  assert.deepEqual(await client(eps).getKey(KEY_ID), KEY);
});

void test('primary mode: one node, x-tsm-mode: primary, the result is still verified', async (t) => {
  let signature = SIGNATURE;
  const nodes = await cluster(t, 3, (p) => ({
    ...signingCluster(() => signature)(p),
    'POST /v1/keys': () => ({ status: 200, body: KEY }),
  }));
  const c = client(nodes, { mode: 'primary', primary: 2 });
  assert.deepEqual(await c.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }), KEY);
  const res = await c.sign({ keyId: KEY_ID, message: MESSAGE });
  assert.equal(res.signature, SIGNATURE);
  // The key's description is cached in primary mode too: a second signature costs one request.
  assert.equal((await c.sign({ keyId: KEY_ID, message: MESSAGE })).signature, SIGNATURE);
  assert.equal(nodes[0]!.requests.length + nodes[2]!.requests.length, 0, 'only the primary is contacted');
  const reqs = nodes[1]!.requests;
  assert.deepEqual(reqs.map((r) => `${r.method} ${r.url}`), ['POST /v1/keys', `GET /v1/keys/${KEY_ID}`, `POST /v1/keys/${KEY_ID}/sign`, `POST /v1/keys/${KEY_ID}/sign`]);
  for (const r of reqs) {
    assert.equal(r.headers['x-tsm-mode'], 'primary');
    assert.ok(verifies(r));
  }
  assert.deepEqual(JSON.parse(reqs[0]!.body.toString()), { scheme: 'frost-ed25519', threshold: '2-of-3' });
  assert.deepEqual(JSON.parse(reqs[2]!.body.toString()), { message: hex(MESSAGE) });
  assert.deepEqual(JSON.parse(reqs[3]!.body.toString()), { message: hex(MESSAGE) });
  signature = frost.sign(new TextEncoder().encode('not this'));
  await assert.rejects(c.sign({ keyId: KEY_ID, message: MESSAGE }), isTsm('INVALID_SIGNATURE', (e) => assert.equal(e.node, 2)));
});

void test('server errors map to typed TsmError (code, status, node, culprits)', async (t) => {
  const nodes = await cluster(t, 3, (p) => ({
    [`GET /v1/keys/${KEY_ID}`]: () => error(404, 'KEY_NOT_FOUND', 'no such key'),
    'POST /v1/keys': () =>
      p === 3 ? { status: 502, body: { error: { code: 'PROTOCOL_ABORTED', message: 'bad share\nfrom 2', culprits: [2] } } } : { status: 200, body: KEY },
    'GET /v1/keys': () => (p === 1 ? error(401, 'UNAUTHENTICATED', 'invalid request signature') : { status: 200, body: { keys: [KEY] } }),
    'GET /v1/applications': () => ({ status: 500, body: 'oops, not json' }),
  }));
  const c = client(nodes);
  await assert.rejects(c.getKey(KEY_ID), isTsm('KEY_NOT_FOUND', (e) => assert.equal(e.status, 404)));
  await assert.rejects(
    c.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }),
    isTsm('PROTOCOL_ABORTED', (e) => {
      assert.equal(e.status, 502);
      assert.equal(e.node, 3);
      assert.deepEqual(e.culprits, [2]);
      assert.ok(!e.message.includes('\n'), 'server messages are sanitised to one line');
    }),
  );
  await assert.rejects(c.listKeys(), isTsm('UNAUTHENTICATED', (e) => assert.equal(e.node, 1)));
  await assert.rejects(c.listApplications(), isTsm('INTERNAL', (e) => assert.equal(e.status, 500)));
});

void test('getKey: a player of the key that denies having it → INCONSISTENT_RESPONSES', async (t) => {
  const nodes = await cluster(t, 3, (p) => ({
    [`GET /v1/keys/${KEY_ID}`]: () => (p === 3 ? error(404, 'KEY_NOT_FOUND') : { status: 200, body: KEY }),
  }));
  await assert.rejects(client(nodes).getKey(KEY_ID), isTsm('INCONSISTENT_RESPONSES', (e) => assert.deepEqual(e.culprits, [3])));
  // A non-player that does not know the key is fine.
  const twoOfTwo = { ...KEY, threshold: '2-of-2', players: [1, 2] };
  const n2 = await cluster(t, 3, (p) => ({
    [`GET /v1/keys/${KEY_ID}`]: () => (p === 3 ? error(404, 'KEY_NOT_FOUND') : { status: 200, body: twoOfTwo }),
  }));
  assert.deepEqual(await client(n2).getKey(KEY_ID), twoOfTwo);
  await assert.rejects(client(n2).getKey('../applications'), isTsm('INVALID_ARGUMENT'));
});

void test('listKeys: union over nodes, one key must look the same everywhere', async (t) => {
  const k2 = { ...KEY, keyId: 'key_two', threshold: '2-of-2', players: [1, 2] };
  const nodes = await cluster(t, 3, (p) => ({ 'GET /v1/keys': () => ({ status: 200, body: { keys: p === 3 ? [KEY] : [KEY, k2] } }) }));
  assert.deepEqual(await client(nodes).listKeys(), [KEY, k2]);
  const liar = await cluster(t, 3, (p) => ({ 'GET /v1/keys': () => ({ status: 200, body: { keys: [p === 1 ? { ...KEY, publicKey: frostKey().publicKey } : KEY] } }) }));
  await assert.rejects(client(liar).listKeys(), isTsm('INCONSISTENT_RESPONSES', (e) => assert.deepEqual(e.culprits, [1])));
});

void test('createApplication: admin fan-out to every node, public key validated locally', async (t) => {
  const newKey = generateApplicationKey('p256');
  const info = { applicationId: 'app_00000000000000000000beef', name: 'payments', algorithm: 'p256', publicKey: newKey.publicKey, role: 'app' };
  const nodes = await cluster(t, 3, () => ({ 'POST /v1/applications': () => ({ status: 201, body: info }) }));
  const c = client(nodes);
  assert.deepEqual(await c.createApplication({ name: 'payments', algorithm: 'p256', publicKey: newKey.publicKey }), info);
  const bodies = nodes.map((n) => n.requests[0]!.body.toString());
  assert.ok(bodies.every((b) => b === bodies[0]));
  assert.ok(nodes.every((n) => verifies(n.requests[0]!)));
  await assert.rejects(c.createApplication({ name: 'x', algorithm: 'p256', publicKey: '04' + newKey.publicKey.slice(2) }), isTsm('INVALID_ARGUMENT'));
  await assert.rejects(c.createApplication({ name: '', algorithm: 'p256', publicKey: newKey.publicKey }), isTsm('INVALID_ARGUMENT'));
  // Nodes that assign different ids → inconsistent (the id must be derived deterministically).
  const split = await cluster(t, 3, (p) => ({ 'POST /v1/applications': () => ({ status: 201, body: { ...info, applicationId: `app_00000000000000000000000${p}` } }) }));
  await assert.rejects(client(split).createApplication({ name: 'payments', algorithm: 'p256', publicKey: newKey.publicKey }), isTsm('INCONSISTENT_RESPONSES'));
});

void test('TsmClient: options and arguments are validated', async () => {
  const ok = [{ player: 1, url: 'http://127.0.0.1:1' }];
  const bad: Array<() => unknown> = [
    () => new TsmClient({ nodes: [], credentials }),
    () => new TsmClient({ nodes: [{ player: 0, url: 'http://a' }], credentials }),
    () => new TsmClient({ nodes: [...ok, ...ok], credentials }),
    () => new TsmClient({ nodes: [{ player: 1, url: 'ftp://a' }], credentials }),
    () => new TsmClient({ nodes: [{ player: 1, url: 'http://a/prefix' }], credentials }),
    () => new TsmClient({ nodes: [{ player: 1, url: 'http://user:pw@a' }], credentials }),
    () => new TsmClient({ nodes: ok, credentials: { ...credentials, applicationId: 'app_1' } }),
    () => new TsmClient({ nodes: ok, credentials: { ...credentials, privateKey: 'ab' } }),
    () => new TsmClient({ nodes: ok, credentials, mode: 'broadcast' as IoMode }),
    () => new TsmClient({ nodes: ok, credentials, primary: 2 }),
    () => new TsmClient({ nodes: ok, credentials, timeoutMs: 0 }),
  ];
  for (const f of bad) assert.throws(f, isTsm('INVALID_ARGUMENT', (e) => assert.ok(!e.message.includes(appKey.privateKey))));
  const c = new TsmClient({ nodes: ok, credentials });
  assert.equal(c.mode, 'fan-out');
  assert.equal(c.timeoutMs, 30_000);
  assert.equal(c.primary, 1);
  await assert.rejects(c.createKey({ scheme: 'rsa' as 'frost-ed25519', threshold: '2-of-3' }), isTsm('INVALID_ARGUMENT'));
  await assert.rejects(c.createKey({ scheme: 'frost-ed25519', threshold: '3-of-2' }), isTsm('INVALID_ARGUMENT'));
  await assert.rejects(c.createKey({ scheme: 'frost-ed25519', threshold: 'two' }), isTsm('INVALID_ARGUMENT'));
  await assert.rejects(c.getKey('a/b'), isTsm('INVALID_ARGUMENT'));
});

void test('a node answering with an oversized or non-JSON body → INVALID_RESPONSE naming it', async (t) => {
  const nodes = await cluster(t, 2, (p) => ({
    'POST /v1/keys': () => (p === 2 ? { status: 200, body: 'x'.repeat(9 * 1024 * 1024) } : { status: 200, body: { ...KEY, threshold: '2-of-2', players: [1, 2] } }),
    [`GET /v1/keys/${KEY_ID}`]: () => (p === 2 ? { status: 200, body: 'not json' } : { status: 200, body: KEY }),
  }));
  const c = client(nodes);
  await assert.rejects(c.createKey({ scheme: 'frost-ed25519', threshold: '2-of-2' }), isTsm('INVALID_RESPONSE', (e) => assert.equal(e.node, 2)));
  await assert.rejects(c.getKey(KEY_ID), isTsm('INVALID_RESPONSE', (e) => assert.deepEqual(e.culprits, [2])));
});

void test('primary mode: a failed signature forgets the cached key (the next one describes it again)', async (t) => {
  let fail = true;
  const nodes = await cluster(t, 1, (p) => ({
    ...signingCluster(() => SIGNATURE)(p),
    [`POST /v1/keys/${KEY_ID}/sign`]: () => (fail ? error(409, 'LIFECYCLE_IN_PROGRESS') : { status: 200, body: { keyId: KEY_ID, signature: SIGNATURE, publicKey: KEY.publicKey } }),
  }));
  const c = client(nodes, { mode: 'primary', primary: 1 });
  assert.deepEqual(await c.getKey(KEY_ID), KEY);
  await assert.rejects(c.sign({ keyId: KEY_ID, message: MESSAGE }), isTsm('LIFECYCLE_IN_PROGRESS'));
  fail = false;
  assert.equal((await c.sign({ keyId: KEY_ID, message: MESSAGE })).signature, SIGNATURE);
  const get = `GET /v1/keys/${KEY_ID}`;
  const sign = `POST /v1/keys/${KEY_ID}/sign`;
  assert.deepEqual(nodes[0]!.requests.map((r) => `${r.method} ${r.url}`), [get, sign, get, sign]);
});

void test('presignaturePool: skips only unreachable nodes and non-holders; other errors are thrown', async (t) => {
  const HM: KeyInfo = { ...KEY, scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'honest-majority', players: [1, 2, 3], publicKey: '02' + '11'.repeat(32) };
  const poolPath = `GET /v1/keys/${KEY_ID}/presignatures`;
  let node3: () => Reply = () => ({ status: 200, body: { keyId: KEY_ID, players: [1, 2, 3], pool: 7 } });
  const nodes = await cluster(t, 4, (p) => ({
    [`GET /v1/keys/${KEY_ID}`]: () => (p === 4 ? error(404, 'KEY_NOT_FOUND') : { status: 200, body: HM }),
    [poolPath]: () => (p === 4 ? error(404, 'KEY_NOT_FOUND') : p === 3 ? node3() : { status: 200, body: { keyId: KEY_ID, players: [1, 2, 3], pool: 10 + p } }),
  }));
  const c = client(nodes);
  // Node 4 does not hold the key: its "not found" is tolerated (after checking who holds it).
  assert.deepEqual(await c.presignaturePool(KEY_ID), [
    { player: 1, pool: 11 },
    { player: 2, pool: 12 },
    { player: 3, pool: 7 },
  ]);
  // A player of the key that denies it, refuses the caller, or answers garbage: an error, not a shorter list.
  node3 = () => error(404, 'KEY_NOT_FOUND');
  await assert.rejects(c.presignaturePool(KEY_ID), isTsm('KEY_NOT_FOUND', (e) => assert.equal(e.node, 3)));
  node3 = () => error(403, 'FORBIDDEN', 'not your key');
  await assert.rejects(c.presignaturePool(KEY_ID), isTsm('FORBIDDEN', (e) => assert.equal(e.node, 3)));
  node3 = () => ({ status: 200, body: { keyId: KEY_ID, pool: 'many' } });
  await assert.rejects(c.presignaturePool(KEY_ID), isTsm('INVALID_RESPONSE', (e) => assert.deepEqual(e.culprits, [3])));
  // An unreachable node is omitted.
  const eps = [...nodes.slice(0, 2).map((n) => ({ player: n.player, url: n.url })), { player: 3, url: await refusedUrl() }];
  assert.deepEqual(await client(eps).presignaturePool(KEY_ID), [
    { player: 1, pool: 11 },
    { player: 2, pool: 12 },
  ]);
  // None reachable: an error, not an empty list.
  await assert.rejects(client([{ player: 1, url: await refusedUrl() }]).presignaturePool(KEY_ID), isTsm('QUORUM_UNAVAILABLE'));
});

void test('a node answering with a redirect: the same error on the fetch and node:http paths, never followed', async (t) => {
  const nodes = await cluster(t, 3, () => ({
    [`GET /v1/keys/${KEY_ID}`]: () => ({ status: 302, body: '', headers: { location: '/v1/health' } }),
    'POST /v1/keys': () => ({ status: 307, body: '', headers: { location: '/v1/keys-elsewhere' } }),
  }));
  const { nodePlatform } = await import('../src/node-platform.js');
  const { clientPlatform, useClientPlatform } = await import('../src/platform.js');
  const before = clientPlatform();
  const seen: string[] = [];
  for (const platform of [before, nodePlatform]) {
    useClientPlatform(platform);
    try {
      const c = client(nodes);
      const check = (status: number) =>
        isTsm('INVALID_RESPONSE', (e) => {
          assert.equal(e.status, status);
          assert.match(e.message, /redirect/);
          assert.ok(e.culprits !== undefined && e.culprits.length >= 1);
          seen.push(`${e.code} ${e.status}`);
        });
      await assert.rejects(c.getKey(KEY_ID), check(302));
      await assert.rejects(c.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }), check(307));
      const p = client(nodes, { mode: 'primary', primary: 2 });
      await assert.rejects(p.getKey(KEY_ID), check(302));
    } finally {
      useClientPlatform(before);
    }
  }
  const expected = ['INVALID_RESPONSE 302', 'INVALID_RESPONSE 307', 'INVALID_RESPONSE 302'];
  assert.deepEqual(seen, [...expected, ...expected], 'both paths give the same errors');
  // Nothing followed the redirects.
  for (const n of nodes) assert.ok(n.requests.every((r) => r.url !== '/v1/keys-elsewhere' && r.url !== '/v1/health'), `node ${n.player}`);
});
