import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateApplicationKey, signRequest, type ApplicationKeyAlgorithm } from '@opentsm/client';
import { p256 } from '@noble/curves/nist.js';
import {
  AuthError,
  DEFAULT_WINDOW_MS,
  createMemoryRequestIdRegistry,
  verifyRequest,
  type ApplicationRecord,
  type IncomingSignedRequest,
  type VerifyRequestDeps,
} from '../src/auth/index.js';

const NOW = 1_767_225_600_000;
const APP = 'app_00112233445566778899aabb';
const ADMIN = 'app_ffeeddccbbaa998877665544';
const DISABLED = 'app_0000000000000000000000dd';

interface Fixture {
  deps: VerifyRequestDeps;
  used: Array<{ applicationId: string; requestId: string; expiresAtMs: number }>;
  keys: Record<string, { privateKey: string; publicKey: string; algorithm: ApplicationKeyAlgorithm }>;
  clock: { now: number };
}

function fixture(algorithm: ApplicationKeyAlgorithm = 'ed25519'): Fixture {
  const keys = {
    [APP]: generateApplicationKey(algorithm),
    [ADMIN]: generateApplicationKey(algorithm === 'ed25519' ? 'p256' : 'ed25519'),
    [DISABLED]: generateApplicationKey(algorithm),
  };
  const apps: Record<string, ApplicationRecord> = {
    [APP]: { applicationId: APP, algorithm: keys[APP].algorithm, publicKey: keys[APP].publicKey, role: 'app', enabled: true },
    [ADMIN]: { applicationId: ADMIN, algorithm: keys[ADMIN].algorithm, publicKey: keys[ADMIN].publicKey, role: 'admin', enabled: true },
    [DISABLED]: { applicationId: DISABLED, algorithm, publicKey: keys[DISABLED].publicKey, role: 'app', enabled: false },
  };
  const clock = { now: NOW };
  const registry = createMemoryRequestIdRegistry(() => clock.now);
  const used: Fixture['used'] = [];
  return {
    keys,
    used,
    clock,
    deps: {
      getApplication: (id) => Promise.resolve(apps[id]),
      async useRequestId(applicationId, requestId, expiresAtMs) {
        const fresh = await registry.useRequestId(applicationId, requestId, expiresAtMs);
        if (fresh) used.push({ applicationId, requestId, expiresAtMs });
        return fresh;
      },
      now: () => clock.now,
    },
  };
}

function signed(
  fx: Fixture,
  opts: { app?: string; method?: string; path?: string; body?: string; timestamp?: number; requestId?: string } = {},
): IncomingSignedRequest {
  const app = opts.app ?? APP;
  const key = fx.keys[app]!;
  const method = opts.method ?? 'POST';
  const path = opts.path ?? '/v1/keys';
  const s = signRequest(
    { applicationId: app, algorithm: key.algorithm, privateKey: key.privateKey },
    { method, path, body: opts.body ?? '{"scheme":"frost-ed25519","threshold":"2-of-3"}', timestamp: opts.timestamp ?? NOW, requestId: opts.requestId ?? 'request-0000000001' },
  );
  return { method, path, headers: { ...s.headers, 'content-type': 'application/json' }, rawBody: s.body };
}

async function rejects(p: Promise<unknown>, code: string, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AuthError, `${what}: expected AuthError, got ${String(e)}`);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    assert.equal(e.status, 401);
    return true;
  });
}

for (const alg of ['ed25519', 'p256'] as const) {
  void test(`verifyRequest (${alg}): a valid request authenticates and consumes its request id`, async () => {
    const fx = fixture(alg);
    const req = signed(fx, { path: '/v1/keys?x=1' });
    const app = await verifyRequest(req, fx.deps);
    assert.deepEqual(app, { applicationId: APP, algorithm: alg, role: 'app', requestId: 'request-0000000001', timestamp: NOW });
    assert.deepEqual(fx.used, [{ applicationId: APP, requestId: 'request-0000000001', expiresAtMs: NOW + 2 * DEFAULT_WINDOW_MS }]);
    // Replay of the same bytes → REPLAYED_REQUEST.
    await rejects(verifyRequest(req, fx.deps), 'REPLAYED_REQUEST', 'replay');
    // Same request id, other application: independent.
    const admin = await verifyRequest(signed(fx, { app: ADMIN }), fx.deps);
    assert.equal(admin.role, 'admin');
    // Lower-case method on the wire is the same canonical method.
    await verifyRequest({ ...signed(fx, { requestId: 'request-0000000002' }), method: 'post' }, fx.deps);
  });
}

