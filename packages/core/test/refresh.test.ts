/**
 * Proactive refresh (`refresh/v1`, protocols.md §4.3): same group key, same players, fresh shares,
 * epoch + 1 — for every scheme, over the in-memory network with keys from the DKG. Signatures
 * after the refresh verify under the unchanged public key with independent verifiers; the
 * combined secret is unchanged; old and new shares never sign together.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRefreshSession,
  EPOCH_ID_LENGTH,
  ErrorCode,
  getSuite,
  keyEpoch,
  keyShareFromJson,
  keyShareToJson,
  randomBytes,
  REFRESH_PROTOCOL_ID,
  Session,
  validateRefreshParams,
  type KeyShare,
  type PartyId,
  type Scheme,
} from '../src/index.js';
import { evalPolynomial, randomPolynomial } from '../src/math/polynomial.js';
import { startRefresh } from '../src/protocols/refresh/round1.js';
import { runDkgLocally, runNetwork, type NetworkOptions, type NetworkResult } from '../src/testing/index.js';
import { combineSecret, randomSubset } from './helpers/dkg.js';
import { expectSigned, runSign, SCHEMES as FROST_SCHEMES, utf8 } from './helpers/frost.js';

const MSG = utf8('refreshed shares sign');

function runRefresh(keys: readonly KeyShare[], opts: NetworkOptions = {}): NetworkResult<KeyShare> {
  const sessionId = randomBytes(16);
  return runNetwork(
    keys.map((key) => createRefreshSession({ sessionId, key })),
    opts,
  );
}

function refreshed(keys: readonly KeyShare[], opts: NetworkOptions = {}): KeyShare[] {
  const res = runRefresh(keys, opts);
  for (const [p, s] of res.sessions) assert.equal(s.state, 'done', `party ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
  return keys.map((k) => res.results.get(k.self)!);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The public properties a refresh must keep, and the ones it must change. */
function checkRefreshed(before: readonly KeyShare[], after: readonly KeyShare[]): void {
  const suite = getSuite(before[0]!.scheme);
  const e0 = keyEpoch(before[0]!);
  for (const [i, k] of after.entries()) {
    const old = before[i]!;
    assert.equal(k.self, old.self);
    assert.equal(k.scheme, old.scheme);
    assert.equal(k.threshold, old.threshold, 'threshold unchanged (D6)');
    assert.deepEqual(k.parties, old.parties);
    assert.deepEqual(k.groupKey, old.groupKey, 'group key unchanged');
    assert.deepEqual(k.publicKey, old.publicKey);
    assert.deepEqual(k.chainCode, old.chainCode);
    assert.deepEqual(k.taprootInternalKey, old.taprootInternalKey);
    if (k.threshold > 1) assert.notDeepEqual(k.secretShare, old.secretShare, 'fresh share');
    // Every player computed the same public data, including the new epoch.
    assert.deepEqual(k.verifyingShares, after[0]!.verifyingShares);
    assert.equal(k.epoch?.counter, e0.counter + 1);
    assert.equal(k.epoch.id.length, EPOCH_ID_LENGTH);
    assert.notDeepEqual(k.epoch.id, e0.id);
    assert.deepEqual(k.epoch.id, after[0]!.epoch!.id);
    // Own share matches own verifying share.
    assert.ok(suite.G.multiply(suite.decodeScalar(k.secretShare)).equals(suite.decodePoint(k.verifyingShares[k.self]!)));
  }
  if (before[0]!.threshold > 1) for (const p of before[0]!.parties) assert.notDeepEqual(after[0]!.verifyingShares[p], before[0]!.verifyingShares[p]);
  // The combined secret is unchanged: Lagrange over a random k-subset of the new shares equals
  // Lagrange over a random k-subset of the old ones, and maps to the group key.
  const k = before[0]!.threshold;
  const sOld = combineSecret(randomSubset(before, k));
  const sNew = combineSecret(randomSubset(after, k));
  assert.equal(sNew, sOld);
  assert.ok(suite.G.multiply(sNew).equals(suite.decodePoint(before[0]!.groupKey)));
}

