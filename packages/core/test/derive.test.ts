/**
 * Non-hardened BIP32 derivation for threshold keys (protocols.md §5; checklist H3): bip32.json
 * vectors (public derivation steps, IL values, the threshold-tweak example), agreement with
 * @scure/bip32 deriving from our xpub for random keys and paths, the Taproot rule (BIP32 on the
 * internal key, then TapTweak), the additive scheme on Ed25519 / P-256, hardened paths refused,
 * and signatures with derived keys verified by independent verifiers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  applyTweak,
  bip32Fingerprint,
  ckdPub,
  deriveChild,
  deriveKeyPackage,
  deriveKeyShare,
  deriveTaprootChild,
  encodeXpub,
  ErrorCode,
  getSuite,
  keyShareFromJson,
  keyShareToJson,
  parseDerivationPath,
  publicPackage,
  randomBytes,
  xpub,
  type KeyShare,
  type PartyId,
  type PublicKeyPackage,
  type Scheme,
} from '../src/index.js';
import { runDkgLocally } from '../src/testing/index.js';
import { combineSecret, randInt, randomSubset } from './helpers/dkg.js';
import { expectSigned, runSign, utf8 } from './helpers/frost.js';

interface Bip32Vectors {
  vectors: {
    name: string;
    nodes: { path: string; xpub: string; chain_code: string; public_key: string }[];
    public_derivations: {
      parent_path: string;
      child_path: string;
      parent_xpub: string;
      index: number;
      parent_public_key: string;
      parent_chain_code: string;
      il_tweak: string;
      child_public_key: string;
      child_chain_code: string;
      child_xpub: string;
    }[];
  }[];
  threshold_tweak_example: {
    index: number;
    parent_public_key: string;
    parent_chain_code: string;
    il_tweak: string;
    child_private_key: string;
    child_public_key: string;
    child_chain_code: string;
    shamir_2_of_3: {
      parent_shares: Record<string, string>;
      parent_verifying_shares: Record<string, string>;
      child_shares: Record<string, string>;
      child_verifying_shares: Record<string, string>;
    };
  };
}

const V = JSON.parse(readFileSync(new URL('./vectors/bip32.json', import.meta.url), 'utf8')) as Bip32Vectors;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const big = (s: string) => BigInt('0x' + s);
const MSG = utf8('derived keys sign');
const isCode = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

/** A public package with only what derivation reads (a 1-of-1 key at the given point). */
function packageAt(scheme: Scheme, publicKeyHex: string, chainCodeHex: string): PublicKeyPackage {
  const pk = unhex(publicKeyHex);
  return { scheme, threshold: 1, parties: [1], groupKey: pk, publicKey: pk, verifyingShares: { 1: pk }, chainCode: unhex(chainCodeHex) };
}

function randomPath(maxDepth = 4): string {
  const d = randInt(1, maxDepth);
  return ['m', ...Array.from({ length: d }, () => String(randInt(0, 3) === 0 ? randInt(0, 20) : randInt(0, 0x7fffffff)))].join('/');
}

