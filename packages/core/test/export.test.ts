/**
 * Export of re-randomised shares wrapped to a recipient (verifiable-backup.md §14): every scheme
 * round trips through the JSON file; exported shares are a fresh sharing (differ from the live
 * shares and between runs); a non-recipient cannot unwrap or combine; a cheating dealer is named;
 * tampered files are rejected; a derivation tweak shifts the key by t.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { schnorr } from '@noble/curves/secp256k1.js';
import {
  assembleExportFile,
  combineExport,
  createExportZeroSharing,
  exportFileProblems,
  generateBackupKeyPair,
  getSuite,
  parseExportFile,
  parseWrappedExportShare,
  randomBytes,
  serializeExportFile,
  serializeWrappedExportShare,
  unwrapExportShares,
  wrapShareForExport,
  ErrorCode,
  ProtocolError,
  SCHEMES,
  type ExportFile,
  type ExportZeroSharing,
  type HpkeKeyPair,
  type KeyShare,
  type PartyId,
  type WrappedExportShare,
} from '../src/index.js';
import { runDkgLocally } from '../src/testing/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const isCode = (code: string, culprits?: number[]) => (e: unknown) =>
  e instanceof ProtocolError && e.code === code && (culprits === undefined || JSON.stringify(e.culprits) === JSON.stringify(culprits));

interface Run {
  readonly zero: Map<PartyId, ExportZeroSharing>;
  readonly wrapped: WrappedExportShare[];
  readonly file: ExportFile;
}

/** Both rounds of §14 for every quorum member, then the coordinator's file. */
function runExport(keys: readonly KeyShare[], quorum: PartyId[], recipients: (m: PartyId) => Uint8Array, opts: { tweak?: Uint8Array; exportId?: string } = {}): Run {
  const byId = new Map(keys.map((k) => [k.self, k]));
  const zero = new Map(quorum.map((j) => [j, createExportZeroSharing({ key: byId.get(j)!, quorum })]));
  const commitments = Object.fromEntries(quorum.map((j) => [j, zero.get(j)!.commitments]));
  const exportId = opts.exportId ?? hex(randomBytes(8));
  const wrapped = quorum.map((m) =>
    wrapShareForExport({
      key: byId.get(m)!,
      keyId: 'key-1',
      exportId,
      quorum,
      recipientPublicKey: recipients(m),
      rerandomization: { commitments, shares: Object.fromEntries(quorum.map((j) => [j, zero.get(j)!.shares[m]!])) },
      ...(opts.tweak ? { tweak: opts.tweak } : {}),
    }),
  );
  // Each node's answer travels as JSON to the coordinator.
  const received = wrapped.map((w) => parseWrappedExportShare(serializeWrappedExportShare(w, w.recipientPublicKey.length === 65 ? 'p256' : 'x25519'), keys[0]!.scheme).share);
  const file = assembleExportFile({ key: keys[0]!, keyId: 'key-1', exportId, quorum, commitments, shares: received, ...(opts.tweak ? { tweak: opts.tweak } : {}) });
  return { zero, wrapped, file: parseExportFile(serializeExportFile(file)) };
}

describe('export round trip, every scheme', () => {
  for (const scheme of SCHEMES) {
    test(scheme, () => {
      const keys = runDkgLocally(scheme, 2, 3);
      const rcpt = generateBackupKeyPair('x25519');
      const suite = getSuite(scheme);
      const { file } = runExport(keys, [1, 2, 3], () => rcpt.publicKey);
      assert.deepEqual(exportFileProblems(file), []);
      const out = combineExport(file, rcpt.secretKey, { expectedPublicKey: keys[0]!.publicKey });
      const x = suite.decodeScalar(out.privateKey);
      assert.ok(suite.G.multiply(x).equals(suite.decodePoint(keys[0]!.groupKey)), 'x·G = PK');
      assert.equal(hex(out.publicKey), hex(keys[0]!.publicKey));
      if (scheme === 'frost-secp256k1-tr') {
        const msg = randomBytes(32);
        assert.ok(suite.verify(schnorr.sign(msg, out.privateKey), msg, out.publicKey), 'exported Taproot key signs under the x-only key');
      }
      // The exported shares are a fresh sharing: none equals the live share.
      const shares = unwrapExportShares(file, rcpt.secretKey);
      assert.equal(shares.length, 3);
      for (const s of shares) assert.notEqual(hex(s.share), hex(keys.find((k) => k.self === s.player)!.secretShare));
    });
  }
});

