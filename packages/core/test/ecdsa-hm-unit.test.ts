/**
 * Unit tests of the honest-majority ECDSA building blocks:
 * - the opening code (exponent.ts): the small-integer dual-code consistency check accepts exactly
 *   the degree-t point vectors and the integer interpolation equals Lagrange at 0 (checked against
 *   a direct computation with field Lagrange coefficients), for random player sets;
 * - the prepared-key verifier (curve.ts) agrees with noble's `verify` (differential);
 * - the presignature storage encoding is strict.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { ErrorCode, lagrangeAtZero, presignatureFromBytes, presignatureToBytes, ProtocolError, randomBytes, type EcdsaScheme } from '../src/index.js';
import { nodeEcdsaHmArithmetic } from '../src/node/index.js';
import { evalPolynomial } from '../src/math/polynomial.js';
import { bits2intModQ, decodeWirePoint, ecdsaCurve, encodeWirePoint, messageHash, mulOneTimeSecret, verifyWithPoint } from '../src/protocols/ecdsa-hm/curve.js';
import { interpolatePoints, isConsistent, openingCode, openScalar } from '../src/protocols/ecdsa-hm/exponent.js';
import { ECDSA_SCHEMES, ecdsaKeys, expectPresigned, NOBLE, randInt, runPresign } from './helpers/ecdsa.js';

function randomPlayerSet(n: number, max: number): number[] {
  const s = new Set<number>();
  while (s.size < n) s.add(randInt(1, max));
  return [...s].sort((a, b) => a - b);
}

describe('ecdsa-hm: opening code', () => {
  for (const scheme of ECDSA_SCHEMES) {
    it(`${scheme}: consistency check and interpolation match Lagrange for random sets (t = 0..3, ids up to 65535)`, () => {
      const c = ecdsaCurve(scheme);
      const Fn = c.Fn;
      const cases: [number, number][] = [
        [0, 5],
        [1, 5],
        [1, 65535],
        [2, 9],
        [2, 65535],
        [3, 12],
      ];
      for (const [t, max] of cases) {
        const players = t === 1 && max === 5 ? [1, 2, 3] : randomPlayerSet(2 * t + 1, max);
        const code = openingCode(c, players, t);
        assert.equal(code.relations.length, t, 'n − t − 1 relations');
        // A random degree-t polynomial in the exponent.
        const coeffs = Array.from({ length: t + 1 }, () => c.suite.randomScalar());
        const shares = players.map((p) => evalPolynomial(c.suite, coeffs, BigInt(p)));
        const B = c.G.multiply(c.suite.randomScalar());
        const points = shares.map((s) => B.multiply(s));
        assert.ok(isConsistent(c, code, points), `degree-${t} sharing at ${players.join(',')} is consistent`);
        assert.ok(interpolatePoints(c, code, points).equals(B.multiply(coeffs[0]!)), 'interpolation gives a·B');
        // Field Lagrange over the whole set (math/polynomial.ts) agrees with the code's λ.
        players.forEach((p, i) => assert.equal(code.lambdas[i], lagrangeAtZero(c.suite, p, players)));
        assert.equal(openScalar(c, code, shares), coeffs[0]);
        // Any single changed point is detected (t ≥ 1: there is redundancy).
        if (t >= 1) {
          for (let j = 0; j < players.length; j++) {
            const bad = points.map((P, i) => (i === j ? P.add(c.G) : P));
            assert.equal(isConsistent(c, code, bad), false, `a wrong point at position ${j} is detected`);
          }
          // A degree-(t+1) sharing is not consistent.
          const high = [...coeffs, Fn.create(5n)];
          const hp = players.map((p) => B.multiply(evalPolynomial(c.suite, high, BigInt(p))));
          assert.equal(isConsistent(c, code, hp), false, 'degree t+1 is rejected');
        }
        // Degree-2t opening of scalars (no redundancy): Lagrange over all 2t + 1 shares.
        const code2 = openingCode(c, players, 2 * t);
        const c2 = Array.from({ length: 2 * t + 1 }, () => c.suite.randomScalar());
        assert.equal(openScalar(c, code2, players.map((p) => evalPolynomial(c.suite, c2, BigInt(p)))), c2[0]);
      }
    });
  }

  it('the relation for players {1,2,3} is the second difference A1 − 2·A2 + A3', () => {
    const code = openingCode(ecdsaCurve('ecdsa-secp256k1'), [1, 2, 3], 1);
    assert.deepEqual(code.relations, [[1n, -2n, 1n]]);
    assert.deepEqual(code.interpolation, [3n, -3n, 1n]);
    assert.equal(code.interpolationScale, 1n);
  });
});

describe('ecdsa-hm: verification with a prepared key agrees with noble verify', () => {
  for (const scheme of ECDSA_SCHEMES) {
    it(scheme, () => {
      const c = ecdsaCurve(scheme);
      const noble = NOBLE[scheme];
      for (let i = 0; i < 24; i++) {
        const sk = noble.utils.randomSecretKey();
        const pk = noble.getPublicKey(sk, true);
        const Y = noble.Point.fromBytes(pk);
        const msg = randomBytes(randInt(0, 100));
        const sig = noble.Signature.fromBytes(noble.sign(msg, sk, { prehash: true, lowS: true }), 'compact');
        const h = messageHash(c, msg);
        const variants: [bigint, bigint, Uint8Array][] = [
          [sig.r, sig.s, msg], // valid
          [sig.r, c.q - sig.s, msg], // high s: refused by both (lowS)
          [sig.r, sig.s, randomBytes(8)], // other message
          [c.Fn.create(sig.r + 1n), sig.s, msg], // other r
          [sig.r, c.Fn.create(sig.s + 1n), msg], // other s
        ];
        for (const [r, s, m] of variants) {
          const ours = verifyWithPoint(c, Y, m === msg ? h : messageHash(c, m), r, s);
          const theirs = noble.verify(new noble.Signature(r, s).toBytes('compact'), m, pk, { prehash: true, lowS: true });
          assert.equal(ours, theirs);
        }
        assert.equal(verifyWithPoint(c, Y, h, sig.r, sig.s), true, 'a valid signature verifies');
        // Tweaked: a signature by sk + ε verifies under Y with tweak ε, and only with that tweak.
        const eps = c.suite.randomScalar();
        const skT = noble.Point.Fn.toBytes(noble.Point.Fn.add(noble.Point.Fn.fromBytes(sk), eps));
        const sigT = noble.Signature.fromBytes(noble.sign(msg, skT, { prehash: true, lowS: true }), 'compact');
        assert.equal(verifyWithPoint(c, Y, h, sigT.r, sigT.s, eps), true, 'tweaked signature verifies under y + ε·G');
        assert.equal(verifyWithPoint(c, Y, h, sigT.r, sigT.s, c.Fn.add(eps, 1n)), false);
        assert.equal(verifyWithPoint(c, Y, h, sigT.r, sigT.s), false);
      }
    });
  }

  it('one-time secret multiplication (unblinded constant-time path) equals noble multiply', () => {
    for (const scheme of ECDSA_SCHEMES) {
      const c = ecdsaCurve(scheme);
      const P = c.G.multiply(c.suite.randomScalar());
      for (const s of [1n, 2n, c.q - 1n, c.suite.randomScalar(), c.suite.randomScalar()]) {
        assert.ok(mulOneTimeSecret(c, c.G, s).equals(c.G.multiply(s)), 'base point');
        assert.ok(mulOneTimeSecret(c, P, s).equals(P.multiply(s)), 'other point');
      }
      assert.throws(() => mulOneTimeSecret(c, P, 0n));
    }
  });

  it('wire points: SEC1 uncompressed only, canonical, on the curve (C1)', () => {
    for (const scheme of ECDSA_SCHEMES) {
      const c = ecdsaCurve(scheme);
      const P = c.G.multiply(c.suite.randomScalar());
      const good = encodeWirePoint(P);
      assert.equal(good.length, 65);
      assert.ok(decodeWirePoint(c, good).equals(P));
      const p = c.Point.Fp.ORDER;
      // A point with a small x, so that x + p still fits in 32 bytes (a non-canonical encoding).
      let small: Uint8Array | undefined;
      for (let x = 1n; small === undefined; x++) {
        try {
          small = c.Point.fromBytes(Uint8Array.of(2, ...Buffer.from(x.toString(16).padStart(64, '0'), 'hex'))).toBytes(false);
        } catch {
          // no point with this x
        }
      }
      const xPlusP = small.slice();
      const x = BigInt('0x' + Buffer.from(small.subarray(1, 33)).toString('hex'));
      const bad: [string, Uint8Array][] = [
        ['compressed', P.toBytes(true)],
        ['prefix 02 with 65 bytes', Uint8Array.of(2, ...good.subarray(1))],
        ['off the curve', Uint8Array.of(...good.subarray(0, 64), good[64]! ^ 1)],
        ['zeros (wrong prefix)', new Uint8Array(65)],
        ['identity as 04 ‖ 0…0 (the (0, 0) convention)', Uint8Array.of(4, ...new Uint8Array(64))],
        ['short', good.subarray(0, 64)],
      ];
      assert.ok(x + p < 2n ** 256n);
      xPlusP.set(Buffer.from((x + p).toString(16).padStart(64, '0'), 'hex'), 1);
      bad.push(['x + p (non-canonical)', xPlusP]);
      assert.ok(decodeWirePoint(c, small).toBytes(false).every((v, i) => v === small[i]));
      for (const [what, b] of bad)
        assert.throws(() => decodeWirePoint(c, b), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_POINT, what);
    }
  });

  it('bits2int: SHA-256 output is reduced mod q (the digest q maps to 0)', () => {
    for (const scheme of ECDSA_SCHEMES) {
      const c = ecdsaCurve(scheme);
      const qBytes = Uint8Array.from(Buffer.from(c.q.toString(16).padStart(64, '0'), 'hex'));
      assert.equal(bits2intModQ(c, qBytes), 0n);
      const d = sha256(Uint8Array.of(1, 2, 3));
      assert.equal(bits2intModQ(c, d), BigInt('0x' + Buffer.from(d).toString('hex')) % c.q);
    }
  });
});

describe('ecdsa-hm: presignature storage encoding is strict', () => {
  const scheme: EcdsaScheme = 'ecdsa-secp256k1';
  it('rejects truncation, trailing bytes, a wrong version, a tampered id, a scalar ≥ q, an invalid R, unsorted players', () => {
    const keys = ecdsaKeys(scheme, 2, 3);
    const p = expectPresigned(runPresign(keys, [1, 2, 3], 1)).get(1)![0]!;
    const good = presignatureToBytes(p);
    assert.equal(presignatureFromBytes(good).idHex, p.idHex);
    const c = ecdsaCurve(scheme);
    // Layout offsets (presignature.ts): version 1, scheme 1+15, self 2, n 2, players 6, digest 32, sid 1+16, count 2, index 2, R 33, 4 scalars, id.
    const schemeLen = good[1]!;
    const playersAt = 2 + schemeLen + 2 + 2;
    const sidAt = playersAt + 6 + 32;
    const RAt = sidAt + 1 + good[sidAt]! + 4;
    const alphaAt = RAt + 33;
    const idAt = good.length - 32;
    const mutate = (f: (b: Uint8Array) => Uint8Array) => f(good.slice());
    const fe = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
    // An x with no curve point (x³ + 7 not a square mod p), 02-prefixed: a well-formed compressed encoding off the curve.
    let noPointX = 1n;
    for (; ; noPointX++) {
      try {
        NOBLE[scheme].Point.fromBytes(Uint8Array.of(2, ...fe(noPointX)));
      } catch {
        break;
      }
    }
    const p_ = c.Point.Fp.ORDER;
    const Rx = BigInt('0x' + Buffer.from(p.R.subarray(1)).toString('hex'));
    const bad: [string, Uint8Array][] = [
      ['truncated', good.subarray(0, good.length - 1)],
      ['trailing', Uint8Array.of(...good, 0)],
      ['version', mutate((b) => ((b[0] = 2), b))],
      ['id', mutate((b) => ((b[idAt] = b[idAt]! ^ 1), b))],
      ['index', mutate((b) => ((b[RAt - 1] = 5), b))],
      ['scalar ≥ q', mutate((b) => (b.set(Buffer.from(c.q.toString(16), 'hex'), alphaAt), b))],
      ['R off the curve (02 ‖ x with no curve point)', mutate((b) => (b.set(Uint8Array.of(2, ...fe(noPointX)), RAt), b))],
      ['R with a bad prefix (ff)', mutate((b) => ((b[RAt] = 0xff), b))],
      ['R with x ≥ p', mutate((b) => (b.set(fe(Rx + p_ < 2n ** 256n ? Rx + p_ : p_), RAt + 1), b))],
      ['players unsorted', mutate((b) => ((b[playersAt + 1] = 3), (b[playersAt + 5] = 1), b))],
      ['empty', new Uint8Array(0)],
    ];
    // Also with the server back-end, whose decodePoint parses R with libsecp256k1 / OpenSSL.
    assert.equal(presignatureFromBytes(good, { arithmetic: nodeEcdsaHmArithmetic }).idHex, p.idHex);
    for (const [what, b] of bad) {
      for (const options of [{}, { arithmetic: nodeEcdsaHmArithmetic }]) {
        assert.throws(
          () => presignatureFromBytes(b, options),
          (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS && /^invalid presignature: /.test(e.message),
          what,
        );
      }
    }
    p.discard();
    assert.equal(p.used, true);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), { id: p.idHex, scheme, self: 1, players: [1, 2, 3], index: 0, used: true });
  });
});
