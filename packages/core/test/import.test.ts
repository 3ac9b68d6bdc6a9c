/**
 * Import by client-side dealing (verifiable-backup.md §15): known keys (BIP32 test vector 1, a
 * BIP39 test mnemonic + path via @scure/bip39 / @scure/bip32, an RFC 8032 seed) yield their known
 * public keys and chain codes; imported FROST shares sign under that key; imported shares back
 * up and verify; every node check of §15 steps 2–5 rejects a tampered request with its code.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import {
  acceptImportedShare,
  backupStatement,
  createShareBackup,
  ed25519ScalarFromSeed,
  frostSignWithShares,
  generateBackupKeyPair,
  getSuite,
  hpkeSeal,
  importConfirmationMessage,
  importContext,
  parseImportRequest,
  randomBytes,
  serializeImportRequest,
  splitForImport,
  verifyShareBackup,
  lagrangeAtZero,
  isFrostScheme,
  ErrorCode,
  ProtocolError,
  SCHEMES,
  type HpkeKeyPair,
  type ImportRequest,
  type KeyShare,
  type Scheme,
} from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const isCode = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;
const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);

interface Cluster {
  readonly nodes: HpkeKeyPair[];
  readonly keys: Record<number, Uint8Array>;
}
function cluster(n: number, suite: 'x25519' | 'p256' = 'x25519'): Cluster {
  const nodes = Array.from({ length: n }, () => generateBackupKeyPair(suite));
  return { nodes, keys: Object.fromEntries(nodes.map((kp, i) => [i + 1, kp.publicKey])) };
}

/** Client split, JSON transport, every node accepts; returns the key shares and each node's importCtx. */
function importKey(scheme: Scheme, privateKey: Uint8Array | bigint, k: number, c: Cluster, opts: { chainCode?: Uint8Array; expectedPublicKey?: Uint8Array } = {}) {
  const parties = c.nodes.map((_, i) => i + 1);
  const req = splitForImport({ scheme, privateKey, threshold: k, parties, nodeEncryptionKeys: c.keys, keyId: `imported-${scheme}`, ...(opts.chainCode ? { chainCode: opts.chainCode } : {}) });
  const wire = serializeImportRequest(req);
  const accepted = parties.map((self) => acceptImportedShare(parseImportRequest(wire), { self, nodeSecretKey: c.nodes[self - 1]!.secretKey, ...(opts.expectedPublicKey ? { expectedPublicKey: opts.expectedPublicKey } : {}) }));
  // Agreement (step 6): every node computed the same importCtx.
  for (const a of accepted) assert.equal(hex(a.importCtx), hex(accepted[0]!.importCtx));
  return { req, keys: accepted.map((a) => a.key), accepted };
}

/** Σ λ_i·s_i over the first k shares (test-only reconstruction). */
function reconstruct(keys: readonly KeyShare[]): bigint {
  const suite = getSuite(keys[0]!.scheme);
  const set = keys.slice(0, keys[0]!.threshold);
  return set.reduce((acc, k) => suite.Fn.add(acc, suite.Fn.mul(suite.decodeScalar(k.secretShare), lagrangeAtZero(suite, k.self, set.map((s) => s.self)))), 0n);
}

/** The public key of a plain private key by noble, in the scheme's element encoding. */
function noblePublicKey(scheme: Scheme, priv: Uint8Array): Uint8Array {
  if (scheme.endsWith('p256')) return p256.getPublicKey(priv, true);
  return secp256k1.getPublicKey(priv, true);
}

