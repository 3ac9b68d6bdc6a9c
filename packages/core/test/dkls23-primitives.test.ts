/**
 * DKLs23 building blocks: the hashing interface (noble and node:crypto byte-identical on random
 * inputs, and equal to their written definitions), GF(2^128) against a bit-by-bit reference, the
 * bit transpose, and the OT extension + RVOLE algebra in isolation (c_k + d_k = a_k·χ).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { shake128 } from '@noble/hashes/sha3.js';
import { ErrorCode, getSuite, nobleDklsPrimitives, ProtocolError, randomBytes, transcriptHash, type DklsPrimitives } from '../src/index.js';
import { nodeDklsPrimitives } from '../src/node/index.js';
import { Gf128Multiplier, gf128MulReference } from '../src/protocols/dkls23/gf128.js';
import { transposeBits, transposeBitsReference } from '../src/protocols/dkls23/bits.js';
import { oteReceive, oteSend } from '../src/protocols/dkls23/ot-extension.js';
import { gadgetVector, rvoleChi, rvoleReceive, rvoleSend } from '../src/protocols/dkls23/rvole.js';
import { dealSetup, ECDSA, randInt } from './helpers/dkls.js';

const IMPLS: readonly DklsPrimitives[] = [nobleDklsPrimitives, nodeDklsPrimitives];

describe('DklsPrimitives: noble and node:crypto are byte-identical', () => {
  it('xof on random inputs (item sizes, counts, output lengths)', () => {
    for (let it = 0; it < 40; it++) {
      const prefix = randomBytes(randInt(0, 40));
      const inLen = randInt(0, 48);
      const count = randInt(0, 20);
      const outLen = randInt(1, 168);
      const inputs = randomBytes(inLen * count);
      const a = nobleDklsPrimitives.xof(prefix, inputs, inLen, outLen, inLen === 0 ? count : undefined);
      const b = nodeDklsPrimitives.xof(prefix, inputs, inLen, outLen, inLen === 0 ? count : undefined);
      assert.equal(a.length, count * outLen);
      assert.deepEqual(a, b);
      // The written definition: SHAKE128(prefix ‖ u32be(i) ‖ input_i)[0, outLen).
      if (count > 0) {
        const i = randInt(0, count - 1);
        const idx = Uint8Array.of(i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff);
        const expect = shake128(Uint8Array.from([...prefix, ...idx, ...inputs.subarray(i * inLen, (i + 1) * inLen)]), { dkLen: outLen });
        assert.deepEqual(a.subarray(i * outLen, (i + 1) * outLen), expect);
      }
    }
  });

  it('hash on random inputs equals transcriptHash and OpenSSL SHA-256 of the framing', () => {
    for (let it = 0; it < 40; it++) {
      const tag = `tag-${randInt(0, 1e6)}`;
      const parts = Array.from({ length: randInt(0, 5) }, () => randomBytes(randInt(0, 3000)));
      const a = nobleDklsPrimitives.hash(tag, ...parts);
      const b = nodeDklsPrimitives.hash(tag, ...parts);
      assert.deepEqual(a, b);
      assert.deepEqual(a, transcriptHash(tag, ...parts));
      assert.equal(a.length, 32);
    }
    const h = createHash('sha256').update(Buffer.from([0, 0, 0, 1, 0x61, 0, 0, 0, 0])).digest();
    assert.deepEqual(nodeDklsPrimitives.hash('a', new Uint8Array(0)), new Uint8Array(h));
  });

  it('rejects malformed batches identically', () => {
    for (const p of IMPLS) {
      assert.throws(() => p.xof(new Uint8Array(32), new Uint8Array(33), 32, 16), RangeError);
      assert.throws(() => p.xof(new Uint8Array(32), new Uint8Array(0), 0, 16), RangeError);
      assert.throws(() => p.xof(new Uint8Array(32), new Uint8Array(32), 32, 169), RangeError);
      assert.throws(() => p.xof(new Uint8Array(32), new Uint8Array(64), 32, 16, 3), RangeError);
    }
  });
});

describe('GF(2^128) and bit transpose', () => {
  it('table multiplication equals the bit-by-bit reference; field laws hold', () => {
    for (let it = 0; it < 200; it++) {
      const a = randomBytes(16);
      const b = randomBytes(16);
      const c = randomBytes(16);
      const acc = new Uint32Array(4);
      new Gf128Multiplier(a).mulXor(new Uint32Array(b.slice().buffer), 0, acc, 0);
      const got = new Uint8Array(acc.buffer);
      assert.deepEqual(got, gf128MulReference(a, b));
      assert.deepEqual(gf128MulReference(a, b), gf128MulReference(b, a));
      // Distributivity: a·(b ⊕ c) = a·b ⊕ a·c.
      const bc = b.map((x, i) => x ^ c[i]!);
      const ab = gf128MulReference(a, b);
      const ac = gf128MulReference(a, c);
      assert.deepEqual(gf128MulReference(a, bc), ab.map((x, i) => x ^ ac[i]!));
    }
    // 1 is the identity; X^127·X = X^7 + X^2 + X + 1 (the reduction polynomial).
    const one = new Uint8Array(16);
    one[0] = 1;
    const x = randomBytes(16);
    assert.deepEqual(gf128MulReference(one, x), x);
    const x127 = new Uint8Array(16);
    x127[15] = 0x80;
    const X = new Uint8Array(16);
    X[0] = 2;
    const acc = new Uint32Array(4);
    new Gf128Multiplier(x127).mulXor(new Uint32Array(X.buffer), 0, acc, 0);
    assert.deepEqual(new Uint8Array(acc.buffer), Uint8Array.of(0x87, ...new Uint8Array(15)));
  });

  it('transpose equals the reference on random matrices', () => {
    for (let it = 0; it < 10; it++) {
      const rows = randomBytes(256 * 80);
      assert.deepEqual(transposeBits(rows, 256, 80, 512), transposeBitsReference(rows, 256, 80, 512));
    }
    const small = randomBytes(16 * 3);
    assert.deepEqual(transposeBits(small, 16, 3, 24), transposeBitsReference(small, 16, 3, 24));
  });
});

describe('OT extension and RVOLE (dkls23.md §C.2–C.3)', () => {
  for (const scheme of ECDSA) {
    it(`${scheme}: c_k + d_k = a_k·χ with mixed implementations; a flipped bit fails the sender's check`, () => {
      const suite = getSuite(scheme);
      const q = suite.order;
      const { s0, s1, delta, sd } = dealSetup();
      const g = gadgetVector(nobleDklsPrimitives, suite, randomBytes(32), 1, 2);
      for (let it = 0; it < 3; it++) {
        const sid = randomBytes(32);
        const [bobP, aliceP] = it % 2 === 0 ? [nobleDklsPrimitives, nodeDklsPrimitives] : [nodeDklsPrimitives, nobleDklsPrimitives];
        const bob = oteReceive(bobP, sid, s0, s1);
        const Q = oteSend(aliceP, sid, delta, sd, bob.message);
        const chi = rvoleChi(suite, g, bob.beta);
        const a1 = suite.randomScalar();
        const a2 = suite.randomScalar();
        const alice = rvoleSend(aliceP, suite, sid, g, Q, delta, a1, a2);
        const { d1, d2 } = rvoleReceive(bobP, suite, sid, g, bob.tCols, bob.beta, alice.payload);
        assert.equal((alice.c1 + d1) % q, (a1 * chi) % q);
        assert.equal((alice.c2 + d2) % q, (a2 * chi) % q);
        // Any single flipped bit of Bob's message (U, x̃ or t̃) fails Alice's check.
        const bad = bob.message.slice();
        const bit = randInt(0, bad.length * 8 - 1);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        assert.throws(() => oteSend(aliceP, sid, delta, sd, bad), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED);
        // A different session id (replay into another session) fails too.
        assert.throws(() => oteSend(aliceP, randomBytes(32), delta, sd, bob.message), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED);
        // Any modified RVOLE scalar fails Bob's check.
        const p2 = alice.payload.slice();
        p2[randInt(0, 512 * 3 * 32 - 1)]! ^= 1;
        assert.throws(
          () => rvoleReceive(bobP, suite, sid, g, bob.tCols, bob.beta, p2),
          (e: unknown) => e instanceof ProtocolError && (e.code === ErrorCode.DKLS_VOLE_CHECK_FAILED || e.code === ErrorCode.INVALID_SCALAR),
        );
      }
    });
  }
});
