/**
 * Offline recovery (verifiable-backup.md §8): every k-subset, non-contiguous indices, suite B, the
 * operator key file, and the failure paths — wrong operator key, a bad backup skipped in favour of
 * another player's, fewer than k usable backups, a record that disagrees with the backups, an
 * unexpected public key, mixed epochs.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  assembleBackupFile,
  backupSuiteOfPublicKey,
  createShareBackup,
  generateBackupKeyPair,
  getSuite,
  parseBackupFile,
  parseBackupSecretKey,
  recoverFromBackups,
  recoverShareBackup,
  backupFileStatement,
  backupRecordProblems,
  randomBytes,
  serializeBackupFile,
  serializeBackupSecretKey,
  verifyBackupSet,
  ErrorCode,
  ProtocolError,
  type BackupFile,
  type HpkeKeyPair,
  type KeyShare,
} from '../src/index.js';
import { runDkgLocally } from '../src/testing/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const isCode = (code: string, culprits?: number[]) => (e: unknown) =>
  e instanceof ProtocolError && e.code === code && (culprits === undefined || JSON.stringify(e.culprits) === JSON.stringify(culprits));

function assertRecovers(keys: readonly KeyShare[], f: BackupFile, sk: Uint8Array, players: readonly number[]) {
  const r = recoverFromBackups(f, sk);
  const suite = getSuite(f.scheme);
  assert.ok(suite.G.multiply(suite.decodeScalar(r.privateKey)).equals(suite.decodePoint(keys[0]!.groupKey)), 'x·G = PK');
  assert.deepEqual([...r.players], players);
  return r;
}

let keys: KeyShare[];
let op: HpkeKeyPair;
let full: BackupFile;
before(() => {
  keys = runDkgLocally('ecdsa-secp256k1', 2, 3, { parties: [2, 5, 7] });
  op = generateBackupKeyPair('x25519');
  const backups = keys.map((key) => createShareBackup({ key, keyId: 'k-1', recipientPublicKey: op.publicKey }));
  full = assembleBackupFile({ key: keys[0]!, keyId: 'k-1', suite: 'x25519', recipientPublicKey: op.publicKey, backups });
});

test('every k-subset recovers the same key; non-contiguous player indices (2-of-3 over {2, 5, 7})', () => {
  const seen = new Set<string>();
  for (const subset of [[2, 5], [2, 7], [5, 7]]) {
    const f: BackupFile = { ...full, backups: full.backups.filter((b) => subset.includes(b.player)) };
    seen.add(hex(assertRecovers(keys, f, op.secretKey, subset).privateKey));
  }
  assert.equal(seen.size, 1);
  const partial: BackupFile = { ...full, backups: full.backups.slice(1) };
  const r = verifyBackupSet(partial);
  assert.equal(r.ok, false, 'a partial set is not a complete backup (spec §9)');
  assert.deepEqual(r.missing, [2]);
});

test('one share alone (re-import into a TSM, §8.2): recoverShareBackup gives the stored share', () => {
  const r = recoverShareBackup(full.backups[1]!.blob, backupFileStatement(full, 5), op.secretKey);
  assert.equal(r.player, 5);
  assert.equal(hex(r.share), hex(keys[1]!.secretShare));
  assert.deepEqual([...r.badRows], []);
  assert.throws(() => recoverShareBackup(full.backups[1]!.blob, backupFileStatement(full, 7), op.secretKey), isCode(ErrorCode.INVALID_BACKUP, [7]));
});

test('wrong operator key: refused before any decryption', () => {
  const other = generateBackupKeyPair('x25519');
  assert.throws(() => recoverFromBackups(full, other.secretKey), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
  assert.throws(() => recoverFromBackups(full, generateBackupKeyPair('p256').secretKey), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
});

test('a corrupted backup is skipped and reported; recovery falls back to the next player', () => {
  const blob = full.backups[0]!.blob.slice();
  blob[blob.length - 1]! ^= 1; // last unopened ciphertext
  const f: BackupFile = { ...full, backups: [{ player: 2, blob }, ...full.backups.slice(1)] };
  assert.equal(verifyBackupSet(f).backups[0]!.ok, false);
  const r = assertRecovers(keys, f, op.secretKey, [5, 7]);
  assert.equal(r.skipped.length, 1);
  assert.equal(r.skipped[0]!.player, 2);
  // Fewer than k usable backups.
  const f2: BackupFile = { ...f, backups: f.backups.slice(0, 2) };
  assert.throws(() => recoverFromBackups(f2, op.secretKey), isCode(ErrorCode.BACKUP_UNRECOVERABLE, [2]));
  const f3: BackupFile = { ...full, backups: full.backups.slice(0, 1) };
  assert.throws(() => recoverFromBackups(f3, op.secretKey), isCode(ErrorCode.BACKUP_UNRECOVERABLE));
});

test('a record that disagrees with the backups or with trusted state is refused (P1)', () => {
  const suite = getSuite('ecdsa-secp256k1');
  // Swap two verifying shares: the record is no longer on one polynomial, and statements change.
  const vs = { ...full.verifyingShares, 2: full.verifyingShares[5]!, 5: full.verifyingShares[2]! };
  assert.throws(() => recoverFromBackups({ ...full, verifyingShares: vs }, op.secretKey), isCode(ErrorCode.INVALID_BACKUP));
  // Another key's record entirely (consistent on its own): every backup fails against it.
  const otherKeys = runDkgLocally('ecdsa-secp256k1', 2, 3, { parties: [2, 5, 7] });
  const forged: BackupFile = { ...full, groupKey: otherKeys[0]!.groupKey, publicKey: otherKeys[0]!.publicKey, verifyingShares: otherKeys[0]!.verifyingShares };
  assert.equal(verifyBackupSet(forged).ok, false);
  assert.throws(() => recoverFromBackups(forged, op.secretKey), isCode(ErrorCode.BACKUP_UNRECOVERABLE));
  // Trusted state differs from the file (cluster record, pinned operator key, epoch, key id).
  assert.throws(() => recoverFromBackups(full, op.secretKey, { key: otherKeys[0]! }), isCode(ErrorCode.INVALID_BACKUP));
  assert.throws(() => recoverFromBackups(full, op.secretKey, { recipientPublicKey: generateBackupKeyPair().publicKey }), isCode(ErrorCode.INVALID_BACKUP));
  assert.throws(() => recoverFromBackups(full, op.secretKey, { epoch: 1 }), isCode(ErrorCode.INVALID_BACKUP));
  assert.throws(() => recoverFromBackups(full, op.secretKey, { keyId: 'k-2' }), isCode(ErrorCode.INVALID_BACKUP));
  assert.throws(() => recoverFromBackups(full, op.secretKey, { expectedPublicKey: otherKeys[0]!.publicKey }), isCode(ErrorCode.RECOVERED_KEY_MISMATCH));
  // Mixed epochs: backups made for epoch 0 inside a file that claims epoch 3.
  assert.throws(() => recoverFromBackups({ ...full, epoch: 3 }, op.secretKey), isCode(ErrorCode.BACKUP_UNRECOVERABLE));
  // publicKey that is not the group key's encoding.
  const pk2 = suite.encodePublicKey(suite.decodePoint(otherKeys[0]!.groupKey));
  assert.throws(() => recoverFromBackups({ ...full, publicKey: pk2 }, op.secretKey), isCode(ErrorCode.INVALID_BACKUP));
});

test('every public field of the trusted key record is compared with the file (chain code, epoch, public key)', () => {
  const trusted = { key: keys[0]! };
  assert.deepEqual(backupRecordProblems(full, trusted), []);
  assert.equal(verifyBackupSet(full, trusted).ok, true);
  // A file with a random chain code: the proofs do not cover it, only the trusted record does.
  const cc: BackupFile = { ...full, chainCode: randomBytes(32) };
  assert.deepEqual(backupRecordProblems(cc), [], 'consistent on its own');
  assert.ok(backupRecordProblems(cc, trusted).includes('chain code differs from the trusted key record'));
  assert.equal(verifyBackupSet(cc, trusted).ok, false);
  assert.throws(() => recoverFromBackups(cc, op.secretKey, trusted), isCode(ErrorCode.INVALID_BACKUP));
  // A file claiming another epoch than the trusted record's (here epoch 0, no trust.epoch given).
  const ep: BackupFile = { ...full, epoch: 1 };
  assert.ok(backupRecordProblems(ep, trusted).includes('epoch differs from the epoch of the trusted key record'));
  assert.throws(() => recoverFromBackups(ep, op.secretKey, trusted), isCode(ErrorCode.INVALID_BACKUP));
  // ...and the other way round: a trusted record at epoch 2 against the epoch-0 file.
  const epoch2 = { ...keys[0]!, epoch: { counter: 2, id: randomBytes(32) } };
  assert.ok(backupRecordProblems(full, { key: epoch2 }).includes('epoch differs from the epoch of the trusted key record'));
  // A trusted record whose external public key differs from the file's.
  const pk: KeyShare = { ...keys[0]!, publicKey: randomBytes(33) };
  assert.ok(backupRecordProblems(full, { key: pk }).includes('public key differs from the trusted key record'));
});

test('backup file parser is strict', () => {
  const text = serializeBackupFile(full);
  const j = JSON.parse(text) as Record<string, unknown>;
  const bad: unknown[] = [
    { ...j, version: 2 },
    { ...j, type: 'opentsm-export' },
    { ...j, extra: true },
    { ...j, scheme: 'rsa' },
    { ...j, parties: [5, 2, 7] },
    { ...j, threshold: 4 },
    { ...j, groupKey: (j.groupKey as string).slice(2) },
    { ...j, verifyingShares: { 2: (j.verifyingShares as Record<string, string>)['2'] } },
    { ...j, backups: [...(j.backups as unknown[])].reverse() },
    { ...j, backups: [{ player: 9, blob: '00' }] },
    { ...j, backups: [{ player: 2, blob: 'zz' }] },
    { ...j, backupKey: { ...(j.backupKey as object), fingerprint: '00'.repeat(32) } },
    { ...j, backupKey: { ...(j.backupKey as object), suite: 'p256' } },
  ];
  for (const b of bad) assert.throws(() => parseBackupFile(JSON.stringify(b)), isCode(ErrorCode.INVALID_BACKUP), JSON.stringify(b).slice(0, 80));
  assert.throws(() => parseBackupFile('{'), isCode(ErrorCode.INVALID_BACKUP));
  assert.throws(() => parseBackupFile('[]'), isCode(ErrorCode.INVALID_BACKUP));
});

test('suite B (P-256 + AES-256-GCM) with an Ed25519 key; a set with a missing player', () => {
  const ed = runDkgLocally('frost-ed25519', 2, 3);
  const opB = generateBackupKeyPair('p256');
  assert.equal(opB.publicKey.length, 65);
  assert.equal(backupSuiteOfPublicKey(opB.publicKey), 'p256');
  const backups = [ed[0]!, ed[2]!].map((key) => createShareBackup({ key, keyId: 'ed-key', recipientPublicKey: opB.publicKey, suite: 'p256' }));
  for (const b of backups) assert.equal(b.blob.length > 20_000 && b.blob.length < 21_500, true, `size ${b.blob.length}`);
  const f = assembleBackupFile({ key: ed[0]!, keyId: 'ed-key', suite: 'p256', recipientPublicKey: opB.publicKey, backups, verify: false });
  const report = verifyBackupSet(parseBackupFile(serializeBackupFile(f)));
  assert.equal(report.ok, false);
  assert.deepEqual(report.missing, [2]);
  assert.ok(report.backups.every((b) => b.ok));
  assertRecovers(ed, f, opB.secretKey, [1, 3]);
});

test('operator key file: serialise / parse, tampering rejected, never echoes the secret', () => {
  for (const suite of ['x25519', 'p256'] as const) {
    const kp = generateBackupKeyPair(suite);
    const text = serializeBackupSecretKey(kp);
    const back = parseBackupSecretKey(text);
    assert.equal(hex(back.secretKey), hex(kp.secretKey));
    assert.equal(hex(back.publicKey), hex(kp.publicKey));
    const j = JSON.parse(text) as Record<string, unknown>;
    const other = generateBackupKeyPair(suite);
    for (const bad of [
      { ...j, publicKey: hex(other.publicKey) },
      { ...j, secretKey: hex(other.secretKey) },
      { ...j, fingerprint: '00'.repeat(32) },
      { ...j, version: 2 },
      { ...j, extra: 1 },
      { ...j, aead: 1 },
    ]) {
      assert.throws(
        () => parseBackupSecretKey(JSON.stringify(bad)),
        (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_RECIPIENT_KEY && !e.message.includes(hex(kp.secretKey)) && !e.message.includes(hex(other.secretKey)),
      );
    }
  }
});
