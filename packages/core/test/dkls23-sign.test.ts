/**
 * DKLs23 signing end to end over the in-memory network: 2-of-2, 2-of-3 (every signer pair),
 * 3-of-5 (random subsets), both curves, verified independently with OpenSSL (node:crypto, r‖s and
 * DER) and noble, recovery ids, tweaks (y + ε·G), mixed noble/node hashing between parties, the
 * key-share storage encoding, and parameter validation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createDklsSignSession,
  dklsKeyShareFromBytes,
  dklsKeyShareToBytes,
  dklsPublicPackage,
  ErrorCode,
  getSuite,
  isDklsKeyShare,
  keyShareToJson,
  makeDklsKeyShare,
  ProtocolError,
  randomBytes,
  type DklsKeyShare,
} from '../src/index.js';
import { dealtKeys, ECDSA, expectSigned, NODE, randInt, randomSubset, range, sign } from './helpers/dkls.js';

describe('DKLs23 signing: valid signatures', () => {
  for (const scheme of ECDSA) {
    it(`${scheme}: 2-of-2`, () => {
      const keys = dealtKeys(scheme, 2, 2);
      for (let i = 0; i < 2; i++) expectSigned(sign(keys, [1, 2]));
    });

    it(`${scheme}: 2-of-3, every signer pair`, () => {
      const keys = dealtKeys(scheme, 2, 3);
      for (const signers of [[1, 2], [1, 3], [2, 3]]) expectSigned(sign(keys, signers));
    });

    it(`${scheme}: 3-of-5, random subsets`, () => {
      const keys = dealtKeys(scheme, 3, 5);
      for (let i = 0; i < 2; i++) expectSigned(sign(keys, randomSubset(range(5), 3)));
    });

    it(`${scheme}: tweak — the signature verifies under y + ε·G`, () => {
      const keys = dealtKeys(scheme, 2, 3);
      const suite = getSuite(scheme);
      for (const tweak of [1n, suite.randomScalar(), suite.order - 1n]) {
        const sig = expectSigned(sign(keys, randomSubset(range(3), 2), { tweak }));
        assert.notDeepEqual(sig.publicKey, keys[0]!.groupKey);
      }
    });
  }

  it('every party may use either hashing implementation (byte-identical)', () => {
    const keys = dealtKeys('ecdsa-secp256k1', 2, 2);
    expectSigned(sign(keys, [1, 2], { primitives: () => NODE }));
    expectSigned(sign(keys, [1, 2], { primitives: () => undefined }));
    expectSigned(sign(keys, [1, 2], { primitives: (p) => (p === 1 ? undefined : NODE) }));
  });

  it('signers may be given in any order; the empty message and long messages sign', () => {
    const keys = dealtKeys('ecdsa-p256', 3, 4);
    expectSigned(sign(keys, [4, 1, 3], { message: new Uint8Array(0) }));
    expectSigned(sign(keys, [2, 3, 4], { message: randomBytes(10_000) }));
  });
});

describe('DKLs23 key share storage', () => {
  it('round trip, signing with decoded keys, OT setup hidden from the public package and JSON', () => {
    const keys = dealtKeys('ecdsa-secp256k1', 2, 3);
    const decoded = keys.map((k) => dklsKeyShareFromBytes(dklsKeyShareToBytes(k)));
    for (let i = 0; i < 3; i++) {
      const a = keys[i]!;
      const b = decoded[i]!;
      assert.deepEqual(dklsKeyShareToBytes(b), dklsKeyShareToBytes(a));
      assert.deepEqual(keyShareToJson(b), keyShareToJson(a));
      assert.ok(isDklsKeyShare(b));
      for (const j of a.parties) if (j !== a.self) assert.deepEqual(b.ot[j], a.ot[j]);
      // The OT setup is secret: not enumerable, not in the public package, not in JSON.
      assert.equal(Object.keys(b).includes('ot'), false);
      assert.equal('ot' in dklsPublicPackage(b), false);
      assert.equal(JSON.stringify(b).includes('seeds'), false);
    }
    expectSigned(sign(decoded, [1, 3]));
  });

  it('rejects malformed encodings', () => {
    const k = dealtKeys('ecdsa-p256', 2, 2)[0]!;
    const good = dklsKeyShareToBytes(k);
    const bad = (b: Uint8Array) =>
      assert.throws(() => dklsKeyShareFromBytes(b), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS);
    bad(good.subarray(0, good.length - 1)); // truncated
    bad(Uint8Array.from([...good, 0])); // trailing byte
    const magic = good.slice();
    magic[0] = 0;
    bad(magic);
    const version = good.slice();
    version[4] = 2;
    bad(version);
    const scheme = good.slice();
    scheme[5] = 9;
    bad(scheme);
    // Secret share changed: s_i·G ≠ Y_i.
    const off = 4 + 1 + 1 + 2 + 2 + 2 * 2 + 2;
    const share = good.slice();
    share[off + 31]! ^= 1;
    bad(share);
    // Secret share ≥ q.
    const big = good.slice();
    big.fill(0xff, off, off + 32);
    bad(big);
    // A verifying share replaced by another valid point: interpolation fails.
    const vs = good.slice();
    const vsOff = off + 32 + 33 + 33; // second party's verifying share
    vs.set(getSuite('ecdsa-p256').encodePoint(getSuite('ecdsa-p256').G), vsOff);
    bad(vs);
    // Threshold above n.
    const th = good.slice();
    th[7] = 3;
    bad(th);
  });

  it('the key epoch is stored, and signers holding different epochs cannot sign together', () => {
    const keys = dealtKeys('ecdsa-secp256k1', 2, 2);
    const epoch = { counter: 3, id: randomBytes(32) };
    const withEpoch = keys.map((k) => makeDklsKeyShare({ ...k, epoch }, k.ot));
    const back = withEpoch.map((k) => dklsKeyShareFromBytes(dklsKeyShareToBytes(k)));
    assert.deepEqual(back[0]!.epoch, epoch);
    assert.equal(dklsKeyShareFromBytes(dklsKeyShareToBytes(keys[0]!)).epoch, undefined, 'epoch 0 decodes as absent');
    expectSigned(sign(back, [1, 2]));
    const mixed = sign([back[0]!, keys[1]!], [1, 2]);
    assert.equal(mixed.res.results.size, 0);
    assert.ok([1, 2].some((p) => mixed.res.sessions.get(p)!.error?.code === ErrorCode.DKLS_CONTEXT_MISMATCH));
  });

  it('makeDklsKeyShare requires a well-formed setup for every peer', () => {
    const keys = dealtKeys('ecdsa-p256', 2, 3);
    const bad = (ot: object) =>
      assert.throws(() => makeDklsKeyShare(keys[0]!, ot as DklsKeyShare['ot']), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS);
    bad({ 2: keys[0]!.ot[2]! });
    bad({ 2: keys[0]!.ot[2]!, 3: { ...keys[0]!.ot[3]!, seeds0: new Uint8Array(10) } });
    bad({ 2: keys[0]!.ot[2]!, 3: { ...keys[0]!.ot[3]!, delta: undefined } });
    assert.ok(isDklsKeyShare(makeDklsKeyShare(keys[0]!, keys[0]!.ot)));
  });

  it('a key share without the OT setup (e.g. after JSON) cannot sign', () => {
    const keys = dealtKeys('ecdsa-secp256k1', 2, 2);
    const plain = { ...keys[0]! }; // spread drops the non-enumerable setup
    const s = createDklsSignSession({ sessionId: randomBytes(16), key: plain, signers: [1, 2], message: randomBytes(8) });
    s.start();
    assert.equal(s.state, 'aborted');
    assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
  });
});

describe('DKLs23 signing parameters', () => {
  const keys = dealtKeys('ecdsa-secp256k1', 2, 3);
  const start = (p: Partial<Parameters<typeof createDklsSignSession>[0]>) => {
    const s = createDklsSignSession({ sessionId: randomBytes(16), key: keys[0]!, signers: [1, 2], message: randomBytes(8), ...p });
    const out = s.start();
    return { s, out };
  };
  for (const [name, p, code] of [
    ['too few signers', { signers: [1] }, ErrorCode.NOT_ENOUGH_SIGNERS],
    ['more than k signers', { signers: [1, 2, 3] }, ErrorCode.INVALID_PARAMETERS],
    ['a signer without a share', { signers: [1, 4] }, ErrorCode.INVALID_PARAMETERS],
    ['self not a signer', { signers: [2, 3] }, ErrorCode.INVALID_PARAMETERS],
    ['duplicate signer', { signers: [1, 1] }, ErrorCode.INVALID_PARAMETERS],
    ['tweak ≥ q', { tweak: getSuite('ecdsa-secp256k1').order }, ErrorCode.INVALID_PARAMETERS],
    ['negative tweak', { tweak: -1n }, ErrorCode.INVALID_PARAMETERS],
  ] as const) {
    it(`${name} → aborts at start (${code}), nothing but the abort notice sent`, () => {
      const { s, out } = start(p);
      assert.equal(s.state, 'aborted');
      assert.equal(s.error?.code, code);
      assert.equal(out.length, 1); // the abort notice
    });
  }

  it('a session id of 65 bytes is refused at construction', () => {
    assert.throws(() => createDklsSignSession({ sessionId: new Uint8Array(65), key: keys[0]!, signers: [1, 2], message: new Uint8Array(1) }), ProtocolError);
  });

  it('a random signer set among 3-of-5 with a random tweak and message, twice in a row with fresh session ids', () => {
    const k5 = dealtKeys('ecdsa-p256', 3, 5);
    const signers = randomSubset(range(5), 3);
    const tweak = BigInt(randInt(1, 1e9));
    const a = expectSigned(sign(k5, signers, { tweak }));
    const b = expectSigned(sign(k5, signers, { tweak }));
    assert.notDeepEqual(a.signature, b.signature);
  });
});
