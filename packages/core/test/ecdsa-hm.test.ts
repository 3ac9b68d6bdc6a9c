/**
 * Honest-majority ECDSA end to end: keys from the DKG, presigning among random subsets of
 * exactly 2t + 1 players, signing, and independent verification of every signature with OpenSSL
 * (node:crypto: IEEE P1363 and DER, compressed and uncompressed keys) and noble, recovery ids,
 * tweaked keys, presignature storage encoding. Both curves; 2-of-3 (t = 1), 3-of-5 (t = 2) and
 * 2-of-5 keys (t = 1, random 3-player subsets).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkEcdsaHmThreshold,
  createEcdsaSignSession,
  createPresignSession,
  ecdsaHmPlayersNeeded,
  ecdsaKeyDigest,
  ecdsaMessageHash,
  ErrorCode,
  presignatureBatchDigest,
  presignatureFromBytes,
  presignatureId,
  presignatureToBytes,
  ProtocolError,
  randomBytes,
} from '../src/index.js';
import { duplicate } from '../src/testing/index.js';
import { ECDSA_SCHEMES, ecdsaKeys, expectPresigned, expectSigned, hex, NOBLE, pick, randomSubset, runPresign, runSign, utf8 } from './helpers/ecdsa.js';

describe('ecdsa-hm: presign and sign', () => {
  for (const scheme of ECDSA_SCHEMES) {
    describe(scheme, () => {
      for (const [k, n] of [
        [2, 3],
        [3, 5],
        [2, 5],
      ] as const) {
        it(`${k}-of-${n}: presignatures from a random set of 2k−1 players sign messages that OpenSSL and noble verify`, () => {
          const keys = ecdsaKeys(scheme, k, n);
          const players = randomSubset(keys[0]!.parties, ecdsaHmPlayersNeeded(k));
          const count = 3;
          const presigs = expectPresigned(runPresign(keys, players, count));
          for (let i = 0; i < count; i++) {
            const message = randomBytes(1 + i * 50);
            expectSigned(runSign(keys, pick(presigs, i), players, message));
          }
          for (const ps of presigs.values()) for (const p of ps) assert.equal(p.used, true, 'every presignature is consumed');
        });
      }

      it('a tweaked signature verifies under y + ε·G (re-randomised presignature)', () => {
        const keys = ecdsaKeys(scheme, 2, 3);
        const players = [1, 2, 3];
        const presigs = expectPresigned(runPresign(keys, players, 2));
        const tweak = NOBLE[scheme].Point.Fn.create(BigInt('0x' + Buffer.from(randomBytes(32)).toString('hex')));
        const message = utf8('derived key m/0/7');
        const sig = expectSigned(runSign(keys, pick(presigs, 0), players, message, { tweak }));
        assert.notDeepEqual(sig.publicKey, keys[0]!.groupKey);
        // The nonce was re-randomised: r differs from x(R) of the presignature.
        const rOfPresig = presigs.get(1)![0]!.r;
        assert.notEqual(BigInt('0x' + Buffer.from(sig.signature.subarray(0, 32)).toString('hex')), rOfPresig);
        // Untweaked: r is x(R) of the presignature.
        const plain = expectSigned(runSign(keys, pick(presigs, 1), players, message));
        assert.equal(BigInt('0x' + Buffer.from(plain.signature.subarray(0, 32)).toString('hex')), presigs.get(1)![1]!.r);
      });

      it('a batch of 32 presignatures: distinct nonces, every one signs, same batch digest everywhere', () => {
        const keys = ecdsaKeys(scheme, 2, 3);
        const players = [1, 2, 3];
        const presigs = expectPresigned(runPresign(keys, players, 32));
        const digests = [...presigs.values()].map((ps) => Buffer.from(presignatureBatchDigest(ps)).toString('hex'));
        assert.equal(new Set(digests).size, 1);
        // Both recovery ids occur (each with probability 1/2; all 32 equal has probability 2^-31).
        const recIds = new Set<number>();
        for (let i = 0; i < 32; i++) recIds.add(expectSigned(runSign(keys, pick(presigs, i), players, randomBytes(32))).recoveryId);
        assert.deepEqual([...recIds].sort(), [0, 1]);
      });

      it('presignatures survive the storage encoding (strict round trip) and sign after decoding', () => {
        const keys = ecdsaKeys(scheme, 2, 3);
        const players = [1, 2, 3];
        const presigs = expectPresigned(runPresign(keys, players, 1));
        const decoded = new Map([...presigs].map(([p, ps]) => [p, presignatureFromBytes(presignatureToBytes(ps[0]!))]));
        for (const [p, d] of decoded) {
          const orig = presigs.get(p)![0]!;
          assert.equal(d.idHex, orig.idHex);
          assert.deepEqual(d.R, orig.R);
          assert.equal(d.r, orig.r);
          assert.deepEqual(presignatureToBytes(d), presignatureToBytes(orig), 'encoding is canonical');
          orig.discard(); // the store deleted the original; only the decoded copy is used
        }
        expectSigned(runSign(keys, decoded, players, utf8('after a restart')));
        assert.throws(
          () => presignatureToBytes(decoded.get(1)!),
          (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.PRESIGNATURE_USED,
        );
      });
    });
  }

  it('random delivery order and re-delivered messages do not matter', () => {
    const keys = ecdsaKeys('ecdsa-secp256k1', 3, 5);
    const players = [1, 2, 3, 4, 5];
    for (const seed of [1, 2, 3]) {
      const network = { reorderSeed: seed, faults: [duplicate((m) => m.from === 2)] };
      const presigs = expectPresigned(runPresign(keys, players, 2, network));
      expectSigned(runSign(keys, pick(presigs, 0), players, utf8(`order ${seed}`), network));
      expectSigned(runSign(keys, pick(presigs, 1), players, utf8(`order ${seed}, tweaked`), { ...network, tweak: BigInt(seed) }));
    }
  });

  it('the message is hashed inside: h = bits2int(SHA-256(m)) mod q, as noble signs it', () => {
    for (const scheme of ECDSA_SCHEMES) {
      const msg = randomBytes(77);
      const curve = NOBLE[scheme];
      const sk = curve.utils.randomSecretKey();
      // noble's own signature over SHA-256(m) verifies with our h iff the hashes agree:
      const sig = curve.Signature.fromBytes(curve.sign(msg, sk, { prehash: true }), 'compact');
      const h = ecdsaMessageHash(scheme, msg);
      const Fn = curve.Point.Fn;
      const w = Fn.inv(sig.s);
      const X = curve.Point.BASE.multiply(Fn.mul(h, w)).add(curve.Point.fromBytes(curve.getPublicKey(sk)).multiply(Fn.mul(sig.r, w)));
      assert.equal(Fn.create(X.toAffine().x), sig.r);
    }
  });

  it('threshold rule: 2k−1 players online; a key with fewer players cannot be used', () => {
    assert.equal(ecdsaHmPlayersNeeded(2), 3);
    assert.equal(ecdsaHmPlayersNeeded(3), 5);
    checkEcdsaHmThreshold(2, 3);
    checkEcdsaHmThreshold(3, 7);
    assert.throws(
      () => checkEcdsaHmThreshold(2, 2),
      (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS && /needs 3 players online \(2k−1\)/.test(e.message),
    );
    assert.throws(() => checkEcdsaHmThreshold(3, 4), /needs 5 players online/);
    assert.throws(() => checkEcdsaHmThreshold(1, 3), /not a threshold key/);
    // A 1-of-3 key from the DKG: presigning refuses at start.
    const k13 = ecdsaKeys('ecdsa-p256', 1, 3);
    const s = createPresignSession({ sessionId: randomBytes(8), key: k13[0]!, players: [1], count: 1 });
    s.start();
    assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
    assert.match(s.error.message, /not a threshold key/);
  });

  it('presignature ids and the key digest bind the epoch, key and player set', () => {
    const keys = ecdsaKeys('ecdsa-secp256k1', 2, 5);
    // Same session id, batch size and index: only the player set differs.
    const sessionId = randomBytes(16);
    const a = expectPresigned(runPresign(keys, [1, 2, 3], 1, { sessionId })).get(1)![0]!;
    const b = expectPresigned(runPresign(keys, [1, 4, 5], 1, { sessionId })).get(1)![0]!;
    assert.deepEqual(a.sessionId, b.sessionId);
    assert.deepEqual(a.keyDigest, b.keyDigest);
    assert.equal(a.index, b.index);
    assert.notEqual(a.idHex, b.idHex, 'the id binds the player set');
    // The ids are exactly presignatureId(...) of their fields, and only the player set changes it here.
    const id = (players: number[]) => hex(presignatureId('ecdsa-secp256k1', a.keyDigest, players, sessionId, 1, 0));
    assert.equal(a.idHex, id([1, 2, 3]));
    assert.equal(b.idHex, id([1, 4, 5]));
    assert.notEqual(id([1, 2, 3]), id([1, 2, 4]));
    assert.notEqual(id([1, 2, 3]), hex(presignatureId('ecdsa-secp256k1', a.keyDigest, [1, 2, 3], sessionId, 2, 0)), 'the id binds the batch size');
    assert.notEqual(id([1, 2, 3]), hex(presignatureId('ecdsa-secp256k1', a.keyDigest, [1, 2, 3], randomBytes(16), 1, 0)), 'the id binds the session');
    assert.deepEqual(a.keyDigest, ecdsaKeyDigest(keys[0]!));
    const refreshed = { ...keys[0]!, epoch: { counter: 1, id: randomBytes(32) } };
    assert.notDeepEqual(ecdsaKeyDigest(refreshed), a.keyDigest);
    // A presignature of the previous epoch is refused (the session aborts at start).
    const s = createEcdsaSignSession({ sessionId: randomBytes(8), key: refreshed, presignature: a, message: utf8('x'), players: [1, 2, 3] });
    s.start();
    assert.equal(s.state, 'aborted');
    assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
    assert.match(s.error.message, /another key \(or another epoch/);
    b.discard();
  });
});
