/**
 * End-to-end: export of a key as re-randomised shares wrapped to a recipient (verifiable-backup.md
 * §14) in a real 3-node cluster (SQLite): forbidden by default, allowed per key by an
 * administrator for pinned recipients only, refused when any one node's policy forbids it; only
 * the recipient can combine the file (`tsm recover --wrapped`), the result is the key (it signs
 * under the key's public key, independently verified), and the live key is unchanged.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import Database from 'better-sqlite3';
import { combineExport, generateBackupKeyPair, parseExportFile, randomBytes, toHex } from '@opentsm/core';
import { generateApplicationKey, TsmError } from '@opentsm/client';
import { runCli, startCluster, type TestCluster } from './harness.js';
import { independentVerify, opensslVerifyEcdsa } from './verifiers.js';

const le = (b: Uint8Array): bigint => {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
};

const isCode = (code: string) => (e: unknown) => e instanceof TsmError && e.code === code;

describe('export of keys in the cluster (SQLite)', () => {
  let tc: TestCluster;
  let recipientPub = '';
  let recipientKeyFile = '';
  let otherKeyFile = '';
  let key: { keyId: string; publicKey: string };

  before(async () => {
    tc = await startCluster({ nodes: 3, sessionTimeoutMs: 15_000 });
    recipientKeyFile = join(tc.dir, 'recipient.key');
    otherKeyFile = join(tc.dir, 'other.key');
    const r = await runCli(['backup', 'keygen', '--out', recipientKeyFile, '--json']);
    assert.equal(r.code, 0, r.stderr);
    recipientPub = (JSON.parse(r.stdout) as { publicKey: string }).publicKey;
    assert.equal((await runCli(['backup', 'keygen', '--out', otherKeyFile])).code, 0);
    key = await tc.client().createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3' });
  });
  after(async () => {
    await tc?.stop();
  });

  it('is forbidden by default (every node refuses at once)', async () => {
    const r = await tc.cli(['keys', 'export', key.keyId, '--to', recipientPub, '--out', join(tc.dir, 'x.export'), '--json']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stderr).error.code, 'EXPORT_FORBIDDEN');
    const t0 = Date.now();
    await assert.rejects(tc.client().exportKey(key.keyId, recipientPub), isCode('EXPORT_FORBIDDEN'));
    assert.ok(Date.now() - t0 < 10_000, 'no session timeout');
    const p = await tc.cli(['keys', 'export-policy', key.keyId, '--json']);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout), { keyId: key.keyId, allowExport: false, recipients: [] });
  });

  it('only an administrator sets the export policy', async () => {
    const kp = generateApplicationKey('ed25519');
    const app = await tc.client().createApplication({ name: 'plain app', algorithm: 'ed25519', publicKey: kp.publicKey });
    const c = tc.client({ credentials: { applicationId: app.applicationId, algorithm: 'ed25519', privateKey: kp.privateKey, publicKey: kp.publicKey } });
    await assert.rejects(c.setExportPolicy(key.keyId, { allowExport: true, recipients: [recipientPub] }), isCode('FORBIDDEN'));
    // Keys are per application: another application cannot export (or even see) this key.
    await assert.rejects(c.exportKey(key.keyId, recipientPub), isCode('KEY_NOT_FOUND'));
  });

  it('allowed for a pinned recipient: only that recipient can combine the file; the key signs under its public key', async () => {
    const set = await tc.cli(['keys', 'export-policy', key.keyId, '--allow', '--to', recipientPub, '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((JSON.parse(set.stdout) as { allowExport: boolean }).allowExport, true);
    // Another recipient is still refused.
    const rogue = generateBackupKeyPair('x25519');
    await assert.rejects(tc.client().exportKey(key.keyId, rogue.publicKey), isCode('EXPORT_FORBIDDEN'));
    const out = join(tc.dir, 'key.export');
    const e = await tc.cli(['keys', 'export', key.keyId, '--to', recipientPub, '--out', out, '--json']);
    assert.equal(e.code, 0, e.stderr);
    const ex = JSON.parse(e.stdout) as { exportId: string; publicKey: string; players: number[] };
    assert.equal(ex.publicKey, key.publicKey);
    assert.deepEqual(ex.players, [1, 2, 3]);
    // A non-recipient cannot unwrap.
    const bad = await runCli(['recover', '--wrapped', out, '--key', otherKeyFile, '--json']);
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.stderr).error.code, 'DECRYPTION_FAILED');
    // The recipient can, offline.
    const rec = await runCli(['recover', '--wrapped', out, '--key', recipientKeyFile, '--json']);
    assert.equal(rec.code, 0, rec.stderr);
    const r = JSON.parse(rec.stdout) as { publicKey: string; privateKey: string; exportId: string };
    assert.equal(r.publicKey, key.publicKey);
    assert.equal(r.exportId, ex.exportId);
    const msg = randomBytes(32);
    const sig = secp256k1.sign(sha256(msg), Uint8Array.from(Buffer.from(r.privateKey, 'hex')), { prehash: false, lowS: true });
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, msg, toHex(sig)), 'the exported key signs under the key');
    // The export is a fresh sharing: exporting again gives other shares of the same key.
    const again = await tc.client().exportKey(key.keyId, recipientPub);
    const first = parseExportFile(readFileSync(out, 'utf8'));
    assert.notEqual(again.exportId, first.exportId);
    assert.notEqual(toHex(again.shares[0]!.verifyingShare), toHex(first.shares[0]!.verifyingShare));
    assert.equal(toHex(again.shares[0]!.verifyingShare) === toHex(first.verifyingShares[1]!), false, 'not the live share either');
    // The live key is unchanged and still signs.
    const s = await tc.client().sign({ keyId: key.keyId, message: msg });
    assert.ok(independentVerify('ecdsa-secp256k1', key.publicKey, msg, s.signature));
  });

  it('refused when one node disagrees (its own policy forbids it), naming that node', async () => {
    await tc.client().setExportPolicy(key.keyId, { allowExport: false }, [3]);
    const t0 = Date.now();
    await assert.rejects(tc.client().exportKey(key.keyId, recipientPub), (e: unknown) => isCode('EXPORT_FORBIDDEN')(e) && (e as TsmError).culprits?.includes(3) === true);
    assert.ok(Date.now() - t0 < 10_000, 'the other nodes stop at once');
    await tc.client().setExportPolicy(key.keyId, { allowExport: true, recipients: [recipientPub] });
  });

  it('frost-ed25519 through the SDK: combineExport gives the scalar of the key (RFC 8032 signature verifies)', async () => {
    const k = await tc.client().createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' });
    const rk = generateBackupKeyPair('p256');
    await tc.client().setExportPolicy(k.keyId, { allowExport: true, recipients: [rk.publicKey] });
    const file = await tc.client().exportKey(k.keyId, rk.publicKey);
    assert.equal(file.suite, 'p256');
    const c = combineExport(file, rk.secretKey);
    assert.equal(toHex(c.publicKey), k.publicKey);
    const L = ed25519.Point.Fn.ORDER;
    const sk = le(c.privateKey);
    const A = ed25519.Point.BASE.multiply(sk).toBytes();
    const msg = randomBytes(24);
    const rr = le(sha512(new Uint8Array([...randomBytes(32), ...msg]))) % L;
    const R = ed25519.Point.BASE.multiply(rr).toBytes();
    const h = le(sha512(new Uint8Array([...R, ...A, ...msg]))) % L;
    const sig = new Uint8Array([...R, ...ed25519.Point.Fn.toBytes((rr + h * sk) % L)]);
    assert.ok(independentVerify('frost-ed25519', k.publicKey, msg, toHex(sig)));
  });

  it('export and export-policy changes are audited separately on every node', async () => {
    for (const n of tc.cluster.nodes) {
      const db = new Database(join(tc.dir, `node-${n.player}.db`), { readonly: true });
      const rows = db.prepare(`SELECT action, result FROM audit_log WHERE action IN ('key.export', 'key.export-policy')`).all() as { action: string; result: string }[];
      db.close();
      assert.ok(rows.some((r) => r.action === 'key.export' && r.result === 'ok'), `node ${n.player}: key.export ok`);
      assert.ok(rows.some((r) => r.action === 'key.export' && r.result === 'EXPORT_FORBIDDEN'), `node ${n.player}: key.export refused`);
      assert.ok(rows.some((r) => r.action === 'key.export-policy'), `node ${n.player}: key.export-policy`);
    }
  });
});