describe('import of known keys yields their known public keys', () => {
  test('BIP32 test vector 1 (m/0H): private key + chain code → the vector\'s public key; FROST signs under it', () => {
    const vec = JSON.parse(readFileSync(new URL('./vectors/bip32.json', import.meta.url), 'utf8')) as { vectors: { nodes: { path: string; private_key: string; public_key: string; chain_code: string }[] }[] };
    const node = vec.vectors[0]!.nodes.find((x) => x.path === 'm/0H')!;
    const c = cluster(3);
    for (const scheme of ['ecdsa-secp256k1', 'frost-secp256k1'] as const) {
      const { keys } = importKey(scheme, unhex(node.private_key), 2, c, { chainCode: unhex(node.chain_code), expectedPublicKey: unhex(node.public_key) });
      for (const k of keys) {
        assert.equal(hex(k.groupKey), node.public_key);
        assert.equal(hex(k.publicKey), node.public_key);
        assert.equal(hex(k.chainCode), node.chain_code);
      }
      assert.equal(reconstruct(keys), BigInt('0x' + node.private_key));
      if (scheme === 'frost-secp256k1') {
        const msg = randomBytes(32);
        const sig = frostSignWithShares([keys[0]!, keys[2]!], msg);
        assert.ok(getSuite(scheme).verify(sig.signature, msg, unhex(node.public_key)), 'noble FROST verifier under the vector key');
      }
    }
  });

  test('BIP39 test mnemonic + path (m/44\'/60\'/0\'/0/0) via @scure/bip39 / @scure/bip32', () => {
    const mnemonic = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    assert.ok(validateMnemonic(mnemonic, wordlist));
    const hd = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic)).derive("m/44'/60'/0'/0/0");
    const c = cluster(3);
    const { keys } = importKey('ecdsa-secp256k1', hd.privateKey!, 2, c, { chainCode: hd.chainCode!, expectedPublicKey: hd.publicKey! });
    for (const k of keys) {
      assert.equal(hex(k.publicKey), hex(hd.publicKey!));
      assert.equal(hex(k.chainCode), hex(hd.chainCode!));
    }
    // The BIP32 xpub of the imported key equals @scure/bip32's (public derivation works on it).
    const child = hd.deriveChild(5);
    const fromShares = HDKey.fromExtendedKey(new HDKey({ publicKey: keys[0]!.publicKey, chainCode: keys[0]!.chainCode }).publicExtendedKey).deriveChild(5);
    assert.equal(hex(fromShares.publicKey!), hex(child.publicKey!));
  });

  test('Ed25519: an RFC 8032 seed imports as its scalar (protocols.md §1.9); FROST signs under the seed\'s public key', () => {
    const seed = randomBytes(32);
    const c = cluster(3);
    const pub = ed25519.getPublicKey(seed);
    const { keys } = importKey('frost-ed25519', ed25519ScalarFromSeed(seed), 2, c, { expectedPublicKey: pub });
    assert.equal(hex(keys[1]!.publicKey), hex(pub));
    const msg = randomBytes(40);
    const sig = frostSignWithShares([keys[1]!, keys[2]!], msg);
    assert.ok(ed25519.verify(sig.signature, msg, pub));
    // The scalar equals noble's expanded secret scalar.
    assert.equal(hex(ed25519ScalarFromSeed(seed)), hex(ed25519.Point.Fn.toBytes(ed25519.utils.getExtendedPublicKey(seed).scalar)));
  });

  test('Taproot: the imported key is the BIP341 internal key; the stored key is its TapTweaked output key', () => {
    const d = secp256k1.utils.randomSecretKey();
    const c = cluster(3);
    const P = secp256k1.Point.fromBytes(secp256k1.getPublicKey(d, true));
    // Independent BIP341 computation: Q = lift_x(x(P)) + TapTweak(x(P))·G.
    const xP = P.toBytes(true).subarray(1);
    const t = BigInt('0x' + hex(schnorr.utils.taggedHash('TapTweak', xP)));
    const Peven = secp256k1.Point.fromBytes(new Uint8Array([2, ...xP]));
    const Q = Peven.add(secp256k1.Point.BASE.multiply(t));
    // expectedPublicKey is the key the cluster reports (and a wallet shows): the output key x(Q).
    const { keys, req } = importKey('frost-secp256k1-tr', d, 2, c, { expectedPublicKey: Q.toBytes(true).subarray(1) });
    const accept = (expectedPublicKey: Uint8Array) => acceptImportedShare(req, { self: 1, nodeSecretKey: c.nodes[0]!.secretKey, expectedPublicKey });
    // The element encoding of Q is accepted too (like recovery / export); the internal key is not.
    assert.equal(hex(accept(Q.toBytes(true)).key.publicKey), hex(Q.toBytes(true).subarray(1)));
    assert.throws(() => accept(P.toBytes(true)), isCode(ErrorCode.INVALID_GROUP_KEY));
    assert.throws(() => accept(xP), isCode(ErrorCode.INVALID_GROUP_KEY));
    assert.throws(() => accept(Q.negate().toBytes(true)), isCode(ErrorCode.INVALID_GROUP_KEY));
    for (const k of keys) {
      assert.equal(hex(k.publicKey), hex(Q.toBytes(true).subarray(1)));
      assert.equal(hex(k.taprootInternalKey!), hex(P.toBytes(true)));
    }
    const msg = randomBytes(32);
    assert.ok(schnorr.verify(frostSignWithShares([keys[0]!, keys[1]!], msg).signature, msg, Q.toBytes(true).subarray(1)));
  });

  for (const scheme of SCHEMES) {
    test(`${scheme}: random key, 3-of-5, reconstructs, verifying shares consistent, backup of an imported share verifies`, () => {
      const suite = getSuite(scheme);
      // Node identity keys of suite B for the P-256 schemes (the suite is inferred from the keys).
      const c = cluster(5, scheme.endsWith('p256') ? 'p256' : 'x25519');
      const x = suite.randomScalar();
      const { keys, req } = importKey(scheme, x, 3, c);
      assert.equal(req.suite, scheme.endsWith('p256') ? 'p256' : 'x25519');
      const tr = scheme === 'frost-secp256k1-tr';
      if (!tr) {
        assert.equal(reconstruct(keys), x);
        if (scheme !== 'frost-ed25519') assert.equal(hex(keys[0]!.groupKey), hex(noblePublicKey(scheme, suite.encodeScalar(x))));
        else assert.ok(suite.G.multiply(x).equals(suite.decodePoint(keys[0]!.groupKey)));
      }
      for (const k of keys) {
        assert.ok(suite.G.multiply(suite.decodeScalar(k.secretShare)).equals(suite.decodePoint(k.verifyingShares[k.self]!)));
        assert.deepEqual(k.verifyingShares, keys[0]!.verifyingShares);
      }
      assert.ok(suite.G.multiply(reconstruct(keys)).equals(suite.decodePoint(keys[0]!.groupKey)));
      if (isFrostScheme(scheme)) {
        const msg = randomBytes(16);
        assert.ok(suite.verify(frostSignWithShares([keys[1]!, keys[3]!, keys[4]!], msg).signature, msg, keys[0]!.publicKey));
      }
      if (scheme === 'ecdsa-p256') {
        // §15 step 7: imported shares are backed up like any other; the backup verifies against the record.
        const op = generateBackupKeyPair('x25519');
        const b = createShareBackup({ key: keys[2]!, keyId: 'imp', recipientPublicKey: op.publicKey });
        assert.ok(verifyShareBackup(b, backupStatement(keys[0]!, { keyId: 'imp', player: 3, suite: 'x25519', recipientPublicKey: op.publicKey })));
      }
    });
  }
});

