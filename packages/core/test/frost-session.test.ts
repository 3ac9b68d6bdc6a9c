/**
 * frost-sign/v1 sessions over the in-memory network (real wire codec, engine checks): random
 * k-of-n keys (n ≤ 7) from a trusted dealer, random signer subsets, all four suites, random
 * delivery orders; every signature checked by an independent verifier. Parameter validation
 * (checklist G2) aborts the session at start.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, frostSignWithShares, getSuite, randomBytes, type PartyId } from '../src/index.js';
import { dealKeyShares, expectAllAborted, expectSigned, randInt, randomSubset, range, runSign, SCHEMES, utf8, verifyIndependently } from './helpers/frost.js';

describe('frost-sign/v1 sessions', () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: random k-of-n, random signer subsets, random delivery order`, () => {
      for (let round = 0; round < 5; round++) {
        const n = randInt(2, 7);
        const k = randInt(2, n);
        const keys = dealKeyShares(scheme, k, n);
        const signers = randomSubset(range(n), randInt(k, n));
        const msg = randomBytes(randInt(0, 200));
        const sigs = new Set<string>();
        for (const reorderSeed of [undefined, randInt(1, 1 << 30)]) {
          const run = runSign(keys, signers, msg, reorderSeed === undefined ? {} : { reorderSeed });
          sigs.add(Buffer.from(expectSigned(run)).toString('hex'));
        }
        assert.equal(sigs.size, 2, 'fresh nonces every run give different signatures');
      }
    });
  }

  it('all signers of a 7-of-7 key, and non-contiguous identifiers', () => {
    const keys = dealKeyShares('frost-secp256k1-tr', 7, 7);
    expectSigned(runSign(keys, range(7), utf8('everyone')));
    const parties = [3, 10, 42, 300, 65535];
    const keys2 = dealKeyShares('frost-ed25519', 3, parties.length, { parties });
    expectSigned(runSign(keys2, [10, 300, 65535], utf8('sparse ids')));
  });

  it('the same key signs many messages (cached prepared key, precomputed verifying shares)', () => {
    for (const scheme of SCHEMES) {
      const keys = dealKeyShares(scheme, 2, 3);
      for (let i = 0; i < 6; i++) expectSigned(runSign(keys, i % 2 === 0 ? [1, 2] : [2, 3], utf8(`message ${i}`)));
    }
  });

  it('Taproot keys with odd-y tweaked group keys sign valid BIP340 signatures', () => {
    let odd = 0;
    for (let i = 0; i < 12 || odd === 0; i++) {
      const keys = dealKeyShares('frost-secp256k1-tr', 2, 3);
      if (keys[0]!.groupKey[0] === 0x03) odd++;
      expectSigned(runSign(keys, [1, 3], randomBytes(32)));
    }
    assert.ok(odd > 0);
  });

  it('frostSignWithShares (in-process helper) gives independently valid signatures', () => {
    for (const scheme of SCHEMES) {
      const keys = dealKeyShares(scheme, 3, 5);
      const msg = utf8('local');
      const r = frostSignWithShares([keys[4]!, keys[0]!, keys[2]!], msg);
      assert.deepEqual(r.signers, [1, 3, 5]);
      assert.equal(r.signature.length, getSuite(scheme).signatureLength);
      assert.ok(verifyIndependently(scheme, r.signature, msg, r.publicKey));
      assert.ok(!verifyIndependently(scheme, r.signature, utf8('other'), r.publicKey));
    }
  });
});

describe('frost-sign/v1 parameter checks (G2) abort at start', () => {
  const cases: { name: string; signers: PartyId[]; code: ErrorCode }[] = [
    { name: 'signer set below the threshold', signers: [1, 2], code: ErrorCode.NOT_ENOUGH_SIGNERS },
    { name: 'unsorted signer set', signers: [2, 1, 3], code: ErrorCode.INVALID_PARAMETERS },
    { name: 'duplicate signer', signers: [1, 2, 2, 3], code: ErrorCode.INVALID_PARAMETERS },
    { name: 'signer without a share of the key', signers: [1, 2, 9], code: ErrorCode.INVALID_PARAMETERS },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const keys = dealKeyShares('frost-ed25519', 3, 4);
      const participants = [...new Set(c.signers)].filter((p) => p <= 4);
      const run = runSign(keys, participants, utf8('m'), { signersFor: Object.fromEntries(participants.map((p) => [p, c.signers])) });
      expectAllAborted(run);
      for (const p of participants) {
        const s = run.res.sessions.get(p)!;
        assert.equal(s.error?.code, c.code, `party ${p}: ${s.error?.message ?? ''}`);
        assert.deepEqual(s.error.culprits, []);
      }
    });
  }

  it('a signer set without this party', () => {
    const keys = dealKeyShares('frost-p256', 2, 3);
    const run = runSign(keys, [1], utf8('m'), { signersFor: { 1: [2, 3] } });
    const s = run.res.sessions.get(1)!;
    assert.equal(s.state, 'aborted');
    assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
    assert.equal(s.result, undefined);
  });

  it('a single signer (FROST needs two)', () => {
    const keys = dealKeyShares('frost-secp256k1', 1, 3);
    const run = runSign(keys, [2], utf8('m'));
    const s = run.res.sessions.get(2)!;
    assert.equal(s.state, 'aborted');
    assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
  });
});