describe('BIP32 vectors (bip32.json)', () => {
  it('depth-0 nodes: xpub(package) is the BIP32 xpub string', () => {
    let n = 0;
    for (const v of V.vectors)
      for (const node of v.nodes.filter((x) => x.path === 'm')) {
        for (const scheme of ['ecdsa-secp256k1', 'frost-secp256k1'] as const) assert.equal(xpub(packageAt(scheme, node.public_key, node.chain_code)), node.xpub, v.name);
        n++;
      }
    assert.equal(n, V.vectors.length);
  });

  it('every public derivation step: IL, child key, child chain code and child xpub', () => {
    const suite = getSuite('ecdsa-secp256k1');
    let n = 0;
    for (const v of V.vectors)
      for (const d of v.public_derivations) {
        const step = ckdPub(suite, suite.decodePoint(unhex(d.parent_public_key)), unhex(d.parent_chain_code), d.index);
        assert.equal(step.il, big(d.il_tweak), `${d.child_path} IL`);
        assert.equal(hex(suite.encodePoint(step.publicKey)), d.child_public_key);
        assert.equal(hex(step.chainCode), d.child_chain_code);
        // The same through the package API.
        const c = deriveChild(packageAt('frost-secp256k1', d.parent_public_key, d.parent_chain_code), `m/${d.index}`);
        assert.equal(c.tweak, big(d.il_tweak));
        assert.equal(hex(c.publicKey), d.child_public_key);
        assert.equal(hex(c.chainCode), d.child_chain_code);
        // xpub serialisation of the child at its real depth, with the parent's fingerprint.
        const parentDepth = HDKey.fromExtendedKey(d.parent_xpub).depth;
        assert.equal(encodeXpub(parentDepth + 1, bip32Fingerprint(unhex(d.parent_public_key)), d.index, c.chainCode, c.publicKey), d.child_xpub);
        if (d.parent_path === 'm') assert.equal(xpub(packageAt('ecdsa-secp256k1', d.parent_public_key, d.parent_chain_code), `m/${d.index}`), d.child_xpub);
        n++;
      }
    assert.ok(n >= 6);
  });

  it('threshold_tweak_example: every player adds IL; shares, verifying shares and key equal the vector; any 2 shares give the child key', () => {
    const ex = V.threshold_tweak_example;
    for (const scheme of ['ecdsa-secp256k1', 'frost-secp256k1'] as const) {
      const parties: PartyId[] = [1, 2, 3];
      const vs: Record<PartyId, Uint8Array> = {};
      for (const p of parties) vs[p] = unhex(ex.shamir_2_of_3.parent_verifying_shares[p]!);
      const keys: KeyShare[] = parties.map((self) => ({
        scheme,
        threshold: 2,
        parties,
        self,
        secretShare: unhex(ex.shamir_2_of_3.parent_shares[self]!),
        groupKey: unhex(ex.parent_public_key),
        publicKey: unhex(ex.parent_public_key),
        verifyingShares: vs,
        chainCode: unhex(ex.parent_chain_code),
      }));
      const c = deriveChild(publicPackage(keys[0]!), `m/${ex.index}`);
      assert.equal(c.tweak, big(ex.il_tweak));
      const derived = keys.map((k) => deriveKeyShare(k, `m/${ex.index}`));
      for (const k of derived) {
        assert.equal(hex(k.secretShare), ex.shamir_2_of_3.child_shares[k.self]);
        for (const p of parties) assert.equal(hex(k.verifyingShares[p]!), ex.shamir_2_of_3.child_verifying_shares[p]);
        assert.equal(hex(k.groupKey), ex.child_public_key);
        assert.equal(hex(k.chainCode), ex.child_chain_code);
        // applyTweak gives the same shares (and keeps the parent's chain code).
        const t = applyTweak(keys[k.self - 1]!, c.tweak);
        assert.deepEqual(t.secretShare, k.secretShare);
        assert.deepEqual(t.chainCode, keys[0]!.chainCode);
      }
      for (const pair of [
        [0, 1],
        [0, 2],
        [1, 2],
      ])
        assert.equal(combineSecret(pair.map((i) => derived[i]!)), big(ex.child_private_key));
    }
  });
});

describe('agreement with @scure/bip32 deriving from our xpub (random DKG keys and paths)', () => {
  for (const scheme of ['ecdsa-secp256k1', 'frost-secp256k1', 'frost-secp256k1-tr'] as const) {
    it(scheme, () => {
      const keys = runDkgLocally(scheme, 2, 3);
      const pkg = publicPackage(keys[0]!);
      const root = HDKey.fromExtendedKey(xpub(pkg));
      assert.equal(root.depth, 0);
      assert.equal(root.parentFingerprint, 0);
      assert.equal(root.index, 0);
      assert.deepEqual(root.chainCode, pkg.chainCode);
      // Taproot: the xpub carries the internal key (real parity), not the tweaked output key.
      assert.deepEqual(root.publicKey, scheme === 'frost-secp256k1-tr' ? pkg.taprootInternalKey : pkg.groupKey);
      for (let i = 0; i < 12; i++) {
        const path = randomPath();
        const theirs = root.derive(path);
        const ours = deriveChild(pkg, path);
        assert.deepEqual(ours.publicKey, theirs.publicKey, path);
        assert.deepEqual(ours.chainCode, theirs.chainCode, path);
        assert.equal(xpub(pkg, path), theirs.publicExtendedKey, path);
        if (scheme === 'ecdsa-secp256k1') {
          // The derived Shamir shares combine to the private key of scure's child public key.
          const derived = keys.map((k) => deriveKeyShare(k, path));
          const s = combineSecret(randomSubset(derived, 2));
          assert.deepEqual(secp256k1.Point.BASE.multiply(s).toBytes(true), theirs.publicKey);
          assert.deepEqual(derived[0]!.publicKey, theirs.publicKey);
        }
      }
    });
  }
});