describe('export properties and rejections (secp256k1, 2-of-3)', () => {
  const keys = runDkgLocally('ecdsa-secp256k1', 2, 3);
  const suite = getSuite('ecdsa-secp256k1');
  const rcpt: HpkeKeyPair = generateBackupKeyPair('x25519');

  test('a non-recipient cannot unwrap or combine; re-running gives unrelated shares', () => {
    const a = runExport(keys, [1, 3], () => rcpt.publicKey);
    const b = runExport(keys, [1, 3], () => rcpt.publicKey);
    const other = generateBackupKeyPair('x25519');
    assert.deepEqual(unwrapExportShares(a.file, other.secretKey), []);
    assert.throws(() => combineExport(a.file, other.secretKey), isCode(ErrorCode.DECRYPTION_FAILED));
    assert.throws(() => combineExport(a.file, randomBytes(31)), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    // Forcing the other key onto the file (pretending the shares were wrapped to it) fails authentication.
    const forced: ExportFile = { ...a.file, shares: a.file.shares.map((s) => ({ ...s, recipientPublicKey: other.publicKey })) };
    assert.throws(() => combineExport(forced, other.secretKey), isCode(ErrorCode.DECRYPTION_FAILED));
    const sa = unwrapExportShares(a.file, rcpt.secretKey);
    const sb = unwrapExportShares(b.file, rcpt.secretKey);
    assert.notEqual(hex(sa[0]!.share), hex(sb[0]!.share));
    assert.equal(hex(combineExport(a.file, rcpt.secretKey).privateKey), hex(combineExport(b.file, rcpt.secretKey).privateKey));
  });

  test('per-share recipients: only the holder of k of the recipient keys can combine', () => {
    const r2 = generateBackupKeyPair('x25519');
    const { file } = runExport(keys, [1, 2], (m) => (m === 1 ? rcpt.publicKey : r2.publicKey));
    assert.throws(() => combineExport(file, rcpt.secretKey), isCode(ErrorCode.DECRYPTION_FAILED));
    assert.equal(unwrapExportShares(file, r2.secretKey).length, 1);
    const out = combineExport(file, [rcpt.secretKey, r2.secretKey]);
    assert.ok(suite.G.multiply(suite.decodeScalar(out.privateKey)).equals(suite.decodePoint(keys[0]!.groupKey)));
  });

  test('suite B recipient (P-256 + AES-256-GCM), suite inferred from the key', () => {
    const r = generateBackupKeyPair('p256');
    const { file } = runExport(keys, [1, 2], () => r.publicKey);
    assert.equal(file.suite, 'p256');
    const out = combineExport(file, r.secretKey);
    assert.ok(suite.G.multiply(suite.decodeScalar(out.privateKey)).equals(suite.decodePoint(keys[0]!.groupKey)));
  });

  test('a derivation tweak t exports x + t under PK + t·G', () => {
    const t = suite.randomScalar();
    const { file } = runExport(keys, [2, 3], () => rcpt.publicKey, { tweak: suite.encodeScalar(t) });
    const PKt = suite.decodePoint(keys[0]!.groupKey).add(suite.G.multiply(t));
    assert.equal(hex(file.exportedGroupKey), hex(suite.encodePoint(PKt)));
    const out = combineExport(file, rcpt.secretKey);
    assert.ok(suite.G.multiply(suite.decodeScalar(out.privateKey)).equals(PKt));
    // Dropping the tweak from the file breaks X'_m.
    const { tweak: _t, ...noTweak } = file;
    assert.notDeepEqual(exportFileProblems({ ...noTweak, exportedGroupKey: keys[0]!.groupKey, publicKey: keys[0]!.publicKey }), []);
  });

  test('a cheating dealer is named (Feldman on the zero-sharing)', () => {
    const quorum = [1, 2, 3];
    const zero = new Map(quorum.map((j) => [j, createExportZeroSharing({ key: keys[j - 1]!, quorum })]));
    const commitments = Object.fromEntries(quorum.map((j) => [j, zero.get(j)!.commitments]));
    const sharesFor = (m: number) => Object.fromEntries(quorum.map((j) => [j, zero.get(j)!.shares[m]!]));
    const wrap = (c: Record<number, readonly Uint8Array[]>, s: Record<number, Uint8Array>) =>
      wrapShareForExport({ key: keys[0]!, keyId: 'key-1', exportId: 'e1', quorum, recipientPublicKey: rcpt.publicKey, rerandomization: { commitments: c, shares: s } });
    wrap(commitments, sharesFor(1));
    // Dealer 2 sends node 1 a wrong zero-share.
    const bad = sharesFor(1);
    bad[2] = suite.encodeScalar(suite.Fn.add(suite.decodeScalar(bad[2]!), 1n));
    assert.throws(() => wrap(commitments, bad), isCode(ErrorCode.INVALID_SHARE, [2]));
    // Dealer 3 sends k commitments (a constant term would shift the secret): refused.
    assert.throws(() => wrap({ ...commitments, 3: [suite.encodePoint(suite.G), ...commitments[3]!] }, sharesFor(1)), isCode(ErrorCode.INVALID_COMMITMENT_LENGTH, [3]));
    assert.throws(() => wrap({ ...commitments, 3: [new Uint8Array(33)] }, sharesFor(1)), isCode(ErrorCode.INVALID_POINT, [3]));
    // A missing dealer share.
    const missing = sharesFor(1);
    delete missing[3];
    assert.throws(() => wrap(commitments, missing), isCode(ErrorCode.INVALID_SHARE, [3]));
  });

  test('tampered files: X\'_m, ciphertext, swapped ciphertexts, export id, unknown fields', () => {
    const { file } = runExport(keys, [1, 2, 3], () => rcpt.publicKey);
    const s0 = file.shares[0]!;
    const s1 = file.shares[1]!;
    assert.notDeepEqual(exportFileProblems({ ...file, shares: [{ ...s0, verifyingShare: s1.verifyingShare }, ...file.shares.slice(1)] }), []);
    const ct = s0.ciphertext.slice();
    ct[40]! ^= 1;
    assert.throws(() => combineExport({ ...file, shares: [{ ...s0, ciphertext: ct }, ...file.shares.slice(1)] }, rcpt.secretKey), isCode(ErrorCode.DECRYPTION_FAILED, [1]));
    const swapped = [{ ...s0, ciphertext: s1.ciphertext }, { ...s1, ciphertext: s0.ciphertext }, file.shares[2]!];
    assert.throws(() => combineExport({ ...file, shares: swapped }, rcpt.secretKey), isCode(ErrorCode.DECRYPTION_FAILED));
    assert.throws(() => combineExport({ ...file, exportId: 'another' }, rcpt.secretKey), isCode(ErrorCode.DECRYPTION_FAILED));
    const other = runDkgLocally('ecdsa-secp256k1', 2, 3);
    assert.throws(() => combineExport({ ...file, groupKey: other[0]!.groupKey }, rcpt.secretKey), isCode(ErrorCode.INVALID_EXPORT));
    const j = JSON.parse(serializeExportFile(file)) as Record<string, unknown>;
    for (const bad of [{ ...j, version: 2 }, { ...j, extra: 1 }, { ...j, quorum: [3, 1, 2] }, { ...j, commitments: { 1: [], 2: [], 3: [] } }])
      assert.throws(() => parseExportFile(JSON.stringify(bad)), isCode(ErrorCode.INVALID_EXPORT));
    assert.throws(() => combineExport(file, rcpt.secretKey, { expectedPublicKey: other[0]!.publicKey }), isCode(ErrorCode.RECOVERED_KEY_MISMATCH));
  });

  test('an epoch other than the key\'s own is refused (wrapShareForExport, assembleExportFile)', () => {
    const isParams = (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS && /epoch/.test(e.message);
    const quorum = [1, 2];
    const zero = new Map(quorum.map((j) => [j, createExportZeroSharing({ key: keys[j - 1]!, quorum })]));
    const commitments = Object.fromEntries(quorum.map((j) => [j, zero.get(j)!.commitments]));
    const rerandomization = { commitments, shares: Object.fromEntries(quorum.map((j) => [j, zero.get(j)!.shares[1]!])) };
    const wrap = (key: KeyShare, epoch?: number) =>
      wrapShareForExport({ key, keyId: 'key-1', exportId: 'e-epoch', quorum, recipientPublicKey: rcpt.publicKey, rerandomization, ...(epoch !== undefined ? { epoch } : {}) });
    assert.throws(() => wrap(keys[0]!, 1), isParams);
    assert.equal(wrap(keys[0]!, 0).player, 1);
    const k3: KeyShare = { ...keys[0]!, epoch: { counter: 3, id: randomBytes(32) } };
    assert.throws(() => wrap(k3, 0), isParams);
    assert.equal(wrap(k3, 3).player, 1);
    const shares = [wrap(keys[0]!)];
    assert.throws(() => assembleExportFile({ key: keys[0]!, keyId: 'key-1', exportId: 'e-epoch', epoch: 2, quorum, commitments, shares }), isParams);
  });

  test('parameter checks: quorum below k, node outside the quorum, unsorted quorum', () => {
    assert.throws(() => createExportZeroSharing({ key: keys[0]!, quorum: [1] }), isCode(ErrorCode.INVALID_EXPORT));
    assert.throws(() => createExportZeroSharing({ key: keys[0]!, quorum: [2, 3] }), isCode(ErrorCode.INVALID_EXPORT));
    assert.throws(() => createExportZeroSharing({ key: keys[0]!, quorum: [2, 1] }), isCode(ErrorCode.INVALID_EXPORT));
    assert.throws(() => createExportZeroSharing({ key: keys[0]!, quorum: [1, 4] }), isCode(ErrorCode.INVALID_EXPORT));
  });
});
