import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, ECDH, verify as nodeVerify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import {
  AuthInputError,
  CANONICAL_REQUEST_VERSION,
  REQUEST_ID_PATTERN,
  canonicalRequest,
  encodeCanonicalRequest,
  generateApplicationKey,
  getApplicationPublicKey,
  newRequestId,
  parseApplicationPublicKey,
  signDigest,
  signRequest,
  verifyRequestSignature,
  type CanonicalRequestInput,
} from '../src/index.js';

const APP = 'app_0123456789abcdef01234567';
const BASE: CanonicalRequestInput = {
  method: 'POST',
  path: '/v1/keys/k_1/sign?x=1',
  body: new TextEncoder().encode('{"message":"00ff"}'),
  timestamp: 1_767_225_600_000,
  requestId: 'req-0123456789abcdef',
  applicationId: APP,
};

/** Independent re-implementation of docs/api.md with node:crypto. */
function referenceEncoding(fields: string[]): Buffer {
  return Buffer.concat(
    fields.flatMap((f) => {
      const b = Buffer.from(f, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return [len, b];
    }),
  );
}
function referenceDigest(r: CanonicalRequestInput): string {
  const bodyHash = createHash('sha256').update(r.body).digest('hex');
  const enc = referenceEncoding(['OPENTSM-REQUEST-V1', r.method.toUpperCase(), r.path, bodyHash, String(r.timestamp), r.requestId, r.applicationId]);
  return createHash('sha256').update(enc).digest('hex');
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Parse the canonical encoding back into its fields (proves it is uniquely decodable). */
function decodeFields(enc: Uint8Array): string[] {
  const buf = Buffer.from(enc);
  const out: string[] = [];
  let off = 0;
  while (off < buf.length) {
    const n = buf.readUInt32BE(off);
    out.push(buf.subarray(off + 4, off + 4 + n).toString('utf8'));
    off += 4 + n;
  }
  assert.equal(off, buf.length);
  return out;
}

void test('canonical request: known answer, independently re-implemented with node:crypto', () => {
  assert.equal(CANONICAL_REQUEST_VERSION, 'OPENTSM-REQUEST-V1');
  const digest = canonicalRequest(BASE);
  assert.equal(digest.length, 32);
  assert.equal(hex(digest), referenceDigest(BASE));
  // Pinned value: any change to the encoding breaks every deployed client and node.
  // (Also computed with Python hashlib/struct when this test was written.)
  assert.equal(hex(digest), '314605b2fee214a165a86a40cd35e79b2ad6d8baab563643ba921d4e81f6a111');
  // Empty body (GET): the body field is hex(sha256(empty)).
  const get = { ...BASE, method: 'get', path: '/v1/keys', body: new Uint8Array(0) };
  assert.equal(hex(canonicalRequest(get)), referenceDigest(get));
  const fields = decodeFields(encodeCanonicalRequest(get));
  assert.deepEqual(fields, [
    'OPENTSM-REQUEST-V1',
    'GET',
    '/v1/keys',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '1767225600000',
    'req-0123456789abcdef',
    APP,
  ]);
  // Deterministic.
  assert.deepEqual(canonicalRequest(BASE), canonicalRequest({ ...BASE, body: BASE.body.slice() }));
});

void test('canonical request: injective (content cannot move between fields)', () => {
  const base = hex(canonicalRequest(BASE));
  // Shift characters across every adjacent pair of free-form fields.
  const variants: CanonicalRequestInput[] = [
    { ...BASE, path: '/v1/keys/k_1/sign?x=1r', requestId: 'eq-0123456789abcdef' },
    { ...BASE, path: '/v1/keys/k_1/sign?x=', requestId: '1req-0123456789abcdef' },
    { ...BASE, timestamp: 176722560000, requestId: '0req-0123456789abcdef' },
    { ...BASE, method: 'POS', path: 'T/v1/keys/k_1/sign?x=1' },
    { ...BASE, path: '/v1/keys/k_1/sign?x=1', body: new TextEncoder().encode('{"message":"00ff"} ') },
    { ...BASE, method: 'PUT' },
    { ...BASE, path: '/v1/keys/k_1/sign' },
    { ...BASE, timestamp: BASE.timestamp + 1 },
    { ...BASE, requestId: 'req-0123456789abcdeF' },
    { ...BASE, applicationId: 'app_0123456789abcdef01234568' },
  ];
  const seen = new Set([base]);
  for (const v of variants) {
    let d: string;
    try {
      d = hex(canonicalRequest(v));
    } catch (e) {
      assert.ok(e instanceof AuthInputError); // e.g. 'T/v1/...' is not a valid path: also fine
      continue;
    }
    assert.ok(!seen.has(d), `collision for ${JSON.stringify({ ...v, body: undefined })}`);
    seen.add(d);
  }
  // Random field splits: the encoding always decodes back to exactly the inputs.
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';
  const rnd = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (x) => alphabet[x % alphabet.length]).join('');
  for (let i = 0; i < 200; i++) {
    const s = rnd(40);
    const cut = 16 + (i % 20);
    const r = { ...BASE, path: `/${s.slice(0, cut - 16)}`, requestId: s.slice(cut - 16) };
    if (r.requestId.length < 16) continue;
    const enc = encodeCanonicalRequest(r);
    assert.deepEqual(decodeFields(enc).slice(2, 3), [r.path]);
    assert.equal(decodeFields(enc)[5], r.requestId);
    assert.equal(hex(canonicalRequest(r)), referenceDigest(r));
  }
});

void test('canonical request: every field is validated', () => {
  const bad: Array<[Partial<CanonicalRequestInput>, string]> = [
    [{ method: '' }, 'INVALID_METHOD'],
    [{ method: 'GE T' }, 'INVALID_METHOD'],
    [{ method: 'GET\n' }, 'INVALID_METHOD'],
    [{ path: 'v1/keys' }, 'INVALID_PATH'],
    [{ path: '' }, 'INVALID_PATH'],
    [{ path: '//evil.example/v1' }, 'INVALID_PATH'],
    [{ path: '/v1/keys#frag' }, 'INVALID_PATH'],
    [{ path: '/v1/ke ys' }, 'INVALID_PATH'],
    [{ path: '/v1/../admin' }, 'INVALID_PATH'],
    [{ path: '/v1/%2E%2e/admin' }, 'INVALID_PATH'],
    [{ path: '/v1/./keys' }, 'INVALID_PATH'],
    [{ path: '/v1/\\keys' }, 'INVALID_PATH'],
    [{ path: '/v1/κλειδί' }, 'INVALID_PATH'],
    [{ path: `/${'a'.repeat(5000)}` }, 'INVALID_PATH'],
    [{ body: 'x' as unknown as Uint8Array }, 'INVALID_BODY'],
    [{ timestamp: -1 }, 'INVALID_TIMESTAMP'],
    [{ timestamp: 1.5 }, 'INVALID_TIMESTAMP'],
    [{ timestamp: Number.MAX_SAFE_INTEGER + 1 }, 'INVALID_TIMESTAMP'],
    [{ timestamp: '1' as unknown as number }, 'INVALID_TIMESTAMP'],
    [{ requestId: 'short' }, 'INVALID_REQUEST_ID'],
    [{ requestId: 'x'.repeat(65) }, 'INVALID_REQUEST_ID'],
    [{ requestId: 'has space 0123456789' }, 'INVALID_REQUEST_ID'],
    [{ requestId: 'has.dot.0123456789' }, 'INVALID_REQUEST_ID'],
    [{ applicationId: 'app_0123' }, 'INVALID_APPLICATION_ID'],
    [{ applicationId: 'app_0123456789ABCDEF01234567' }, 'INVALID_APPLICATION_ID'],
    [{ applicationId: 'xpp_0123456789abcdef01234567' }, 'INVALID_APPLICATION_ID'],
  ];
  for (const [patch, code] of bad) {
    assert.throws(
      () => canonicalRequest({ ...BASE, ...patch }),
      (e: unknown) => e instanceof AuthInputError && e.code === code,
      `${JSON.stringify(patch).slice(0, 60)} → ${code}`,
    );
  }
  // Accepted edge cases.
  canonicalRequest({ ...BASE, requestId: 'a'.repeat(16) });
  canonicalRequest({ ...BASE, requestId: 'a'.repeat(64) });
  canonicalRequest({ ...BASE, timestamp: 0 });
  canonicalRequest({ ...BASE, path: '/' });
  canonicalRequest({ ...BASE, path: '/v1/keys?players=1,2&x=%20' });
});

void test('application keys: generation, lengths, public-key validation', () => {
  const e = generateApplicationKey('ed25519');
  assert.equal(e.algorithm, 'ed25519');
  assert.match(e.privateKey, /^[0-9a-f]{64}$/);
  assert.match(e.publicKey, /^[0-9a-f]{64}$/);
  assert.equal(getApplicationPublicKey('ed25519', e.privateKey), e.publicKey);
  const p = generateApplicationKey('p256');
  assert.match(p.privateKey, /^[0-9a-f]{64}$/);
  assert.match(p.publicKey, /^0[23][0-9a-f]{64}$/);
  assert.equal(getApplicationPublicKey('p256', p.privateKey), p.publicKey);
  assert.notEqual(generateApplicationKey('ed25519').privateKey, e.privateKey);
  assert.throws(() => generateApplicationKey('rsa' as 'p256'), (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_ALGORITHM');
  // Invalid private keys; the error never echoes the key.
  for (const [alg, sk] of [
    ['p256', '00'.repeat(32)],
    ['p256', 'ff'.repeat(32)],
    ['ed25519', 'zz'.repeat(32)],
    ['ed25519', 'ab'.repeat(31)],
  ] as const) {
    assert.throws(
      () => getApplicationPublicKey(alg, sk),
      (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_PRIVATE_KEY' && !x.message.includes(sk),
    );
  }
  // Public keys: off-curve, uncompressed, small order.
  assert.throws(() => parseApplicationPublicKey('p256', '04' + p.publicKey.slice(2)), (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_PUBLIC_KEY');
  assert.throws(() => parseApplicationPublicKey('p256', '02' + 'ff'.repeat(32)), (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_PUBLIC_KEY');
  assert.throws(() => parseApplicationPublicKey('ed25519', '01' + '00'.repeat(31)), (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_PUBLIC_KEY'); // identity
  assert.throws(() => parseApplicationPublicKey('ed25519', 'ec' + 'ff'.repeat(30) + '7f'), (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_PUBLIC_KEY'); // y ≥ p
  assert.equal(parseApplicationPublicKey('ed25519', e.publicKey).length, 32);
  assert.equal(parseApplicationPublicKey('p256', p.publicKey).length, 33);
});

void test('sign/verify: Ed25519 and P-256, interoperable with node:crypto', () => {
  for (const alg of ['ed25519', 'p256'] as const) {
    const k = generateApplicationKey(alg);
    const enc = encodeCanonicalRequest(BASE);
    const digest = canonicalRequest(BASE);
    const sig = signDigest(alg, k.privateKey, digest);
    assert.match(sig, /^[0-9a-f]{128}$/);
    assert.equal(verifyRequestSignature(alg, k.publicKey, digest, sig), true);
    assert.equal(verifyRequestSignature(alg, k.publicKey, digest, sig.toUpperCase()), true);
    const other = digest.slice();
    other[0]! ^= 1;
    assert.equal(verifyRequestSignature(alg, k.publicKey, other, sig), false);
    assert.equal(verifyRequestSignature(alg, generateApplicationKey(alg).publicKey, digest, sig), false);
    assert.equal(verifyRequestSignature(alg, k.publicKey, digest, sig.slice(0, 126)), false);
    assert.equal(verifyRequestSignature(alg, k.publicKey, digest, 'zz' + sig.slice(2)), false);
    assert.equal(verifyRequestSignature(alg, k.publicKey, digest, '00'.repeat(64)), false);
    assert.equal(verifyRequestSignature(alg, k.publicKey, digest, ''), false);
    assert.throws(() => verifyRequestSignature(alg, k.publicKey, digest.subarray(1), sig), (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_DIGEST');
    assert.throws(() => verifyRequestSignature(alg, 'nothex', digest, sig), (x: unknown) => x instanceof AuthInputError && x.code === 'INVALID_PUBLIC_KEY');
    const sigBytes = Buffer.from(sig, 'hex');
    if (alg === 'ed25519') {
      // Ed25519 signs the 32 digest bytes themselves.
      const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(k.publicKey, 'hex').toString('base64url') }, format: 'jwk' });
      assert.equal(nodeVerify(null, digest, pub, sigBytes), true);
      // Non-canonical S (S + L) must be refused (malleability).
      const L = 2n ** 252n + 27742317777372353535851937790883648493n;
      let s = 0n;
      for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sigBytes[i]!);
      const s2 = s + L;
      const mall = Buffer.from(sigBytes);
      for (let i = 0; i < 32; i++) mall[32 + i] = Number((s2 >> BigInt(8 * i)) & 0xffn);
      assert.equal(verifyRequestSignature(alg, k.publicKey, digest, mall.toString('hex')), false);
    } else {
      // ECDSA over the digest == standard ECDSA-SHA256 over the canonical encoding.
      const uncompressed = ECDH.convertKey(k.publicKey, 'prime256v1', 'hex', 'hex', 'uncompressed') as string;
      const u = Buffer.from(uncompressed, 'hex');
      const pub = createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: u.subarray(1, 33).toString('base64url'), y: u.subarray(33).toString('base64url') },
        format: 'jwk',
      });
      assert.equal(nodeVerify('sha256', enc, { key: pub, dsaEncoding: 'ieee-p1363' }, sigBytes), true);
      // Low-s only: (r, n - s) verifies in OpenSSL but must be refused here.
      const n = p256.Point.Fn.ORDER;
      const s = BigInt('0x' + sig.slice(64));
      const high = sig.slice(0, 64) + (n - s).toString(16).padStart(64, '0');
      assert.equal(nodeVerify('sha256', enc, { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(high, 'hex')), true);
      assert.equal(verifyRequestSignature(alg, k.publicKey, digest, high), false);
    }
  }
});

void test('signRequest: headers, body bytes, defaults and validation', () => {
  const k = generateApplicationKey('p256');
  const creds = { applicationId: APP, algorithm: 'p256' as const, privateKey: k.privateKey };
  const before = Date.now();
  const s = signRequest(creds, { method: 'post', path: '/v1/keys', body: '{"scheme":"frost-ed25519","κ":1}' });
  assert.deepEqual(Object.keys(s.headers).sort(), ['x-tsm-app', 'x-tsm-request-id', 'x-tsm-signature', 'x-tsm-timestamp']);
  assert.equal(s.headers['x-tsm-app'], APP);
  assert.match(s.headers['x-tsm-request-id']!, /^[A-Za-z0-9_-]{32}$/);
  const ts = Number(s.headers['x-tsm-timestamp']);
  assert.ok(ts >= before && ts <= Date.now());
  assert.deepEqual(s.body, new TextEncoder().encode('{"scheme":"frost-ed25519","κ":1}'));
  const digest = canonicalRequest({ method: 'POST', path: '/v1/keys', body: s.body, timestamp: ts, requestId: s.headers['x-tsm-request-id']!, applicationId: APP });
  assert.equal(verifyRequestSignature('p256', k.publicKey, digest, s.headers['x-tsm-signature']!), true);
  // Request ids are fresh.
  const ids = new Set(Array.from({ length: 50 }, () => newRequestId()));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id, REQUEST_ID_PATTERN);
  // Explicit values; Uint8Array body is copied (later mutation cannot desync body and signature).
  const body = new Uint8Array([1, 2, 3]);
  const e = generateApplicationKey('ed25519');
  const s2 = signRequest({ applicationId: APP, algorithm: 'ed25519', privateKey: e.privateKey }, { method: 'GET', path: '/v1/keys', body, timestamp: 42, requestId: 'fixed-request-id-01' });
  body[0] = 9;
  assert.deepEqual(s2.body, new Uint8Array([1, 2, 3]));
  assert.equal(s2.headers['x-tsm-timestamp'], '42');
  assert.equal(s2.headers['x-tsm-request-id'], 'fixed-request-id-01');
  // Ed25519 signatures are deterministic: same input, same signature.
  const s3 = signRequest({ applicationId: APP, algorithm: 'ed25519', privateKey: e.privateKey }, { method: 'GET', path: '/v1/keys', body: new Uint8Array([1, 2, 3]), timestamp: 42, requestId: 'fixed-request-id-01' });
  assert.equal(s3.headers['x-tsm-signature'], s2.headers['x-tsm-signature']);
  // Validation.
  const code = (c: string) => (x: unknown) => x instanceof AuthInputError && x.code === c;
  assert.throws(() => signRequest({ ...creds, applicationId: 'app_x' }, { method: 'GET', path: '/v1/keys' }), code('INVALID_APPLICATION_ID'));
  assert.throws(() => signRequest({ ...creds, algorithm: 'rsa' as 'p256' }, { method: 'GET', path: '/v1/keys' }), code('INVALID_ALGORITHM'));
  assert.throws(() => signRequest({ ...creds, privateKey: 'abc' }, { method: 'GET', path: '/v1/keys' }), code('INVALID_PRIVATE_KEY'));
  assert.throws(() => signRequest(creds, { method: 'GET', path: '/v1/keys', requestId: 'bad id' }), code('INVALID_REQUEST_ID'));
  assert.throws(() => signRequest(creds, { method: 'GET', path: '/v1/keys', timestamp: NaN }), code('INVALID_TIMESTAMP'));
  assert.throws(() => signRequest(creds, { method: 'GET', path: 'keys' }), code('INVALID_PATH'));
  assert.throws(() => signRequest(creds, { method: 'GET', path: '/v1/keys', body: 5 as unknown as string }), code('INVALID_BODY'));
  // No secret in any error message.
  try {
    signRequest({ ...creds, privateKey: k.privateKey.slice(2) }, { method: 'GET', path: '/v1/keys' });
    assert.fail('expected an error');
  } catch (x) {
    assert.ok(x instanceof AuthInputError);
    assert.ok(!x.message.includes(k.privateKey.slice(2, 20)));
  }
});
