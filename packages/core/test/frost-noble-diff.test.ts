/**
 * Differential test of our FROST fast path against noble's RFC 9591 implementation
 * (`suite.frost`: ed25519_FROST, secp256k1_FROST, p256_FROST, schnorr_FROST): for the same key,
 * the same nonce randomness and the same message, commitments, every signature share and the
 * aggregate signature must be byte-identical. Random k-of-n (n ≤ 7), random signer subsets,
 * random messages, all four suites; for Taproot both parities of the (tweaked) group key and of R.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NonceCommitments } from '@noble/curves/abstract/frost.js';
import {
  frostAggregate,
  frostCommit,
  FrostSigningPackage,
  frostSignShare,
  frostSigningKey,
  getSuite,
  randomBytes,
  type FrostScheme,
  type KeyShare,
  type PartyId,
} from '../src/index.js';
import { dealKeyShares, hex, noblePublic, nobleSecret, randInt, randomSubset, range, replayRng, SCHEMES, verifyIndependently } from './helpers/frost.js';

interface DiffOutcome {
  /** Taproot: R had odd y (nonces negated). */
  readonly negateNonces: boolean;
}

/** Sign with both implementations from the same randomness and compare every output. */
function compareWithNoble(keys: readonly KeyShare[], signers: readonly PartyId[], msg: Uint8Array): DiffOutcome {
  const scheme = keys[0]!.scheme;
  const suite = getSuite(scheme);
  const noble = suite.frost;
  const pub = noblePublic(suite, keys[0]!);
  const byParty = new Map(keys.map((k) => [k.self, k]));
  const randomness = new Map(signers.map((p) => [p, [randomBytes(32), randomBytes(32)]]));

  // Round 1 on both sides, same RNG bytes (hiding first, then binding, as RFC 9591 §5.1).
  const ours = signers.map((p) => frostCommit(byParty.get(p)!, replayRng(randomness.get(p)!)));
  const theirs = signers.map((p) => noble.commit(nobleSecret(suite, byParty.get(p)!), replayRng(randomness.get(p)!)));
  signers.forEach((p, i) => {
    assert.equal(hex(ours[i]!.commitment.hiding), hex(theirs[i]!.commitments.hiding), `D_${p}`);
    assert.equal(hex(ours[i]!.commitment.binding), hex(theirs[i]!.commitments.binding), `E_${p}`);
  });
  const nobleList: NonceCommitments[] = theirs.map((t) => t.commitments);
  const list = ours.map((n) => n.commitment);

  // Round 2: every signer builds its package with its own nonces.
  const shares = new Map<PartyId, Uint8Array>();
  const nobleShares: Record<string, Uint8Array> = {};
  let negateNonces = false;
  signers.forEach((p, i) => {
    const key = byParty.get(p)!;
    const pkg = FrostSigningPackage.create(frostSigningKey(key), msg, list, ours[i]);
    negateNonces = pkg.negateNonces;
    const z = frostSignShare(key, ours[i]!, pkg);
    const secret = nobleSecret(suite, key);
    const zNoble = noble.signShare(secret, pub, theirs[i]!.nonces, nobleList, msg);
    assert.equal(hex(z), hex(zNoble), `signature share of ${p}`);
    assert.ok(noble.verifyShare(pub, nobleList, msg, secret.identifier, z), `noble accepts our share of ${p}`);
    shares.set(p, z);
    nobleShares[secret.identifier] = zNoble;
  });

  // Aggregation as a coordinator (no own nonces) and by noble.
  const pkg = FrostSigningPackage.create(frostSigningKey(keys[0]!), msg, list);
  const sig = frostAggregate(pkg, shares);
  const sigNoble = noble.aggregate(pub, nobleList, msg, nobleShares);
  assert.equal(hex(sig), hex(sigNoble), 'aggregate signature');
  assert.ok(verifyIndependently(scheme, sig, msg, keys[0]!.publicKey));
  return { negateNonces };
}

describe('FROST fast path vs noble (byte-identical)', () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: random k-of-n, random signer subsets and messages`, () => {
      for (let round = 0; round < 6; round++) {
        const n = randInt(2, 7);
        const k = randInt(2, n);
        const keys = dealKeyShares(scheme, k, n);
        const signers = randomSubset(range(n), randInt(k, n));
        compareWithNoble(keys, signers, randomBytes(randInt(0, 100)));
      }
    });
  }

  it('frost-secp256k1-tr: odd and even group keys, odd and even R', () => {
    const scheme: FrostScheme = 'frost-secp256k1-tr';
    for (const wantOddKey of [true, false]) {
      let keys: KeyShare[];
      do keys = dealKeyShares(scheme, 2, 3);
      while ((keys[0]!.groupKey[0] === 0x03) !== wantOddKey);
      const seen = new Set<boolean>();
      for (let i = 0; i < 64 && seen.size < 2; i++) seen.add(compareWithNoble(keys, [1, 3], randomBytes(32)).negateNonces);
      assert.equal(seen.size, 2, 'both parities of R were exercised');
    }
  });

  it('identifiers above 255 (big identifiers), all suites', () => {
    for (const scheme of SCHEMES) {
      const parties = [7, 129, 256, 257, 1000];
      const keys = dealKeyShares(scheme, 3, parties.length, { parties });
      compareWithNoble(keys, [129, 256, 1000], randomBytes(20));
    }
  });
});
