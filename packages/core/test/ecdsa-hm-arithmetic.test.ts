/**
 * The curve back-ends of honest-majority ECDSA (protocols/ecdsa-hm/arithmetic.ts): the server
 * back-end (libsecp256k1 WASM for secp256k1, OpenSSL for P-256) gives exactly noble's results on
 * random and edge inputs, its verification accepts exactly what noble's accepts, a malformed
 * back-end is refused, and runs where every player uses one back-end produce signatures OpenSSL
 * verifies (runs with mixed back-ends are every other ecdsa-hm test: helpers/ecdsa.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { ErrorCode, createPresignSession, randomBytes } from '../src/index.js';
import { nodeEcdsaHmArithmetic } from '../src/node/index.js';
import { nobleEcdsaHmArithmetic, type EcdsaHmArithmetic, type EcdsaVerifyInput } from '../src/protocols/ecdsa-hm/arithmetic.js';
import { ecdsaCurve, encodeSignature, messageHash, type EcdsaCurve } from '../src/protocols/ecdsa-hm/curve.js';
import { ECDSA_SCHEMES, ecdsaKeys, expectPresigned, expectSigned, NOBLE, pick, runPresign, runSign } from './helpers/ecdsa.js';

const node = nodeEcdsaHmArithmetic;
const noble = nobleEcdsaHmArithmetic;

function randomScalar(c: EcdsaCurve): bigint {
  return c.Fn.create(BigInt('0x' + Buffer.from(randomBytes(48)).toString('hex')));
}

function verifyInput(c: EcdsaCurve, sk: bigint, message: Uint8Array, tweak = 0n): EcdsaVerifyInput {
  const curve = NOBLE[c.scheme];
  const groupKey = c.G.multiply(sk);
  const tweakedSk = c.Fn.add(sk, tweak);
  const sig = curve.Signature.fromBytes(curve.sign(message, c.Fn.toBytes(tweakedSk), { prehash: true, lowS: true, format: 'compact' }), 'compact');
  const publicKeyPoint = groupKey.add(tweak === 0n ? c.Point.ZERO : c.G.multiply(tweak));
  return { groupKey, tweak, publicKey: publicKeyPoint.toBytes(true), publicKeyPoint, message, h: messageHash(c, message), r: sig.r, s: sig.s, der: encodeSignature(c, sig.r, sig.s).der };
}

for (const scheme of ECDSA_SCHEMES) {
  describe(`ecdsa-hm arithmetic back-ends: ${scheme}`, () => {
    const c = ecdsaCurve(scheme);

    it('secret and public multiplications equal noble on random scalars and points', () => {
      for (let i = 0; i < 25; i++) {
        const k = randomScalar(c);
        const P = c.G.multiply(randomScalar(c));
        assert.ok(node.mulBaseSecret(c, k).equals(noble.mulBaseSecret(c, k)), 'k·G (secret)');
        assert.ok(node.mulBase(c, k).equals(c.G.multiply(k)), 'k·G (public)');
        assert.ok(node.mulSecret(c, P, k).equals(noble.mulSecret(c, P, k)), 'k·P (secret)');
        assert.ok(node.mul(c, P, k).equals(P.multiply(k)), 'k·P (public)');
      }
    });

    it('decoding a compressed point equals noble, and refuses exactly what noble refuses, with its error', () => {
      for (let i = 0; i < 25; i++) {
        const P = c.G.multiply(randomScalar(c));
        assert.ok(node.decodePoint!(c, P.toBytes(true)).equals(P));
        assert.ok(node.decodePoint!(c, P.negate().toBytes(true)).equals(P.negate()));
      }
      const fe = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
      let noPointX = 1n;
      for (; ; noPointX++) {
        try {
          c.decodePoint(Uint8Array.of(2, ...fe(noPointX)));
        } catch {
          break;
        }
      }
      const Gx = c.G.toBytes(true).subarray(1);
      const p = c.Point.Fp.ORDER;
      const bad = [
        Uint8Array.of(2, ...fe(noPointX)), // x with no curve point
        Uint8Array.of(3, ...fe(p)), // x = p
        Uint8Array.of(2, ...fe(p + 1n)), // x ≥ p
        Uint8Array.of(4, ...Gx), // bad prefix
        Uint8Array.of(0, ...Gx),
        new Uint8Array(33), // all zero
        Uint8Array.of(0), // the identity's encoding
        c.G.toBytes(true).subarray(0, 32), // truncated
      ];
      for (const b of bad) {
        let expected: unknown;
        try {
          c.decodePoint(b);
        } catch (e) {
          expected = e;
        }
        assert.ok(expected instanceof Error, `noble refuses ${Buffer.from(b).toString('hex')}`);
        assert.throws(
          () => node.decodePoint!(c, b),
          (e: unknown) => e instanceof Error && e.message === expected.message && (e as { code?: string }).code === (expected as { code?: string }).code,
        );
      }
    });

    it('edge scalars and points: 0, 1, q − 1, P = G, P = −G (no second base point on P-256)', () => {
      const P = c.G.multiply(randomScalar(c));
      assert.ok(node.mulBase(c, 0n).is0());
      assert.ok(node.mulSecret(c, P, 0n).is0());
      assert.ok(node.mul(c, c.Point.ZERO, 5n).is0());
      for (const k of [1n, 2n, c.q - 1n]) {
        assert.ok(node.mulBaseSecret(c, k).equals(c.G.multiply(k)));
        assert.ok(node.mulSecret(c, P, k).equals(P.multiply(k)));
        assert.ok(node.mulSecret(c, c.G, k).equals(c.G.multiply(k)));
        assert.ok(node.mulSecret(c, c.G.negate(), k).equals(c.G.negate().multiply(k)));
      }
    });

    it('verification accepts exactly the valid low-s signatures (untweaked and tweaked keys)', () => {
      for (const tweak of [0n, randomScalar(c)]) {
        const sk = randomScalar(c);
        const message = randomBytes(40);
        const v = verifyInput(c, sk, message, tweak);
        for (const a of [node, noble]) {
          assert.equal(a.verify(c, v), true, `${a.name}: valid`);
          const other = randomBytes(40);
          assert.equal(a.verify(c, { ...v, message: other, h: messageHash(c, other) }), false, `${a.name}: other message`);
          const wrongKey = c.G.multiply(randomScalar(c));
          const wrongPoint = wrongKey.add(tweak === 0n ? c.Point.ZERO : c.G.multiply(tweak));
          assert.equal(a.verify(c, { ...v, groupKey: wrongKey, publicKey: wrongPoint.toBytes(true), publicKeyPoint: wrongPoint }), false, `${a.name}: other key`);
          const highS = c.q - v.s;
          assert.equal(a.verify(c, { ...v, s: highS, der: encodeSignature(c, v.r, highS).der }), false, `${a.name}: high s`);
          assert.equal(a.verify(c, { ...v, r: 0n }), false, `${a.name}: r = 0`);
          assert.equal(a.verify(c, { ...v, s: 0n }), false, `${a.name}: s = 0`);
          assert.equal(a.verify(c, { ...v, r: c.q }), false, `${a.name}: r = q`);
          const r2 = c.Fn.add(v.r, 1n);
          assert.equal(a.verify(c, { ...v, r: r2, der: encodeSignature(c, r2, v.s).der }), false, `${a.name}: r + 1`);
        }
      }
    });

    it('presign and sign with every player on the server back-end; OpenSSL verifies', () => {
      const keys = ecdsaKeys(scheme, 2, 3);
      const players = [1, 2, 3];
      const presigs = expectPresigned(runPresign(keys, players, 3, { arithmetic: node }));
      expectSigned(runSign(keys, pick(presigs, 0), players, sha256(randomBytes(8)), { arithmetic: node }));
      expectSigned(runSign(keys, pick(presigs, 1), players, randomBytes(100), { arithmetic: node, tweak: randomScalar(c) }));
      expectSigned(runSign(keys, pick(presigs, 2), players, randomBytes(7), { arithmetic: noble }));
    });

    it('an object that is not a back-end aborts the run at start with INVALID_PARAMETERS', () => {
      const keys = ecdsaKeys(scheme, 2, 3);
      const bad = { name: 'broken', mulBase: () => c.G } as unknown as EcdsaHmArithmetic;
      const s = createPresignSession({ sessionId: randomBytes(16), key: keys[0]!, players: [1, 2, 3], count: 1, arithmetic: bad });
      s.start();
      assert.equal(s.state, 'aborted');
      assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
    });
  });
}