describe('refresh/v1: every FROST scheme signs after a refresh under the unchanged public key', () => {
  for (const scheme of FROST_SCHEMES) {
    it(`${scheme}: 2-of-3 and 3-of-5`, () => {
      for (const [k, n] of [
        [2, 3],
        [3, 5],
      ] as const) {
        const keys = runDkgLocally(scheme, k, n);
        const fresh = refreshed(keys);
        checkRefreshed(keys, fresh);
        const signers = randomSubset(keys[0]!.parties, k).sort((a, b) => a - b);
        const sig = expectSigned(runSign(fresh, signers, MSG)); // independent verifier, keys[0].publicKey unchanged
        assert.equal(sig.length, getSuite(scheme).signatureLength);
      }
    });
  }

  it('three refreshes in a row: epoch counter 3, ids chain, signing still works', () => {
    let keys = runDkgLocally('frost-secp256k1-tr', 2, 3);
    const ids = new Set<string>([hex(keyEpoch(keys[0]!).id)]);
    for (let i = 1; i <= 3; i++) {
      const next = refreshed(keys);
      checkRefreshed(keys, next);
      assert.equal(next[0]!.epoch!.counter, i);
      ids.add(hex(next[0]!.epoch!.id));
      keys = next;
    }
    assert.equal(ids.size, 4);
    expectSigned(runSign(keys, [1, 3], MSG));
  });

  it('any delivery order gives the same result (reordered network)', () => {
    const keys = runDkgLocally('frost-ed25519', 3, 4);
    for (const seed of [1, 2, 3]) {
      const fresh = refreshed(keys, { reorderSeed: seed });
      checkRefreshed(keys, fresh);
      expectSigned(runSign(fresh, [1, 2, 4], MSG));
    }
  });
});

describe('refresh/v1: ECDSA keys (same Shamir format)', () => {
  for (const scheme of ['ecdsa-secp256k1', 'ecdsa-p256'] as const satisfies readonly Scheme[]) {
    it(`${scheme}: 2-of-3 and 3-of-5 — same group key, same combined secret, epoch + 1`, () => {
      for (const [k, n] of [
        [2, 3],
        [3, 5],
      ] as const) {
        const keys = runDkgLocally(scheme, k, n);
        checkRefreshed(keys, refreshed(keys));
      }
    });
  }
});

describe('refresh/v1: epochs — shares of different epochs cannot sign together', () => {
  for (const scheme of FROST_SCHEMES) {
    it(`${scheme}: one old share with new shares → every signer aborts, no signature`, () => {
      const keys = runDkgLocally(scheme, 2, 3);
      const fresh = refreshed(keys);
      const mixed = [keys[0]!, fresh[1]!, fresh[2]!];
      const run = runSign(mixed, [1, 2, 3], MSG);
      assert.equal(run.res.results.size, 0);
      assert.deepEqual(run.res.stalled, []);
      for (const p of [2, 3]) {
        const s = run.res.sessions.get(p)!;
        assert.equal(s.state, 'aborted');
        assert.equal(s.error?.code, ErrorCode.INVALID_COMMITMENT_LIST);
        assert.deepEqual(s.error.culprits, [1]);
      }
      assert.equal(run.res.sessions.get(1)!.state, 'aborted');
    });
  }

  it('the epoch alone is bound: identical shares with a different epoch id do not sign together', () => {
    const keys = refreshed(runDkgLocally('frost-secp256k1', 2, 3));
    const other = { ...keys[1]!, epoch: { counter: keys[1]!.epoch!.counter, id: randomBytes(32) } };
    const run = runSign([keys[0]!, other, keys[2]!], [1, 2], MSG);
    assert.equal(run.res.results.size, 0);
    for (const p of [1, 2]) assert.equal(run.res.sessions.get(p)!.state, 'aborted');
    assert.equal(run.res.sessions.get(1)!.error?.code, ErrorCode.INVALID_COMMITMENT_LIST);
    // Same epoch, same shares: signs.
    expectSigned(runSign(keys, [1, 2], MSG));
  });
});