/** BIP341 output key of an x-only internal key, computed with noble directly (not our code). */
function tapOutputXOnly(internalKey33: Uint8Array): Uint8Array {
  const x = internalKey33.subarray(1);
  const t = big(hex(schnorr.utils.taggedHash('TapTweak', x)));
  const P = schnorr.utils.lift_x(big(hex(x)));
  return P.add(secp256k1.Point.BASE.multiply(t)).toBytes(true).subarray(1);
}

describe('frost-secp256k1-tr: BIP32 on the internal key, then even-y and TapTweak (protocols.md §5.3)', () => {
  it('children of both parities: output keys match an independent BIP341 computation and the derived shares sign (schnorr.verify)', () => {
    const keys = runDkgLocally('frost-secp256k1-tr', 2, 3);
    const pkg = publicPackage(keys[0]!);
    const root = HDKey.fromExtendedKey(xpub(pkg));
    const seen = new Map<boolean, string>();
    for (let i = 0; i < 64 && seen.size < 2; i++) {
      const path = `m/${i}`;
      const c = deriveTaprootChild(pkg, path);
      assert.deepEqual(c.internalKey, root.derive(path).publicKey);
      assert.deepEqual(c.xOnlyOutputKey, tapOutputXOnly(c.internalKey));
      if (!seen.has(c.shareMap.negate)) seen.set(c.shareMap.negate, path);
    }
    assert.equal(seen.size, 2, 'both share maps (negated and not) were exercised');
    for (const path of [...seen.values(), 'm/44/0/7']) {
      const derived = keys.map((k) => deriveKeyShare(k, path));
      const expected = tapOutputXOnly(root.derive(path).publicKey!);
      assert.deepEqual(derived[0]!.publicKey, expected);
      assert.deepEqual(deriveKeyPackage(pkg, path).publicKey, expected);
      // The derived share is a valid stored key (internal key ↔ output key consistent).
      assert.deepEqual(keyShareFromJson(keyShareToJson(derived[1]!)), derived[1]);
      const sig = expectSigned(runSign(derived, [1, 3], MSG));
      assert.ok(schnorr.verify(sig, MSG, expected), `${path}: BIP340 signature under the child output key`);
      assert.ok(!schnorr.verify(sig, MSG, keys[0]!.publicKey), 'not under the parent key');
    }
  });

  it('the root path "m" is the key itself; a key without a stored internal key cannot be derived', () => {
    const keys = runDkgLocally('frost-secp256k1-tr', 2, 2);
    const c = deriveTaprootChild(publicPackage(keys[0]!), 'm');
    assert.deepEqual(c.shareMap, { negate: false, add: 0n });
    assert.deepEqual(deriveKeyShare(keys[0]!, 'm').secretShare, keys[0]!.secretShare);
    const { taprootInternalKey: _ik, ...legacy } = keys[0]!;
    assert.throws(() => deriveChild(legacy, 'm/1'), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.throws(() => applyTweak(keys[0]!, 1n), isCode(ErrorCode.INVALID_PARAMETERS));
  });
});

describe('signing with derived keys (FROST)', () => {
  it('frost-secp256k1: the signature verifies under the key @scure/bip32 derives', () => {
    const keys = runDkgLocally('frost-secp256k1', 3, 4);
    const path = randomPath(3);
    const derived = keys.map((k) => deriveKeyShare(k, path));
    const theirs = HDKey.fromExtendedKey(xpub(publicPackage(keys[0]!))).derive(path).publicKey!;
    const sig = expectSigned(runSign(derived, [1, 2, 4], MSG));
    assert.ok(getSuite('frost-secp256k1').frost.verify(sig, MSG, theirs));
  });

  it('frost-ed25519 (additive scheme, not BIP32): IL recomputed independently; node:crypto verifies under PK + t·G', () => {
    const keys = runDkgLocally('frost-ed25519', 2, 3);
    const pkg = publicPackage(keys[0]!);
    // One step by hand: I = HMAC-SHA512(c, A ‖ ser32(i)); IL = SHA-512(ctx ‖ "derive" ‖ I_L) LE mod L.
    const i = randInt(0, 0x7fffffff);
    const I = hmac(sha512, pkg.chainCode, Uint8Array.from([...pkg.groupKey, (i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]));
    const h = sha512(Uint8Array.from([...new TextEncoder().encode('FROST-ED25519-SHA512-v1derive'), ...I.subarray(0, 32)]));
    const il = big(hex(Uint8Array.from(h).reverse())) % ed25519.Point.Fn.ORDER;
    const c = deriveChild(pkg, `m/${i}`);
    assert.equal(c.tweak, il);
    assert.deepEqual(c.chainCode, I.subarray(32));
    const path = `m/${i}/3`;
    const t = deriveChild(pkg, path).tweak;
    const expected = ed25519.Point.fromBytes(pkg.groupKey).add(ed25519.Point.BASE.multiply(t)).toBytes();
    const derived = keys.map((k) => deriveKeyShare(k, path));
    assert.deepEqual(derived[0]!.publicKey, expected);
    const sig = expectSigned(runSign(derived, [2, 3], MSG));
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), expected]);
    assert.ok(nodeVerify(null, MSG, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig));
    assert.throws(() => xpub(pkg), isCode(ErrorCode.INVALID_PARAMETERS));
  });

  it('frost-p256 (additive scheme, not BIP32): IL = parse256(HMAC), signature verifies under PK + t·G', () => {
    const keys = runDkgLocally('frost-p256', 2, 3);
    const pkg = publicPackage(keys[0]!);
    const suite = getSuite('frost-p256');
    const I = hmac(sha512, pkg.chainCode, Uint8Array.from([...pkg.groupKey, 0, 0, 0, 9]));
    assert.equal(deriveChild(pkg, 'm/9').tweak, big(hex(I.subarray(0, 32))));
    const derived = keys.map((k) => deriveKeyShare(k, 'm/9/1'));
    const expected = suite.decodePoint(pkg.groupKey).add(suite.G.multiply(deriveChild(pkg, 'm/9/1').tweak));
    assert.deepEqual(derived[0]!.groupKey, suite.encodePoint(expected));
    const sig = expectSigned(runSign(derived, [1, 3], MSG));
    assert.ok(suite.frost.verify(sig, MSG, suite.encodePoint(expected)));
    assert.throws(() => xpub(pkg), isCode(ErrorCode.INVALID_PARAMETERS));
  });

  it('ecdsa-p256: the tweak moves the combined secret by t (what the ECDSA session takes)', () => {
    const keys = runDkgLocally('ecdsa-p256', 2, 3);
    const suite = getSuite('ecdsa-p256');
    const { tweak } = deriveChild(publicPackage(keys[0]!), 'm/1/2/3');
    const s = combineSecret(keys.slice(0, 2));
    const derived = keys.map((k) => applyTweak(k, tweak));
    assert.equal(combineSecret(derived.slice(1)), suite.Fn.add(s, tweak));
  });

  it('signers that derived different paths abort (the FROST context binds the child key)', () => {
    const keys = runDkgLocally('frost-secp256k1', 2, 3);
    const run = runSign([deriveKeyShare(keys[0]!, 'm/1'), deriveKeyShare(keys[1]!, 'm/2'), keys[2]!], [1, 2], MSG);
    assert.equal(run.res.results.size, 0);
    assert.equal(run.res.sessions.get(1)!.error?.code, ErrorCode.INVALID_COMMITMENT_LIST);
  });
});

