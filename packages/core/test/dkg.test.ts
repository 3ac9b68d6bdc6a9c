/**
 * DKG end to end over the in-memory network: agreement on the public output, correctness of the
 * shares, signing with an independent FROST implementation (noble) and independent verifiers,
 * parameter checks (checklist D1) and edge configurations.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createDkgSession,
  DKG_PROTOCOL_ID,
  ErrorCode,
  getSuite,
  keyShareFromJson,
  keyShareToJson,
  ProtocolError,
  publicPackage,
  randomBytes,
  type DkgParams,
  type KeyShare,
} from '../src/index.js';
import { runDkgLocally } from '../src/testing/index.js';
import { ALL_SCHEMES, combineSecret, expectSuccess, hex, randInt, randomSubset, runDkg, signWithNoble, verifyIndependently } from './helpers/dkg.js';

/** Checks every property a correct k-of-n output must have. */
function checkOutput(keys: KeyShare[], threshold: number, parties: readonly number[]): void {
  const suite = getSuite(keys[0]!.scheme);
  assert.equal(keys.length, parties.length);
  // Byte-identical public output on every party.
  const pub0 = JSON.stringify(keyShareToJson({ ...keys[0]!, self: 0, secretShare: new Uint8Array(suite.scalarLength) }));
  for (const k of keys) {
    assert.equal(JSON.stringify(keyShareToJson({ ...k, self: 0, secretShare: new Uint8Array(suite.scalarLength) })), pub0);
    assert.deepEqual(publicPackage(k), publicPackage(keys[0]!));
    assert.equal(k.threshold, threshold);
    assert.deepEqual(k.parties, [...parties].sort((a, b) => a - b));
    assert.equal(k.chainCode.length, 32);
    assert.equal(k.publicKey.length, suite.publicKeyLength);
    // The stored form validates (points decode, s_i·G = Y_i).
    const back = keyShareFromJson(keyShareToJson(k));
    assert.equal(hex(back.secretShare), hex(k.secretShare));
  }
  // publicKey is the scheme's external encoding of groupKey.
  assert.equal(hex(keys[0]!.publicKey), hex(suite.encodePublicKey(suite.decodePoint(keys[0]!.groupKey))));
  // Any k shares interpolate to the group secret: (Σ λ_j s_j)·G = group key.
  const PK = suite.decodePoint(keys[0]!.groupKey);
  const subset = randomSubset(keys, threshold);
  assert.ok(suite.G.multiply(combineSecret(subset)).equals(PK), 'k shares reconstruct the group key');
  assert.ok(suite.G.multiply(combineSecret(keys)).equals(PK), 'all n shares reconstruct the group key');
  // k−1 shares do not (the polynomial has degree exactly k−1).
  if (threshold >= 2) assert.ok(!suite.G.multiply(combineSecret(subset.slice(1))).equals(PK));
}

describe('DKG: random k-of-n, all suites, signing with noble FROST', () => {
  for (const scheme of ALL_SCHEMES) {
    it(`${scheme}: output agreement, reconstruction and interoperable signatures`, () => {
      for (let iter = 0; iter < 3; iter++) {
        const n = randInt(1, 7);
        const k = randInt(1, n);
        const run = runDkg(scheme, k, n);
        const keys = expectSuccess(run);
        checkOutput(keys, k, run.parties);
        const msg = randomBytes(randInt(0, 64));
        const signers = randomSubset(run.parties, randInt(k, n)).sort((a, b) => a - b);
        const sig = signWithNoble(keys, signers, msg);
        assert.equal(sig.length, getSuite(scheme).signatureLength);
        assert.ok(verifyIndependently(keys[0]!, sig, msg), `${k}-of-${n} signature by {${signers.join(',')}} verifies`);
        // A different message does not verify under the same signature.
        assert.equal(verifyIndependently(keys[0]!, sig, Uint8Array.of(...msg, 0)), false);
      }
    });
  }

  it('Taproot: the key is tweaked with the empty-root TapTweak (publicKey = x(Q), 32 bytes)', () => {
    const keys = runDkgLocally('frost-secp256k1-tr', 2, 3);
    const suite = getSuite('frost-secp256k1-tr');
    const Q = suite.decodePoint(keys[0]!.groupKey);
    assert.equal(hex(keys[0]!.publicKey), hex(Q.toBytes(true).subarray(1)));
    // Two distinct signer pairs produce valid BIP340 signatures.
    for (const signers of [[1, 2], [2, 3]]) {
      const msg = randomBytes(32);
      assert.ok(verifyIndependently(keys[0]!, signWithNoble(keys, signers, msg), msg));
    }
  });
});

