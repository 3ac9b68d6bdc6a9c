/**
 * Resharing to a new committee (`reshare/v1`, protocols.md §4.4): same public key, new threshold
 * and/or player set — add a node, remove a node, 2-of-3 → 3-of-5 and back, a completely new
 * committee — for every scheme, over the in-memory network with keys from the DKG. Signatures
 * after the reshare verify under the unchanged public key with independent verifiers; the
 * combined secret is unchanged; epochs advance and old shares never sign with new ones.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createReshareSession,
  deriveChild,
  deriveKeyShare,
  deriveTaprootChild,
  getSuite,
  keyEpoch,
  publicPackage,
  randomBytes,
  ErrorCode,
  lagrangeAtZero,
  RESHARE_PROTOCOL_ID,
  Session,
  validateReshareParams,
  type KeyShare,
  type PartyId,
  type ReshareResult,
  type Scheme,
} from '../src/index.js';
import { evalPolynomial, randomPolynomial } from '../src/math/polynomial.js';
import { startReshare } from '../src/protocols/reshare/round1.js';
import { runDkgLocally, runNetwork, type NetworkOptions, type NetworkResult } from '../src/testing/index.js';
import { combineSecret, randomSubset } from './helpers/dkg.js';
import { expectSigned, runSign, SCHEMES as FROST_SCHEMES, utf8, verifyIndependently } from './helpers/frost.js';

const MSG = utf8('reshared key signs');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Plan {
  readonly dealers: readonly PartyId[];
  readonly newParties: readonly PartyId[];
  readonly newThreshold: number;
}

function runReshare(oldKeys: readonly KeyShare[], plan: Plan, opts: NetworkOptions = {}): NetworkResult<ReshareResult> {
  const sessionId = randomBytes(16);
  const oldPackage = publicPackage(oldKeys[0]!);
  const byParty = new Map(oldKeys.map((k) => [k.self, k]));
  const players = [...new Set([...plan.dealers, ...plan.newParties])].sort((a, b) => a - b);
  const sessions = players.map((self) =>
    createReshareSession({
      sessionId,
      self,
      oldParties: plan.dealers,
      newParties: plan.newParties,
      newThreshold: plan.newThreshold,
      // Old holders pass their share (dealers must; non-dealing holders may), newcomers only the package.
      ...(byParty.has(self) ? { oldKey: byParty.get(self)! } : {}),
      oldPackage,
    }),
  );
  return runNetwork(sessions, opts);
}

/** Run a reshare that must succeed; check every public property; return the new shares in party order. */
function reshared(oldKeys: readonly KeyShare[], plan: Plan, opts: NetworkOptions = {}): KeyShare[] {
  const res = runReshare(oldKeys, plan, opts);
  for (const [p, s] of res.sessions) assert.equal(s.state, 'done', `party ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
  const old = oldKeys[0]!;
  const suite = getSuite(old.scheme);
  for (const [p, r] of res.results) {
    if (!plan.newParties.includes(p)) assert.equal(r, null, `leaving dealer ${p} gets null`);
  }
  const fresh = [...plan.newParties].sort((a, b) => a - b).map((p) => res.results.get(p)!);
  for (const k of fresh) {
    assert.ok(k !== null);
    assert.equal(k.scheme, old.scheme);
    assert.equal(k.threshold, plan.newThreshold);
    assert.deepEqual(k.parties, [...plan.newParties].sort((a, b) => a - b));
    assert.deepEqual(k.groupKey, old.groupKey, 'PK unchanged');
    assert.deepEqual(k.publicKey, old.publicKey);
    assert.deepEqual(k.chainCode, old.chainCode);
    assert.deepEqual(k.taprootInternalKey, old.taprootInternalKey);
    assert.deepEqual(k.verifyingShares, fresh[0]!.verifyingShares, 'same public output everywhere');
    assert.equal(k.epoch?.counter, keyEpoch(old).counter + 1);
    assert.deepEqual(k.epoch.id, fresh[0]!.epoch!.id);
    assert.notDeepEqual(k.epoch.id, keyEpoch(old).id);
    assert.ok(suite.G.multiply(suite.decodeScalar(k.secretShare)).equals(suite.decodePoint(k.verifyingShares[k.self]!)));
  }
  // The combined secret is unchanged: any k' new shares interpolate to the secret of any k old ones.
  const s = combineSecret(randomSubset(oldKeys, old.threshold));
  assert.ok(suite.G.multiply(s).equals(suite.decodePoint(old.groupKey)));
  assert.equal(combineSecret(randomSubset(fresh, plan.newThreshold)), s);
  // …and k' − 1 of them do not (the threshold really is k').
  if (plan.newThreshold > 1) assert.notEqual(combineSecret(randomSubset(fresh, plan.newThreshold - 1)), s);
  return fresh;
}

function signWith(keys: readonly KeyShare[], oldPublicKey: Uint8Array): void {
  const signers = randomSubset(keys[0]!.parties, Math.max(2, keys[0]!.threshold)).sort((a, b) => a - b);
  const sig = expectSigned(runSign(keys, signers, MSG));
  assert.ok(verifyIndependently(keys[0]!.scheme, sig, MSG, oldPublicKey), 'verifies under the original public key');
}

describe('reshare/v1: 2-of-3 → 3-of-5 and back, every FROST scheme signs under the unchanged public key', () => {
  for (const scheme of FROST_SCHEMES) {
    it(scheme, () => {
      const keys = runDkgLocally(scheme, 2, 3);
      const pk = keys[0]!.publicKey;
      const five = reshared(keys, { dealers: [1, 3], newParties: [1, 2, 3, 4, 5], newThreshold: 3 });
      signWith(five, pk);
      const three = reshared(five, { dealers: [2, 4, 5], newParties: [1, 2, 3], newThreshold: 2 });
      assert.equal(three[0]!.epoch?.counter, 2);
      signWith(three, pk);
    });
  }
});

describe('reshare/v1: committee changes', () => {
  it('add a node: 2-of-3 → 2-of-4 (an old holder that does not deal also gets a new share)', () => {
    const keys = runDkgLocally('frost-ed25519', 2, 3);
    const four = reshared(keys, { dealers: [1, 2], newParties: [1, 2, 3, 4], newThreshold: 2 });
    signWith(four, keys[0]!.publicKey);
    expectSigned(runSign(four, [3, 4], MSG));
  });

  it('remove a node: 2-of-3 → 2-of-2 without party 3 (a dealer that leaves gets null)', () => {
    const keys = runDkgLocally('frost-secp256k1', 2, 3);
    const two = reshared(keys, { dealers: [1, 3], newParties: [1, 2], newThreshold: 2 });
    expectSigned(runSign(two, [1, 2], MSG));
  });

  it('a completely new committee with new identifiers: {2,3} of 2-of-3 → 2-of-3 on {7, 8, 300}', () => {
    const keys = runDkgLocally('frost-p256', 2, 3);
    const fresh = reshared(keys, { dealers: [2, 3], newParties: [7, 8, 300], newThreshold: 2 });
    signWith(fresh, keys[0]!.publicKey);
  });

  it('more dealers than the threshold (S = all three of a 2-of-3) and a threshold increase to n (3-of-3)', () => {
    const keys = runDkgLocally('frost-secp256k1-tr', 2, 3);
    const fresh = reshared(keys, { dealers: [1, 2, 3], newParties: [1, 2, 3], newThreshold: 3 });
    signWith(fresh, keys[0]!.publicKey);
  });

  it('exact output for known dealings: s_k\' = Σ_j h_j(k), Y_k\' = Σ_j h_j(k)·G (byte for byte; 2-of-3 → 3-of-4, dealers {1, 3})', () => {
    for (const scheme of ['frost-p256', 'frost-secp256k1-tr'] as const) {
      const suite = getSuite(scheme);
      const keys = runDkgLocally(scheme, 2, 3);
      const dealers: PartyId[] = [1, 3];
      const newParties: PartyId[] = [1, 2, 4, 6];
      const sessionId = randomBytes(16);
      const oldPackage = publicPackage(keys[0]!);
      const polys = new Map(
        dealers.map((j) => [j, randomPolynomial(suite, suite.Fn.mul(lagrangeAtZero(suite, j, dealers), suite.decodeScalar(keys[j - 1]!.secretShare)), 2)]),
      );
      const players = [...new Set([...dealers, ...newParties])].sort((a, b) => a - b);
      const sessions = players.map((self) => {
        const cfg = validateReshareParams({ sessionId, self, oldParties: dealers, newParties, newThreshold: 3, ...(self <= 3 ? { oldKey: keys[self - 1]! } : {}), oldPackage });
        return new Session<ReshareResult>({ sessionId, protocol: RESHARE_PROTOCOL_ID, self, parties: cfg.sessionParties, start: () => startReshare(cfg, polys.get(self)) });
      });
      const res = runNetwork(sessions);
      const share = (k: PartyId) => dealers.reduce((acc, j) => suite.Fn.add(acc, evalPolynomial(suite, polys.get(j)!, BigInt(k))), 0n);
      for (const k of newParties) {
        const out = res.results.get(k);
        assert.ok(out, `party ${k}: ${res.sessions.get(k)!.error?.message ?? ''}`);
        assert.equal(hex(out.secretShare), hex(suite.encodeScalar(share(k))));
        for (const m of newParties) assert.equal(hex(out.verifyingShares[m]!), hex(suite.encodePoint(suite.G.multiply(share(m)))), `Y_${m}`);
        assert.deepEqual(out.groupKey, oldPackage.groupKey);
      }
      assert.equal(res.results.get(3), null, 'dealer 3 leaves');
    }
  });

  it('any delivery order gives the same result (reordered network)', () => {
    const keys = runDkgLocally('frost-ed25519', 3, 4);
    for (const seed of [5, 6]) reshared(keys, { dealers: [1, 2, 4], newParties: [2, 3, 4, 5, 6], newThreshold: 2 }, { reorderSeed: seed });
  });
});

describe('reshare/v1: ECDSA keys (same Shamir format)', () => {
  for (const scheme of ['ecdsa-secp256k1', 'ecdsa-p256'] as const satisfies readonly Scheme[]) {
    it(`${scheme}: 2-of-3 → 3-of-5 → 2-of-3 — same group key, same combined secret`, () => {
      const keys = runDkgLocally(scheme, 2, 3);
      const five = reshared(keys, { dealers: [2, 3], newParties: [1, 2, 3, 4, 5], newThreshold: 3 });
      reshared(five, { dealers: [1, 3, 5], newParties: [1, 2, 3], newThreshold: 2 });
    });
  }
});

describe('reshare/v1: Taproot keys keep their internal key; derivation is unchanged', () => {
  it('the same path derives the same child before and after a reshare, and the new shares sign for it', () => {
    const keys = runDkgLocally('frost-secp256k1-tr', 2, 3);
    const fresh = reshared(keys, { dealers: [1, 2], newParties: [1, 2, 3, 4], newThreshold: 3 });
    const before = deriveTaprootChild(publicPackage(keys[0]!), 'm/0/5');
    const after = deriveTaprootChild(publicPackage(fresh[0]!), 'm/0/5');
    assert.deepEqual(after.internalKey, before.internalKey);
    assert.deepEqual(after.xOnlyOutputKey, before.xOnlyOutputKey);
    assert.deepEqual(deriveChild(publicPackage(fresh[0]!), 'm/7').publicKey, deriveChild(publicPackage(keys[0]!), 'm/7').publicKey);
    const derived = fresh.map((k) => deriveKeyShare(k, 'm/0/5'));
    const sig = expectSigned(runSign(derived, [1, 3, 4], MSG));
    assert.ok(verifyIndependently('frost-secp256k1-tr', sig, MSG, before.xOnlyOutputKey));
  });
});

describe('reshare/v1: epochs', () => {
  it('an old share with new shares of the same identifiers cannot sign (same committee, 2-of-3 → 2-of-3)', () => {
    const keys = runDkgLocally('frost-ed25519', 2, 3);
    const fresh = reshared(keys, { dealers: [1, 2], newParties: [1, 2, 3], newThreshold: 2 });
    const run = runSign([keys[0]!, fresh[1]!, fresh[2]!], [1, 2], MSG);
    assert.equal(run.res.results.size, 0);
    assert.deepEqual(run.res.stalled, []);
    assert.equal(run.res.sessions.get(2)!.error?.code, ErrorCode.INVALID_COMMITMENT_LIST);
    assert.deepEqual(run.res.sessions.get(2)!.error?.culprits, [1]);
    expectSigned(runSign(fresh, [1, 2], MSG));
  });
});