void test('verifyRequest: missing or malformed headers → UNAUTHENTICATED, nothing consumed', async () => {
  const fx = fixture();
  const good = signed(fx);
  let lookups = 0;
  const deps: VerifyRequestDeps = {
    ...fx.deps,
    getApplication: (id) => {
      lookups++;
      return fx.deps.getApplication(id);
    },
  };
  for (const h of ['x-tsm-app', 'x-tsm-timestamp', 'x-tsm-request-id', 'x-tsm-signature']) {
    const headers = { ...good.headers };
    delete headers[h];
    await rejects(verifyRequest({ ...good, headers }, deps), 'UNAUTHENTICATED', `missing ${h}`);
    await rejects(verifyRequest({ ...good, headers: { ...good.headers, [h]: '' } }, deps), 'UNAUTHENTICATED', `empty ${h}`);
    await rejects(verifyRequest({ ...good, headers: { ...good.headers, [h]: [good.headers[h] as string, good.headers[h] as string] } }, deps), 'UNAUTHENTICATED', `duplicate ${h}`);
  }
  const malformed: Array<[string, string]> = [
    ['x-tsm-app', 'app_0011'],
    ['x-tsm-app', 'APP_00112233445566778899aabb'],
    ['x-tsm-app', 'app_00112233445566778899AABB'],
    ['x-tsm-app', `${APP} `],
    ['x-tsm-timestamp', '-1'],
    ['x-tsm-timestamp', '1e12'],
    ['x-tsm-timestamp', '01767225600000'],
    ['x-tsm-timestamp', '1767225600000.0'],
    ['x-tsm-timestamp', '99999999999999999999'],
    ['x-tsm-timestamp', ' 1767225600000'],
    ['x-tsm-request-id', 'short'],
    ['x-tsm-request-id', 'request 0000000001'],
    ['x-tsm-request-id', 'r'.repeat(65)],
    ['x-tsm-signature', 'zz'.repeat(64)],
    ['x-tsm-signature', 'ab'.repeat(63)],
    ['x-tsm-signature', 'ab'.repeat(65)],
    ['x-tsm-signature', `0x${'ab'.repeat(63)}`],
  ];
  for (const [h, v] of malformed) {
    await rejects(verifyRequest({ ...good, headers: { ...good.headers, [h]: v } }, deps), 'UNAUTHENTICATED', `${h}=${v}`);
  }
  assert.equal(lookups, 0, 'malformed headers are refused before any lookup');
  // Malformed method/path (never signable) → UNAUTHENTICATED.
  await rejects(verifyRequest({ ...good, path: '/v1/../keys' }, deps), 'UNAUTHENTICATED', 'dot segment path');
  await rejects(verifyRequest({ ...good, method: 'PO ST' }, deps), 'UNAUTHENTICATED', 'bad method');
  await rejects(verifyRequest({ ...good, headers: undefined as unknown as IncomingSignedRequest['headers'] }, deps), 'UNAUTHENTICATED', 'no headers');
  assert.equal(fx.used.length, 0);
  // The untouched request still works (its id was never burnt).
  await verifyRequest(good, fx.deps);
});

void test('verifyRequest: header names are matched case-insensitively', async () => {
  const fx = fixture();
  const good = signed(fx);
  const headers = Object.fromEntries(Object.entries(good.headers).map(([k, v]) => [k.toUpperCase(), v]));
  assert.equal((await verifyRequest({ ...good, headers }, fx.deps)).applicationId, APP);
  // Two spellings of one header are ambiguous.
  await rejects(
    verifyRequest({ ...good, headers: { ...headers, 'X-Tsm-App': APP, 'x-tsm-App': APP } }, fx.deps),
    'UNAUTHENTICATED',
    'two spellings',
  );
  await rejects(verifyRequest({ ...good, headers: { ...good.headers, 'X-TSM-APP': ADMIN } }, fx.deps), 'UNAUTHENTICATED', 'exact + other spelling');
});

