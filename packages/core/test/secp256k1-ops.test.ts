/**
 * The two libsecp256k1 back-ends of `@opentsm/core/node` (src/node/secp256k1.ts): the native addon
 * loads from a clean install on this platform, and it gives exactly the WASM build's and noble's
 * results — multiplications on random and edge scalars, verification of valid, high-s, tampered
 * and malformed signatures.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '../src/index.js';
import { nativeSecp256k1, secp256k1Ops, wasmSecp256k1, type Secp256k1Ops } from '../src/node/index.js';

const Fn = secp256k1.Point.Fn;
const N = Fn.ORDER;
const scalar = (k: bigint): Uint8Array => Fn.toBytes(k);
const randomScalar = (): bigint => Fn.create(BigInt('0x' + Buffer.from(randomBytes(48)).toString('hex'))) || 1n;

describe('secp256k1 back-ends (native addon and WASM)', () => {
  it('the native addon loads on linux-x64 (prebuilt) and is the one used', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
    assert.ok(nativeSecp256k1, 'secp256k1/bindings did not load');
    assert.equal(secp256k1Ops.name, 'libsecp256k1 (native)');
  });

  const backends: Secp256k1Ops[] = [wasmSecp256k1, ...(nativeSecp256k1 ? [nativeSecp256k1] : [])];
  for (const ops of backends) {
    describe(ops.name, () => {
      it('k·G and k·P equal noble on random and edge scalars', () => {
        for (const k of [1n, 2n, N - 1n, ...Array.from({ length: 20 }, randomScalar)]) {
          const P = secp256k1.Point.BASE.multiply(randomScalar());
          assert.deepEqual(ops.mulBase(scalar(k)), secp256k1.Point.BASE.multiply(k).toBytes(false));
          assert.deepEqual(ops.mul(P.toBytes(false), scalar(k)), P.multiply(k).toBytes(false));
          assert.deepEqual(ops.mul(P.toBytes(true), scalar(k)), P.multiply(k).toBytes(false));
        }
      });

      it('decompresses exactly the points noble decodes', () => {
        for (let i = 0; i < 10; i++) {
          const P = secp256k1.Point.BASE.multiply(randomScalar());
          assert.deepEqual(ops.decompress(P.toBytes(true)), P.toBytes(false));
        }
        const noPoint = Uint8Array.of(2, ...new Uint8Array(31), 5); // x = 5: x³ + 7 = 132 is not a square mod p
        assert.throws(() => secp256k1.Point.fromBytes(noPoint));
        assert.throws(() => ops.decompress(noPoint));
        assert.throws(() => ops.decompress(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff))), 'x ≥ p');
      });

      it('refuses the zero scalar, a scalar ≥ n and an off-curve point', () => {
        assert.throws(() => ops.mulBase(new Uint8Array(32)));
        assert.throws(() => ops.mulBase(new Uint8Array(32).fill(0xff)));
        const off = secp256k1.Point.BASE.toBytes(false);
        off[64] = off[64]! ^ 1;
        assert.throws(() => ops.mul(off, scalar(5n)));
      });

      it('verification accepts exactly low-s signatures of the right hash and key', () => {
        for (let i = 0; i < 10; i++) {
          const sk = secp256k1.utils.randomSecretKey();
          const pk = secp256k1.getPublicKey(sk, true);
          const hash = sha256(randomBytes(40));
          const sig = secp256k1.sign(hash, sk, { prehash: false, lowS: true });
          assert.equal(ops.verify(hash, pk, sig), true);
          assert.equal(ops.verify(hash, secp256k1.getPublicKey(sk, false), sig), true);
          const s = secp256k1.Signature.fromBytes(sig, 'compact');
          const high = new secp256k1.Signature(s.r, N - s.s).toBytes('compact');
          assert.equal(ops.verify(hash, pk, high), false, 'high s');
          const tampered = sig.slice();
          tampered[63] = tampered[63]! ^ 1;
          assert.equal(ops.verify(hash, pk, tampered), false, 'tampered s');
          const otherHash = hash.slice();
          otherHash[0] = otherHash[0]! ^ 1;
          assert.equal(ops.verify(otherHash, pk, sig), false, 'other hash');
          assert.equal(ops.verify(hash, secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true), sig), false, 'other key');
          assert.equal(ops.verify(hash, pk, new Uint8Array(64).fill(0xff)), false, 'r, s ≥ n');
          assert.equal(ops.verify(hash, pk, new Uint8Array(64)), false, 'r = s = 0');
          assert.equal(ops.verify(hash, new Uint8Array(33).fill(2), sig), false, 'not a point');
        }
      });
    });
  }
});
