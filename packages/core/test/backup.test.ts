/**
 * Verifiable backup round trips (verifiable-backup.md §6–8): for every scheme, a DKG key's n
 * backups are made, assembled into a file, serialised, parsed, verified from public data only and
 * recovered offline; the recovered key matches the group key and signs (noble) under the key's
 * public key. Recovery edge cases are in backup-recover.test.ts, rejections in backup-negative.test.ts.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  assembleBackupFile,
  createShareBackup,
  ed25519ExpandedKey,
  generateBackupKeyPair,
  getSuite,
  parseBackupFile,
  parseShareBackup,
  randomBytes,
  recoverFromBackups,
  serializeBackupFile,
  serializeShareBackup,
  verifyBackupSet,
  SCHEMES,
  type BackupFile,
  type KeyShare,
  type Scheme,
} from '../src/index.js';
import { runDkgLocally } from '../src/testing/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** LE bytes → bigint. */
function le(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/**
 * Sign `msg` with a recovered private key using noble only, and verify the signature under the
 * key's public key with the scheme's independent verifier: this shows the recovered scalar is
 * the real key. Ed25519: RFC 8032 signing from the expanded key (scalar ‖ prefix).
 */
function signAndVerify(scheme: Scheme, privateKey: Uint8Array, publicKey: Uint8Array, groupKey: Uint8Array): boolean {
  const msg = randomBytes(48);
  const suite = getSuite(scheme);
  switch (scheme) {
    case 'ecdsa-secp256k1':
      return suite.verify(secp256k1.sign(msg, privateKey, { lowS: true }), msg, publicKey);
    case 'ecdsa-p256':
      return suite.verify(p256.sign(msg, privateKey, { lowS: true }), msg, publicKey);
    case 'frost-secp256k1':
      return secp256k1.verify(secp256k1.sign(msg, privateKey), msg, groupKey);
    case 'frost-p256':
      return p256.verify(p256.sign(msg, privateKey), msg, groupKey);
    case 'frost-secp256k1-tr':
      return suite.verify(schnorr.sign(msg, privateKey), msg, publicKey);
    case 'frost-ed25519': {
      const expanded = ed25519ExpandedKey(privateKey);
      const L = ed25519.Point.Fn.ORDER;
      const s = le(expanded.subarray(0, 32));
      const A = ed25519.Point.BASE.multiply(s).toBytes();
      const r = le(sha512(new Uint8Array([...expanded.subarray(32), ...msg]))) % L;
      const R = ed25519.Point.BASE.multiply(r).toBytes();
      const k = le(sha512(new Uint8Array([...R, ...A, ...msg]))) % L;
      const S = ed25519.Point.Fn.toBytes((r + k * s) % L);
      return suite.verify(new Uint8Array([...R, ...S]), msg, publicKey);
    }
  }
}

function checkRecovered(keys: readonly KeyShare[], f: BackupFile, sk: Uint8Array, players?: readonly number[]): void {
  const r = recoverFromBackups(f, sk, { key: keys[0]!, keyId: f.keyId, epoch: f.epoch });
  const suite = getSuite(f.scheme);
  assert.ok(suite.G.multiply(suite.decodeScalar(r.privateKey)).equals(suite.decodePoint(keys[0]!.groupKey)), 'x·G = PK');
  assert.equal(hex(r.publicKey), hex(keys[0]!.publicKey));
  assert.equal(hex(r.chainCode), hex(keys[0]!.chainCode));
  assert.equal(r.players.length, keys[0]!.threshold);
  if (players) assert.deepEqual([...r.players], players);
  assert.deepEqual(r.skipped, []);
  assert.ok(signAndVerify(f.scheme, r.privateKey, r.publicKey, r.groupKey), 'recovered key signs under the public key');
}

describe('backup → file → verify → recover, every scheme (suite A: X25519 + ChaCha20-Poly1305)', () => {
  for (const scheme of SCHEMES) {
    test(scheme, () => {
      const keys = runDkgLocally(scheme, 2, 3);
      const op = generateBackupKeyPair('x25519');
      const keyId = `key-${scheme}`;
      const backups = keys.map((key) => createShareBackup({ key, keyId, recipientPublicKey: op.publicKey, suite: 'x25519' }));
      // The node → coordinator wire form is lossless; the backups below are verified from public data only.
      assert.deepEqual(parseShareBackup(serializeShareBackup(backups[2]!)), backups[2]);
      for (const x of backups) assert.equal(x.blob.length > 16_000 && x.blob.length < 17_500, true, `size ${x.blob.length}`);
      const file = assembleBackupFile({ key: keys[0]!, keyId, suite: 'x25519', recipientPublicKey: op.publicKey, backups: backups.reverse(), verify: false, createdAt: new Date().toISOString() });
      const text = serializeBackupFile(file);
      const parsed = parseBackupFile(text);
      assert.equal(serializeBackupFile(parsed), text, 'serialise ∘ parse is the identity');
      // The whole set against the trusted key record (another player's copy) and the pinned operator key.
      const report = verifyBackupSet(parsed, { key: keys[1]!, keyId, epoch: 0, recipientPublicKey: op.publicKey });
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.deepEqual(report.missing, []);
      checkRecovered(keys, parsed, op.secretKey, [1, 2]);
    });
  }
});