void test('verifyRequest: unknown or disabled application → UNAUTHENTICATED', async () => {
  const fx = fixture();
  const unknown = signed(fx);
  unknown.headers['x-tsm-app'] = 'app_123456789012345678901234';
  await rejects(verifyRequest(unknown, fx.deps), 'UNAUTHENTICATED', 'unknown app');
  await rejects(verifyRequest(signed(fx, { app: DISABLED }), fx.deps), 'UNAUTHENTICATED', 'disabled app');
  // A store returning a record for another id is not trusted.
  const liar: VerifyRequestDeps = { ...fx.deps, getApplication: () => fx.deps.getApplication(ADMIN) };
  await rejects(verifyRequest(signed(fx), liar), 'UNAUTHENTICATED', 'mismatching record');
  // A stored key that does not parse → refused, not a crash.
  const broken: VerifyRequestDeps = {
    ...fx.deps,
    getApplication: (id) => Promise.resolve({ applicationId: id, algorithm: 'ed25519', publicKey: 'not hex', role: 'app', enabled: true }),
  };
  await rejects(verifyRequest(signed(fx), broken), 'UNAUTHENTICATED', 'broken stored key');
  assert.equal(fx.used.length, 0);
});

void test('verifyRequest: any tampering → UNAUTHENTICATED and the request id is NOT consumed', async () => {
  for (const alg of ['ed25519', 'p256'] as const) {
    const fx = fixture(alg);
    const good = signed(fx, { path: '/v1/keys/k1/sign', body: '{"message":"00"}' });
    const body2 = new TextEncoder().encode('{"message":"01"}');
    const tampered: Array<[string, IncomingSignedRequest]> = [
      ['body', { ...good, rawBody: body2 }],
      ['empty body', { ...good, rawBody: new Uint8Array(0) }],
      ['path', { ...good, path: '/v1/keys/k2/sign' }],
      ['query', { ...good, path: '/v1/keys/k1/sign?players=1,2' }],
      ['method', { ...good, method: 'PUT' }],
      ['timestamp', { ...good, headers: { ...good.headers, 'x-tsm-timestamp': String(NOW + 1) } }],
      ['request id', { ...good, headers: { ...good.headers, 'x-tsm-request-id': 'request-0000000009' } }],
      ['app id (other valid app)', { ...good, headers: { ...good.headers, 'x-tsm-app': ADMIN } }],
      ['signature bit', { ...good, headers: { ...good.headers, 'x-tsm-signature': flip(good.headers['x-tsm-signature'] as string) } }],
      ['zero signature', { ...good, headers: { ...good.headers, 'x-tsm-signature': '00'.repeat(64) } }],
      ['wrong key', signedWith(fx, generateApplicationKey(alg).privateKey, alg)],
    ];
    for (const [what, req] of tampered) await rejects(verifyRequest(req, fx.deps), 'UNAUTHENTICATED', `${alg} tampered ${what}`);
    assert.equal(fx.used.length, 0, 'no request id consumed by a bad signature');
    // The legitimate request with the same id still goes through.
    await verifyRequest(good, fx.deps);
    assert.equal(fx.used.length, 1);
  }
});

function flip(hex: string): string {
  const b = Buffer.from(hex, 'hex');
  b[5]! ^= 0x01;
  return b.toString('hex');
}

function signedWith(fx: Fixture, privateKey: string, algorithm: ApplicationKeyAlgorithm): IncomingSignedRequest {
  const s = signRequest({ applicationId: APP, algorithm, privateKey }, { method: 'POST', path: '/v1/keys/k1/sign', body: '{"message":"00"}', timestamp: fx.clock.now, requestId: 'request-0000000001' });
  return { method: 'POST', path: '/v1/keys/k1/sign', headers: s.headers, rawBody: s.body };
}