describe('DKG: edge configurations', () => {
  it('1-of-1 finishes without any message exchange', () => {
    for (const scheme of ALL_SCHEMES) {
      const run = runDkg(scheme, 1, 1);
      const keys = expectSuccess(run);
      assert.equal(run.res.deliveries, 0);
      checkOutput(keys, 1, [1]);
      const msg = randomBytes(10);
      assert.ok(verifyIndependently(keys[0]!, signWithNoble(keys, [1], msg), msg));
    }
  });

  it('1-of-n and n-of-n', () => {
    for (const [k, n] of [[1, 4], [4, 4]] as const) {
      const run = runDkg('frost-secp256k1', k, n);
      const keys = expectSuccess(run);
      checkOutput(keys, k, run.parties);
      if (k === 1) for (const key of keys) assert.ok(getSuite('frost-secp256k1').G.multiply(getSuite('frost-secp256k1').decodeScalar(key.secretShare)).equals(getSuite('frost-secp256k1').decodePoint(key.groupKey)));
    }
  });

  it('non-contiguous, unsorted identifiers (up to the u16 wire limit)', () => {
    const parties = [256, 3, 65535, 17, 129];
    const run = runDkg('frost-ed25519', 3, parties.length, { parties });
    const keys = expectSuccess(run);
    checkOutput(keys, 3, parties);
    const msg = randomBytes(5);
    assert.ok(verifyIndependently(keys[0]!, signWithNoble(keys, [3, 65535, 129], msg), msg));
  });

  it('16 parties, threshold 9', () => {
    const run = runDkg('frost-secp256k1', 9, 16);
    const keys = expectSuccess(run);
    checkOutput(keys, 9, run.parties);
    const msg = randomBytes(32);
    assert.ok(verifyIndependently(keys[0]!, signWithNoble(keys, randomSubset(run.parties, 9).sort((a, b) => a - b), msg), msg));
  });

  it('different runs give independent keys and chain codes', () => {
    const a = runDkgLocally('frost-p256', 2, 3);
    const b = runDkgLocally('frost-p256', 2, 3);
    assert.notEqual(hex(a[0]!.groupKey), hex(b[0]!.groupKey));
    assert.notEqual(hex(a[0]!.chainCode), hex(b[0]!.chainCode));
  });

  it('sessions use protocol id dkg/v1', () => {
    const s = createDkgSession({ scheme: 'frost-ed25519', sessionId: randomBytes(8), self: 1, parties: [1, 2], threshold: 2 });
    assert.equal(s.protocol, DKG_PROTOCOL_ID);
    assert.equal(DKG_PROTOCOL_ID, 'dkg/v1');
    assert.equal(s.state, 'idle');
  });
});

describe('DKG: parameter checks before round 1 (D1)', () => {
  const base: DkgParams = { scheme: 'frost-secp256k1', sessionId: randomBytes(16), self: 1, parties: [1, 2, 3], threshold: 2 };
  const expectCode = (p: Partial<DkgParams>, code: ErrorCode) =>
    assert.throws(
      () => createDkgSession({ ...base, ...p }),
      (e: unknown) => e instanceof ProtocolError && e.code === code,
      `${JSON.stringify({ ...p, sessionId: undefined })} → ${code}`,
    );

  it('rejects zero, negative, fractional and duplicate identifiers', () => {
    expectCode({ parties: [0, 1, 2] }, ErrorCode.INVALID_IDENTIFIER);
    expectCode({ parties: [1, 2, -3] }, ErrorCode.INVALID_IDENTIFIER);
    expectCode({ parties: [1, 2, 2.5] }, ErrorCode.INVALID_IDENTIFIER);
    expectCode({ parties: [1, 2, 2] }, ErrorCode.INVALID_IDENTIFIER);
    expectCode({ parties: [1, 2, 65536] }, ErrorCode.INVALID_IDENTIFIER);
  });

  it('rejects thresholds outside 1..n and more than 64 parties', () => {
    expectCode({ threshold: 0 }, ErrorCode.INVALID_PARAMETERS);
    expectCode({ threshold: 4 }, ErrorCode.INVALID_PARAMETERS);
    expectCode({ threshold: 1.5 }, ErrorCode.INVALID_PARAMETERS);
    expectCode({ parties: Array.from({ length: 65 }, (_, i) => i + 1), threshold: 2 }, ErrorCode.INVALID_PARAMETERS);
    expectCode({ parties: [], threshold: 1 }, ErrorCode.INVALID_PARAMETERS);
  });

  it('rejects self not in parties, unknown schemes and bad session ids', () => {
    expectCode({ self: 4 }, ErrorCode.INVALID_PARAMETERS);
    expectCode({ scheme: 'frost-ed448' }, ErrorCode.INVALID_PARAMETERS);
    expectCode({ sessionId: new Uint8Array(0) }, ErrorCode.INVALID_PARAMETERS);
    expectCode({ sessionId: new Uint8Array(65) }, ErrorCode.INVALID_PARAMETERS);
  });

  it('accepts the extremes n = 64 (k = 1 and k = 64)', () => {
    const parties = Array.from({ length: 64 }, (_, i) => i + 1);
    for (const threshold of [1, 64]) assert.equal(createDkgSession({ ...base, parties, threshold }).parties.length, 64);
  });
});