describe('node-side checks of §15 (tampering detected by the node)', () => {
  const c = cluster(3);
  const suite = getSuite('ecdsa-secp256k1');
  const x = suite.randomScalar();
  const chainCode = randomBytes(32);
  const req = splitForImport({ scheme: 'ecdsa-secp256k1', privateKey: x, threshold: 2, parties: [1, 2, 3], nodeEncryptionKeys: c.keys, keyId: 'k', importId: 'imp-1', chainCode });
  const accept = (r: ImportRequest, self = 1, extra: { expectedPublicKey?: Uint8Array } = {}) => acceptImportedShare(r, { self, nodeSecretKey: c.nodes[self - 1]!.secretKey, ...extra });
  /** Re-encrypt node m's share (a malicious client: correct context, wrong content). */
  const reseal = (r: ImportRequest, m: number, pt: Uint8Array): ImportRequest => {
    const ctx = importContext({ importId: r.importId, keyId: r.keyId, scheme: r.scheme, threshold: r.threshold, partyCount: r.parties.length, commitments: r.commitments, chainCodeHash: r.chainCodeHash });
    return { ...r, shares: { ...r.shares, [m]: { recipientPublicKey: c.keys[m]!, ciphertext: hpkeSeal('x25519', c.keys[m]!, ctx, u16(m), pt) } } };
  };
  const ownShare = (): bigint => suite.decodeScalar(accept(req).key.secretShare);

  test('the honest request is accepted by every node', () => {
    for (const m of [1, 2, 3]) assert.equal(accept(req, m).key.self, m);
  });

  test('a flipped ciphertext byte, another node\'s ciphertext, or a changed context field fail authentication', () => {
    const ct = req.shares[1]!.ciphertext.slice();
    ct[50]! ^= 1;
    assert.throws(() => accept({ ...req, shares: { ...req.shares, 1: { ...req.shares[1]!, ciphertext: ct } } }), isCode(ErrorCode.DECRYPTION_FAILED));
    assert.throws(() => accept({ ...req, shares: { ...req.shares, 1: { ...req.shares[1]!, ciphertext: req.shares[2]!.ciphertext } } }), isCode(ErrorCode.DECRYPTION_FAILED));
    assert.throws(() => accept({ ...req, keyId: 'k2' }), isCode(ErrorCode.DECRYPTION_FAILED));
    assert.throws(() => accept({ ...req, importId: 'imp-2' }), isCode(ErrorCode.DECRYPTION_FAILED));
    assert.throws(() => accept({ ...req, chainCodeHash: sha256(randomBytes(32)) }), isCode(ErrorCode.DECRYPTION_FAILED));
    // Changing a non-constant commitment (consistently valid point) changes importCtx.
    const C1 = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    assert.throws(() => accept({ ...req, commitments: [req.commitments[0]!, C1] }), isCode(ErrorCode.DECRYPTION_FAILED));
  });

  test('Feldman: a wrong share under the right context is rejected (INVALID_SHARE)', () => {
    const y = ownShare();
    const bad = reseal(req, 1, new Uint8Array([...suite.encodeScalar(suite.Fn.add(y, 1n)), ...chainCode]));
    assert.throws(() => accept(bad), isCode(ErrorCode.INVALID_SHARE));
    // Node 2 is unaffected: a client can make *different* nodes fail, and step 6 stops activation.
    assert.equal(accept(bad, 2).key.self, 2);
  });

  test('non-canonical or zero share, wrong chain code, wrong plaintext length', () => {
    assert.throws(() => accept(reseal(req, 1, new Uint8Array([...new Uint8Array(32).fill(0xff), ...chainCode]))), isCode(ErrorCode.INVALID_SCALAR));
    assert.throws(() => accept(reseal(req, 1, new Uint8Array([...new Uint8Array(32), ...chainCode]))), isCode(ErrorCode.ZERO_SCALAR));
    assert.throws(() => accept(reseal(req, 1, new Uint8Array([...suite.encodeScalar(ownShare()), ...randomBytes(32)]))), isCode(ErrorCode.INVALID_IMPORT));
    assert.throws(() => accept(reseal(req, 1, suite.encodeScalar(ownShare()))), isCode(ErrorCode.INVALID_IMPORT));
  });

  test('commitments: count, validity, C_0 = declared key = expected key', () => {
    assert.throws(() => accept({ ...req, commitments: req.commitments.slice(0, 1) }), isCode(ErrorCode.INVALID_COMMITMENT_LENGTH));
    assert.throws(() => accept({ ...req, commitments: [...req.commitments, req.commitments[1]!] }), isCode(ErrorCode.INVALID_COMMITMENT_LENGTH));
    assert.throws(() => accept({ ...req, commitments: [req.commitments[0]!, new Uint8Array(33)] }), isCode(ErrorCode.INVALID_POINT));
    const other = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    assert.throws(() => accept({ ...req, publicKey: other }), isCode(ErrorCode.INVALID_GROUP_KEY));
    assert.throws(() => accept(req, 1, { expectedPublicKey: other }), isCode(ErrorCode.INVALID_GROUP_KEY));
    assert.equal(accept(req, 1, { expectedPublicKey: req.publicKey }).key.self, 1);
  });

  test('wrong node key, unknown party, parties other than 1..n, JSON strictness', () => {
    assert.throws(() => acceptImportedShare(req, { self: 1, nodeSecretKey: c.nodes[1]!.secretKey }), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    assert.throws(() => acceptImportedShare(req, { self: 4, nodeSecretKey: c.nodes[0]!.secretKey }), isCode(ErrorCode.INVALID_IMPORT));
    assert.throws(() => accept({ ...req, parties: [1, 2, 4] }), isCode(ErrorCode.INVALID_IMPORT));
    assert.throws(() => splitForImport({ scheme: 'ecdsa-secp256k1', privateKey: x, threshold: 2, parties: [1, 3], nodeEncryptionKeys: c.keys, keyId: 'k' }), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.throws(() => splitForImport({ scheme: 'ecdsa-secp256k1', privateKey: 0n, threshold: 2, parties: [1, 2, 3], nodeEncryptionKeys: c.keys, keyId: 'k' }), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.throws(() => splitForImport({ scheme: 'ecdsa-secp256k1', privateKey: suite.order, threshold: 2, parties: [1, 2, 3], nodeEncryptionKeys: c.keys, keyId: 'k' }), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.throws(() => splitForImport({ scheme: 'ecdsa-secp256k1', privateKey: x, threshold: 2, parties: [1, 2, 3], nodeEncryptionKeys: { 1: c.keys[1]!, 2: c.keys[2]! }, keyId: 'k' }), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    const j = JSON.parse(serializeImportRequest(req)) as Record<string, unknown>;
    for (const bad of [{ ...j, version: 2 }, { ...j, extra: 1 }, { ...j, parties: [2, 1, 3] }, { ...j, shares: { 1: (j.shares as Record<string, unknown>)['1'] } }])
      assert.throws(() => parseImportRequest(JSON.stringify(bad)), isCode(ErrorCode.INVALID_IMPORT));
    assert.throws(() => parseImportRequest(JSON.stringify({ ...j, commitments: [(j.commitments as string[])[0]] })), isCode(ErrorCode.INVALID_COMMITMENT_LENGTH));
  });

  test('different requests to different nodes give different importCtx (caught by the agreement round)', () => {
    const req2 = splitForImport({ scheme: 'ecdsa-secp256k1', privateKey: x, threshold: 2, parties: [1, 2, 3], nodeEncryptionKeys: c.keys, keyId: 'k', importId: 'imp-1', chainCode });
    assert.notEqual(hex(accept(req, 1).importCtx), hex(accept(req2, 2).importCtx));
    assert.equal(hex(accept(req2, 1).key.groupKey), hex(accept(req, 1).key.groupKey));
  });

  test('importCtx binds every field: changing exactly one changes it (and the confirmation)', () => {
    const base = { importId: req.importId, keyId: req.keyId, scheme: req.scheme, threshold: req.threshold, partyCount: req.parties.length, commitments: req.commitments, chainCodeHash: req.chainCodeHash };
    const C1 = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    const variants: Record<string, Parameters<typeof importContext>[0]> = {
      importId: { ...base, importId: 'imp-2' },
      keyId: { ...base, keyId: 'k2' },
      // Same curve id 1: only the scheme name tells them apart.
      'scheme frost-secp256k1': { ...base, scheme: 'frost-secp256k1' },
      'scheme frost-secp256k1-tr': { ...base, scheme: 'frost-secp256k1-tr' },
      threshold: { ...base, threshold: 3, commitments: [...req.commitments, C1] },
      partyCount: { ...base, partyCount: 4 },
      commitment: { ...base, commitments: [req.commitments[0]!, C1] },
      chainCodeHash: { ...base, chainCodeHash: sha256(randomBytes(32)) },
    };
    const baseCtx = hex(importContext(base));
    assert.equal(hex(importContext({ ...base })), baseCtx, 'deterministic');
    assert.equal(hex(accept(req).importCtx), baseCtx);
    const seen = new Set([baseCtx]);
    for (const [field, v] of Object.entries(variants)) {
      const ctx = importContext(v);
      assert.notEqual(hex(ctx), baseCtx, `importCtx ignores ${field}`);
      assert.notEqual(hex(importConfirmationMessage(ctx)), hex(importConfirmationMessage(importContext(base))), `confirmation ignores ${field}`);
      seen.add(hex(ctx));
    }
    assert.equal(seen.size, Object.keys(variants).length + 1, 'all variants distinct');
  });

  test('two nodes given requests that differ only in scheme cannot agree (secp256k1 schemes share curve id 1)', () => {
    for (const scheme of ['frost-secp256k1', 'frost-secp256k1-tr'] as const) {
      // The relayed request with the scheme swapped: node 2 cannot open its share.
      const swapped: ImportRequest = { ...req, scheme };
      assert.throws(() => accept(swapped, 2), isCode(ErrorCode.DECRYPTION_FAILED));
      // A malicious client that encrypts node 2's share under the swapped request's context:
      // node 2 accepts, but its agreement value differs from node 1's, so step 6 aborts.
      const forged = reseal(swapped, 2, new Uint8Array([...suite.encodeScalar(suite.decodeScalar(accept(req, 2).key.secretShare)), ...chainCode]));
      const a1 = accept(req, 1);
      const a2 = accept(forged, 2);
      assert.equal(a2.key.scheme, scheme);
      assert.notEqual(hex(a2.importCtx), hex(a1.importCtx));
      assert.notEqual(hex(a2.confirmation), hex(a1.confirmation));
    }
  });
});
