/** The node's OpenSSL-backed request-signature check gives the same answers as the SDK's noble one. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateApplicationKey, signDigest, verifyRequestSignature } from '@opentsm/client';
import { randomBytes, toHex } from '@opentsm/core';
import { fastVerifyRequestSignature } from '../src/auth/fast-verify.js';

const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function addLtoS(sigHex: string): string {
  const b = Buffer.from(sigHex, 'hex');
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(b[i]!);
  s += L;
  for (let i = 32; i < 64; i++) {
    b[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return b.toString('hex');
}

describe('fastVerifyRequestSignature', () => {
  for (const alg of ['ed25519', 'p256'] as const) {
    it(`agrees with verifyRequestSignature (${alg}) on valid, tampered and foreign signatures`, () => {
      for (let i = 0; i < 30; i++) {
        const kp = generateApplicationKey(alg);
        const other = generateApplicationKey(alg);
        const digest = randomBytes(32);
        const sig = signDigest(alg, kp.privateKey, digest);
        const flipped = sig.slice(0, 10) + (sig[10] === '0' ? '1' : '0') + sig.slice(11);
        const cases: [string, string, Uint8Array, boolean][] = [
          [kp.publicKey, sig, digest, true],
          [kp.publicKey, flipped, digest, false],
          [other.publicKey, sig, digest, false],
          [kp.publicKey, sig, randomBytes(32), false],
          [kp.publicKey, 'zz' + sig.slice(2), digest, false],
          [kp.publicKey, sig.slice(2), digest, false],
        ];
        if (alg === 'ed25519' && i < 3) {
          const big = addLtoS(sig);
          if (big.length === 128) cases.push([kp.publicKey, big, digest, false]);
        }
        for (const [pk, s, d, expected] of cases) {
          assert.equal(verifyRequestSignature(alg, pk, d, s), expected);
          assert.equal(fastVerifyRequestSignature(alg, pk, d, s), expected);
        }
      }
    });
  }
  it('refuses an invalid public key like the SDK does', () => {
    assert.throws(() => verifyRequestSignature('ed25519', toHex(randomBytes(31)), randomBytes(32), '00'.repeat(64)));
    assert.throws(() => fastVerifyRequestSignature('ed25519', toHex(randomBytes(31)), randomBytes(32), '00'.repeat(64)));
  });
});