describe('paths and refusals', () => {
  const pkg = packageAt('ecdsa-secp256k1', V.vectors[0]!.nodes[0]!.public_key, V.vectors[0]!.nodes[0]!.chain_code);
  it('hardened steps and indices ≥ 2^31 are refused with INVALID_DERIVATION_PATH', () => {
    for (const p of ["m/0'", 'm/0h', 'm/0H', "m/1/2'/3", 'm/2147483648', 'm/4294967295', 'm/99999999999']) {
      assert.throws(() => parseDerivationPath(p), isCode(ErrorCode.INVALID_DERIVATION_PATH), p);
      assert.throws(() => deriveChild(pkg, p), isCode(ErrorCode.INVALID_DERIVATION_PATH), p);
      assert.throws(() => xpub(pkg, p), isCode(ErrorCode.INVALID_DERIVATION_PATH), p);
    }
    assert.throws(() => deriveChild(pkg, "m/0'"), (e: unknown) => /hardened/.test((e as Error).message));
  });

  it('malformed paths are refused', () => {
    for (const p of ['', '0/1', 'M/1', 'm/', 'm//1', 'm/01', 'm/-1', 'm/+1', 'm/1.5', ' m/1', 'm/1 ', 'm/0x10', `m${'/1'.repeat(256)}`])
      assert.throws(() => parseDerivationPath(p), isCode(ErrorCode.INVALID_DERIVATION_PATH), JSON.stringify(p));
    assert.deepEqual(parseDerivationPath('m'), []);
    assert.deepEqual(parseDerivationPath('m/0/2147483647'), [0, 2147483647]);
  });

  it('IL ≥ n refuses the index (INVALID_DERIVED_KEY) instead of skipping it (branch exercised with a smaller order)', () => {
    const real = getSuite('ecdsa-secp256k1');
    const small = { ...real, order: 1n << 255n };
    const K = real.decodePoint(pkg.groupKey);
    let refused = 0;
    let accepted = 0;
    for (let i = 0; i < 40 && (refused === 0 || accepted === 0); i++) {
      try {
        const step = ckdPub(small, K, pkg.chainCode, i);
        assert.equal(step.il, ckdPub(real, K, pkg.chainCode, i).il);
        accepted++;
      } catch (e) {
        assert.ok(isCode(ErrorCode.INVALID_DERIVED_KEY)(e));
        assert.match((e as Error).message, /IL ≥ n/);
        refused++;
      }
    }
    assert.ok(refused > 0 && accepted > 0);
  });

  it('IL = 0 refuses the index (INVALID_DERIVED_KEY; branch exercised with a suite whose IL hash returns 0)', () => {
    // frost-ed25519 takes IL from the suite's hash-to-scalar (bip32.ts), so a stub reaches the branch.
    const real = getSuite('frost-ed25519');
    const zero = { ...real, hashToScalar: () => 0n };
    const K = real.G.multiply(real.randomScalar());
    const cc = randomBytes(32);
    assert.ok(ckdPub(real, K, cc, 7).il !== 0n);
    assert.throws(() => ckdPub(zero, K, cc, 7), (e: unknown) => isCode(ErrorCode.INVALID_DERIVED_KEY)(e) && /IL = 0/.test((e as Error).message));
  });

  it('a child at infinity refuses the index (INVALID_DERIVED_KEY; parent crafted as −IL·G with a stubbed IL)', () => {
    const real = getSuite('frost-ed25519');
    const il = real.randomScalar();
    const stub = { ...real, hashToScalar: () => il };
    const cc = randomBytes(32);
    // K_par = −IL·G gives K_child = K_par + IL·G = O.
    assert.throws(() => ckdPub(stub, real.G.multiply(il).negate(), cc, 3), (e: unknown) => isCode(ErrorCode.INVALID_DERIVED_KEY)(e) && /identity/.test((e as Error).message));
    // Any other parent with the same IL is accepted, and the child is K_par + IL·G.
    const K = real.G.multiply(real.randomScalar());
    const step = ckdPub(stub, K, cc, 3);
    assert.equal(step.il, il);
    assert.ok(step.publicKey.equals(K.add(real.G.multiply(il))));
  });

  it('parentFingerprint is the fingerprint of the last parent only (depth 0, 1 and 3)', () => {
    assert.equal(deriveChild(pkg, 'm').parentFingerprint, 0);
    assert.equal(deriveChild(pkg, 'm/4').parentFingerprint, bip32Fingerprint(unhex(V.vectors[0]!.nodes[0]!.public_key)));
    const parent = deriveChild(pkg, 'm/4/9');
    const child = deriveChild(pkg, 'm/4/9/2');
    assert.equal(child.parentFingerprint, bip32Fingerprint(parent.publicKey));
    assert.notEqual(child.parentFingerprint, deriveChild(pkg, 'm/4').parentFingerprint);
    assert.equal(child.publicKey.length, 33);
  });

  it('applyTweak: t ∉ [0, q) refused; t = 0 is the identity; the same t on every player', () => {
    const keys = runDkgLocally('frost-secp256k1', 2, 3);
    const q = getSuite('frost-secp256k1').order;
    assert.throws(() => applyTweak(keys[0]!, q), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.throws(() => applyTweak(keys[0]!, -1n), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.deepEqual(applyTweak(keys[0]!, 0n), keys[0]);
    const t = big(hex(randomBytes(31)));
    const tweaked = keys.map((k) => applyTweak(k, t));
    expectSigned(runSign(tweaked, [1, 2], MSG));
    assert.deepEqual(applyTweak(publicPackage(keys[0]!), t).groupKey, tweaked[0]!.groupKey);
  });
});