describe('refresh/v1: storage and edge cases', () => {
  it('KeyShare JSON keeps the epoch and the Taproot internal key; JSON without them is epoch 0', () => {
    const keys = runDkgLocally('frost-secp256k1-tr', 2, 3);
    assert.ok(keys[0]!.taprootInternalKey !== undefined);
    const fresh = refreshed(keys);
    const back = keyShareFromJson(JSON.parse(JSON.stringify(keyShareToJson(fresh[0]!))));
    assert.deepEqual(back, fresh[0]);
    const legacy = keyShareToJson(fresh[0]!);
    delete legacy.epoch;
    delete legacy.taprootInternalKey;
    const parsed = keyShareFromJson(legacy);
    assert.equal(parsed.epoch, undefined);
    assert.equal(keyEpoch(parsed).counter, 0);
    assert.deepEqual(keyEpoch(parsed).id, new Uint8Array(32));
    // A mismatching internal key is rejected on load.
    const bad = { ...keyShareToJson(fresh[0]!), taprootInternalKey: hex(fresh[0]!.groupKey) };
    assert.throws(() => keyShareFromJson(bad), (e: unknown) => (e as { code?: string }).code === ErrorCode.INVALID_PARAMETERS);
  });

  it('exact output for known zero-sharings: s_i\' = s_i + Σ_ℓ g_ℓ(i), Y_j\' = Y_j + Σ_ℓ g_ℓ(j)·G (byte for byte)', () => {
    for (const scheme of ['frost-secp256k1', 'frost-ed25519'] as const) {
      const suite = getSuite(scheme);
      const keys = runDkgLocally(scheme, 3, 4, { parties: [2, 5, 9, 11] });
      const sessionId = randomBytes(16);
      const polys = new Map(keys.map((k) => [k.self, randomPolynomial(suite, 0n, 2)]));
      const sessions = keys.map((key) => {
        const cfg = validateRefreshParams({ sessionId, key });
        return new Session<KeyShare>({ sessionId, protocol: REFRESH_PROTOCOL_ID, self: key.self, parties: cfg.parties, start: () => startRefresh(cfg, polys.get(key.self)) });
      });
      const res = runNetwork(sessions);
      const delta = (j: PartyId) => [...polys.values()].reduce((acc, g) => suite.Fn.add(acc, evalPolynomial(suite, g, BigInt(j))), 0n);
      for (const old of keys) {
        const k = res.results.get(old.self);
        assert.ok(k !== undefined, `party ${old.self}: ${res.sessions.get(old.self)!.error?.message ?? ''}`);
        assert.equal(hex(k.secretShare), hex(suite.encodeScalar(suite.Fn.add(suite.decodeScalar(old.secretShare), delta(old.self)))));
        for (const j of old.parties) {
          const Yj = suite.decodePoint(old.verifyingShares[j]!).add(suite.G.multiply(delta(j)));
          assert.equal(hex(k.verifyingShares[j]!), hex(suite.encodePoint(Yj)), `Y_${j}`);
        }
        assert.deepEqual(k.groupKey, old.groupKey);
      }
    }
  });

  it('1-of-n key: nothing to re-randomise (degree 0), the refresh succeeds and only the epoch advances', () => {
    const keys = runDkgLocally('frost-ed25519', 1, 3);
    const fresh = refreshed(keys);
    for (const [i, k] of fresh.entries()) {
      assert.deepEqual(k.secretShare, keys[i]!.secretShare);
      assert.deepEqual(k.verifyingShares, keys[i]!.verifyingShares);
      assert.equal(k.epoch?.counter, 1);
    }
  });

  it('non-contiguous identifiers and a single-party key', () => {
    const parties: PartyId[] = [3, 17, 250];
    const keys = runDkgLocally('frost-p256', 2, 3, { parties });
    const fresh = refreshed(keys);
    checkRefreshed(keys, fresh);
    expectSigned(runSign(fresh, [17, 250], MSG));
    const solo = runDkgLocally('frost-secp256k1', 1, 1);
    assert.equal(refreshed(solo)[0]!.epoch?.counter, 1);
  });
});
