/**
 * The SDK's crypto back-ends (src/platform.ts): the Node entry selects node:crypto, whose Ed25519
 * request signatures are byte-identical to noble's (RFC 8032 is deterministic), and whose
 * verification of returned signatures agrees with the suites' verifiers on valid, tampered,
 * high-s and wrong-key signatures, for every scheme it handles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getSuite } from '@opentsm/core';
import { clientPlatform, portablePlatform, signDigest } from '../src/index.node.js';
import * as portableEntry from '../src/index.js';
import * as nodeEntry from '../src/index.node.js';
import { ED25519_KEY_CACHE_SIZE, ed25519KeyCacheSize, nodePlatform } from '../src/node-platform.js';

const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('the Node entry selects node:crypto; the platform switch is not public', () => {
  assert.equal(clientPlatform().name, nodePlatform.name);
  // A public switch would let any code install a platform that receives every application's private key.
  assert.equal('useClientPlatform' in portableEntry, false);
  assert.equal('useClientPlatform' in nodeEntry, false);
  assert.equal(typeof portableEntry.clientPlatform, 'function');
});

test('Ed25519 signing keys: a bounded cache (≤ 8 KeyObjects), correct for clients alternating between keys', () => {
  assert.equal(ED25519_KEY_CACHE_SIZE, 8);
  const keys = Array.from({ length: 3 }, () => rnd(32));
  const digest = rnd(32);
  // Two or three clients with different keys, interleaved: every signature is by the right key.
  for (let round = 0; round < 5; round++)
    for (const sk of keys) assert.deepEqual(nodePlatform.ed25519Sign(sk, digest), portablePlatform.ed25519Sign(sk, digest));
  assert.ok(ed25519KeyCacheSize() <= ED25519_KEY_CACHE_SIZE);
  // Many more keys than the bound: the cache stays bounded, evicted keys still sign correctly.
  const many = Array.from({ length: 3 * ED25519_KEY_CACHE_SIZE }, () => rnd(32));
  for (const sk of many) assert.deepEqual(nodePlatform.ed25519Sign(sk, digest), portablePlatform.ed25519Sign(sk, digest));
  assert.equal(ed25519KeyCacheSize(), ED25519_KEY_CACHE_SIZE);
  for (const sk of [many[0]!, keys[0]!, many.at(-1)!]) assert.deepEqual(nodePlatform.ed25519Sign(sk, digest), portablePlatform.ed25519Sign(sk, digest));
  assert.equal(ed25519KeyCacheSize(), ED25519_KEY_CACHE_SIZE);
  // The same bytes in another buffer hit the same entry (keyed by a hash of the secret, not the buffer).
  const copy = Uint8Array.from(many.at(-1)!);
  assert.deepEqual(nodePlatform.ed25519Sign(copy, digest), portablePlatform.ed25519Sign(copy, digest));
  assert.equal(ed25519KeyCacheSize(), ED25519_KEY_CACHE_SIZE);
});

test('Ed25519 request signatures: node:crypto and noble give the same bytes, for several keys', () => {
  for (let i = 0; i < 20; i++) {
    const sk = rnd(32);
    const digest = rnd(32);
    const a = nodePlatform.ed25519Sign(sk, digest);
    assert.deepEqual(a, portablePlatform.ed25519Sign(sk, digest));
    assert.ok(ed25519.verify(a, digest, ed25519.getPublicKey(sk)));
    assert.equal(signDigest('ed25519', hex(sk), digest), hex(a));
  }
});

function flip(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i]! ^= 1;
  return c;
}

test('signature verification agrees with the suites (valid, tampered, wrong key, high s)', () => {
  const cases: { scheme: string; sign: (m: Uint8Array) => { sig: Uint8Array; pk: Uint8Array; other: Uint8Array; high?: Uint8Array } }[] = [
    {
      scheme: 'frost-ed25519',
      sign: (m) => {
        const sk = rnd(32);
        return { sig: ed25519.sign(m, sk), pk: ed25519.getPublicKey(sk), other: ed25519.getPublicKey(rnd(32)) };
      },
    },
    ...([
      ['ecdsa-secp256k1', secp256k1],
      ['ecdsa-p256', p256],
    ] as const).map(([scheme, curve]) => ({
      scheme,
      sign: (m: Uint8Array) => {
        const sk = curve.utils.randomSecretKey();
        const sig = curve.Signature.fromBytes(curve.sign(m, sk, { prehash: true, lowS: true, format: 'compact' }), 'compact');
        const high = new curve.Signature(sig.r, curve.Point.Fn.ORDER - sig.s).toBytes('compact');
        return { sig: sig.toBytes('compact'), pk: curve.getPublicKey(sk, true), other: curve.getPublicKey(curve.utils.randomSecretKey(), true), high };
      },
    })),
  ];
  for (const { scheme, sign } of cases) {
    const suite = getSuite(scheme);
    for (let i = 0; i < 10; i++) {
      const m = rnd(1 + i * 13);
      const { sig, pk, other, high } = sign(m);
      const inputs: [Uint8Array, Uint8Array, Uint8Array, string][] = [
        [sig, m, pk, 'valid'],
        [flip(sig, i), m, pk, 'tampered r'],
        [flip(sig, 40 + i), m, pk, 'tampered s'],
        [sig, flip(m, 0), pk, 'other message'],
        [sig, m, other, 'other key'],
        [sig.subarray(0, 63), m, pk, 'short signature'],
      ];
      if (high) inputs.push([high, m, pk, 'high s']);
      for (const [s, msg, key, what] of inputs) {
        const fast = nodePlatform.verifySignature(scheme, s, msg, key);
        assert.equal(fast, suite.verify(s, msg, key), `${scheme}: ${what}`);
      }
      assert.equal(nodePlatform.verifySignature(scheme, sig, m, pk), true, `${scheme}: valid verifies`);
    }
  }
  assert.equal(nodePlatform.verifySignature('frost-secp256k1', rnd(64), rnd(3), rnd(33)), undefined, 'other schemes: the suite decides');
});

test('node:http exchange: body and headers sent, status and text returned, redirects not followed, size limit, abort', async () => {
  const { createServer } = await import('node:http');
  const seen: { method?: string; body?: string; header?: string } = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/echo') {
        Object.assign(seen, { method: req.method, body: Buffer.concat(chunks).toString(), header: req.headers['x-test'] });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
      } else if (req.url === '/redirect') res.writeHead(302, { location: '/echo' }).end();
      else if (req.url === '/big-declared') res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
      else if (req.url === '/big-chunked') {
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
        res.end();
      } else if (req.url === '/slow') setTimeout(() => res.end('late'), 2000);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const ex = nodePlatform.httpExchange!;
  const signal = new AbortController().signal;
  try {
    const r = await ex(`${base}/echo`, { method: 'POST', headers: { 'x-test': 'v' }, body: new TextEncoder().encode('{"a":1}'), signal, limit: 1000 });
    assert.deepEqual(r, { status: 201, text: '{"ok":true}' });
    assert.deepEqual(seen, { method: 'POST', body: '{"a":1}', header: 'v' });
    assert.equal((await ex(`${base}/redirect`, { method: 'GET', headers: {}, signal, limit: 1000 })).status, 302);
    for (const p of ['/big-declared', '/big-chunked'])
      await assert.rejects(ex(`${base}${p}`, { method: 'GET', headers: {}, signal, limit: 1000 }), (e: Error) => e.name === 'AnswerTooLargeError');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(ex(`${base}/slow`, { method: 'GET', headers: {}, signal: ac.signal, limit: 1000 }));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