void test('verifyRequest: P-256 high-s signatures are refused', async () => {
  const fx = fixture('p256');
  const good = signed(fx);
  const sig = good.headers['x-tsm-signature'] as string;
  const n = p256.Point.Fn.ORDER;
  const high = sig.slice(0, 64) + (n - BigInt(`0x${sig.slice(64)}`)).toString(16).padStart(64, '0');
  await rejects(verifyRequest({ ...good, headers: { ...good.headers, 'x-tsm-signature': high } }, fx.deps), 'UNAUTHENTICATED', 'high s');
  await verifyRequest(good, fx.deps);
});

void test('verifyRequest: timestamp window ±5 minutes → STALE_TIMESTAMP, id not consumed', async () => {
  const fx = fixture();
  const W = DEFAULT_WINDOW_MS;
  assert.equal(W, 5 * 60 * 1000);
  await rejects(verifyRequest(signed(fx, { timestamp: NOW - W - 1, requestId: 'stale-past-000001' }), fx.deps), 'STALE_TIMESTAMP', 'past');
  await rejects(verifyRequest(signed(fx, { timestamp: NOW + W + 1, requestId: 'stale-future-0001' }), fx.deps), 'STALE_TIMESTAMP', 'future');
  await rejects(verifyRequest(signed(fx, { timestamp: 0, requestId: 'stale-zero-000001' }), fx.deps), 'STALE_TIMESTAMP', 'epoch');
  assert.equal(fx.used.length, 0);
  // Edges are inclusive.
  await verifyRequest(signed(fx, { timestamp: NOW - W, requestId: 'edge-past-0000001' }), fx.deps);
  await verifyRequest(signed(fx, { timestamp: NOW + W, requestId: 'edge-future-00001' }), fx.deps);
  // A stale-but-signed request did not burn its id: once the clock agrees, it is accepted.
  const late = signed(fx, { timestamp: NOW + W + 1, requestId: 'stale-future-0001' });
  fx.clock.now = NOW + 1;
  await verifyRequest(late, fx.deps);
  // A custom window.
  await rejects(verifyRequest(signed(fx, { timestamp: NOW - 1001, requestId: 'custom-window-001' }), { ...fx.deps, windowMs: 1000 }), 'STALE_TIMESTAMP', 'custom');
  await assert.rejects(verifyRequest(signed(fx), { ...fx.deps, windowMs: 0 }), TypeError);
});

void test('verifyRequest: a replay is refused for as long as the timestamp would be accepted', async () => {
  const fx = fixture();
  const req = signed(fx, { timestamp: NOW });
  await verifyRequest(req, fx.deps);
  for (const dt of [1, 60_000, DEFAULT_WINDOW_MS]) {
    fx.clock.now = NOW + dt;
    await rejects(verifyRequest(req, fx.deps), 'REPLAYED_REQUEST', `replay after ${dt} ms`);
  }
  fx.clock.now = NOW + DEFAULT_WINDOW_MS + 1;
  await rejects(verifyRequest(req, fx.deps), 'STALE_TIMESTAMP', 'after the window');
});

void test('verifyRequest: store failures propagate unchanged (reported as internal errors)', async () => {
  const fx = fixture();
  const boom = new Error('db down');
  await assert.rejects(verifyRequest(signed(fx), { ...fx.deps, getApplication: () => Promise.reject(boom) }), (e) => e === boom);
  await assert.rejects(verifyRequest(signed(fx), { ...fx.deps, useRequestId: () => Promise.reject(boom) }), (e) => e === boom);
});

void test('memory request-id registry: single use, expiry, per application', async () => {
  let now = 1000;
  const r = createMemoryRequestIdRegistry(() => now);
  assert.equal(await r.useRequestId(APP, 'rid-0000000000000001', 5000), true);
  assert.equal(await r.useRequestId(APP, 'rid-0000000000000001', 5000), false);
  assert.equal(await r.useRequestId(ADMIN, 'rid-0000000000000001', 5000), true);
  now = 5000;
  assert.equal(await r.useRequestId(APP, 'rid-0000000000000001', 9000), false);
  now = 7000;
  assert.equal(await r.useRequestId(APP, 'rid-0000000000000002', 9000), true);
  assert.equal(r.size, 1, 'expired ids are swept');
});
