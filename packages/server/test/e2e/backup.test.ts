/**
 * End-to-end: verifiable backup and offline recovery in a real 3-node cluster (SQLite), through
 * the CLI (`tsm backup keygen | authorize | create | verify`, `tsm recover`) and the SDK.
 *
 * For frost-ed25519, frost-secp256k1 and ecdsa-secp256k1 keys: backup → verify (public data, and
 * against the live cluster) → offline recovery with no node involved; the recovered private key
 * has the key's public key and signs (noble) under it, checked by an independent verifier
 * (OpenSSL through node:crypto). Tampered files, a backup of another key, the wrong operator key
 * and an unauthorised backup key are refused.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import Database from 'better-sqlite3';
import { generateBackupKeyPair, parseBackupFile, randomBytes, serializeBackupFile, toHex } from '@opentsm/core';
import { TsmError } from '@opentsm/client';
import { runCli, startCluster, type TestCluster } from './harness.js';
import { independentVerify, opensslVerifyEcdsa } from './verifiers.js';

const SCHEMES = ['frost-ed25519', 'frost-secp256k1', 'ecdsa-secp256k1'] as const;
type S = (typeof SCHEMES)[number];

const le = (b: Uint8Array): bigint => {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
};

/** Sign with the recovered private key using noble only; verify under the key's public key with OpenSSL. */
function signsUnderKey(scheme: S, privateKeyHex: string, publicKeyHex: string): boolean {
  const msg = randomBytes(40);
  const sk = Uint8Array.from(Buffer.from(privateKeyHex, 'hex'));
  if (scheme === 'frost-ed25519') {
    // RFC 8032 signing from the raw scalar (it is not a seed): any 32-byte prefix derandomises r.
    const L = ed25519.Point.Fn.ORDER;
    const s = le(sk);
    const A = ed25519.Point.BASE.multiply(s).toBytes();
    assert.equal(toHex(A), publicKeyHex, 's·G is the public key');
    const r = le(sha512(new Uint8Array([...randomBytes(32), ...msg]))) % L;
    const R = ed25519.Point.BASE.multiply(r).toBytes();
    const k = le(sha512(new Uint8Array([...R, ...A, ...msg]))) % L;
    const sig = new Uint8Array([...R, ...ed25519.Point.Fn.toBytes((r + k * s) % L)]);
    return independentVerify('frost-ed25519', publicKeyHex, msg, toHex(sig));
  }
  // secp256k1 (ECDSA and FROST keys share the curve and the 33-byte SEC1 public key): ECDSA over SHA-256.
  const sig = secp256k1.sign(sha256(msg), sk, { prehash: false, lowS: true });
  return opensslVerifyEcdsa('ecdsa-secp256k1', publicKeyHex, msg, toHex(sig));
}

describe('verifiable backup and offline recovery in the cluster (SQLite)', () => {
  let tc: TestCluster;
  let opPub = '';
  let opKeyFile = '';
  const keys: Partial<Record<S, { keyId: string; publicKey: string; file: string }>> = {};

  before(async () => {
    tc = await startCluster({ nodes: 3, sessionTimeoutMs: 15_000 });
  });
  after(async () => {
    await tc?.stop();
  });

  const cli = async (args: string[], want = 0) => {
    const r = await tc.cli([...args, '--json']);
    assert.equal(r.code, want, `tsm ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r;
  };

  it('backup keygen writes the secret key (0600) and prints the public key; authorize pins it on every node', async () => {
    opKeyFile = join(tc.dir, 'operator.key');
    const r = await cli(['backup', 'keygen', '--out', opKeyFile]);
    const out = JSON.parse(r.stdout) as { publicKey: string; suite: string };
    assert.match(out.publicKey, /^[0-9a-f]{64}$/);
    assert.equal(out.suite, 'x25519');
    assert.equal(statSync(opKeyFile).mode & 0o777, 0o600);
    assert.ok(!r.stdout.includes(JSON.parse(readFileSync(opKeyFile, 'utf8')).secretKey), 'the secret key is not printed');
    // Never overwritten by accident.
    const again = await tc.cli(['backup', 'keygen', '--out', opKeyFile, '--json']);
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stderr).error.code, 'FILE_EXISTS');
    opPub = out.publicKey;
    const a = await cli(['backup', 'authorize', opPub, '--name', 'drill']);
    assert.equal(JSON.parse(a.stdout).publicKey, opPub);
    const list = await cli(['backup', 'recipients']);
    assert.deepEqual((JSON.parse(list.stdout) as { recipients: { publicKey: string }[] }).recipients.map((x) => x.publicKey), [opPub]);
  });

  for (const scheme of SCHEMES) {
    it(`${scheme}: backup create → verify (public data + live cluster) → offline recover; the key signs under the public key`, async () => {
      const key = await tc.client().createKey({ scheme, threshold: '2-of-3' });
      const file = join(tc.dir, `${scheme}.backup`);
      const c = await cli(['backup', 'create', key.keyId, '--to', opPub, '--out', file]);
      assert.deepEqual(JSON.parse(c.stdout).players, [1, 2, 3]);
      keys[scheme] = { keyId: key.keyId, publicKey: key.publicKey, file };
      const v = JSON.parse((await cli(['backup', 'verify', file])).stdout) as { ok: boolean; cluster: { checked: boolean; publicKey: string }; backups: { ok: boolean }[] };
      assert.equal(v.ok, true);
      assert.equal(v.backups.length, 3);
      assert.deepEqual(v.cluster, { checked: true, publicKey: key.publicKey });
      // Offline: no cluster file, no credentials (the nodes could all be down).
      const rec = await runCli(['recover', '--backup', file, '--key', opKeyFile, '--json'], { TSM_CLUSTER: '' });
      assert.equal(rec.code, 0, rec.stderr);
      const out = JSON.parse(rec.stdout) as { publicKey: string; privateKey: string; note?: string; scheme: string };
      assert.equal(out.publicKey, key.publicKey);
      assert.match(out.privateKey, /^[0-9a-f]{64}$/);
      assert.equal(out.note !== undefined, scheme === 'frost-ed25519', 'Ed25519 output says it is a raw scalar, not a seed');
      assert.ok(signsUnderKey(scheme, out.privateKey, key.publicKey), 'a signature made with the recovered key verifies under the key');
      // --out: the private key goes only to a 0600 file (an existing 0644 file is replaced with --force).
      const outFile = join(tc.dir, `${scheme}.recovered`);
      writeFileSync(outFile, 'old\n', { mode: 0o644 });
      chmodSync(outFile, 0o644);
      const refused = await runCli(['recover', '--backup', file, '--key', opKeyFile, '--out', outFile, '--json'], { TSM_CLUSTER: '' });
      assert.equal(refused.code, 1);
      assert.equal(JSON.parse(refused.stderr).error.code, 'FILE_EXISTS');
      assert.equal(readFileSync(outFile, 'utf8'), 'old\n');
      const toFile = await runCli(['recover', '--backup', file, '--key', opKeyFile, '--out', outFile, '--force', '--json'], { TSM_CLUSTER: '' });
      assert.equal(toFile.code, 0, toFile.stderr);
      assert.equal(statSync(outFile).mode & 0o777, 0o600);
      const printed = JSON.parse(toFile.stdout) as Record<string, unknown>;
      assert.equal(printed.privateKey, undefined);
      assert.equal(printed.publicKey, key.publicKey);
      assert.equal(printed.file, outFile);
      assert.ok(!toFile.stdout.includes(out.privateKey) && !toFile.stderr.includes(out.privateKey), 'the private key is not printed');
      const written = JSON.parse(readFileSync(outFile, 'utf8')) as { privateKey: string; publicKey: string };
      assert.deepEqual([written.privateKey, written.publicKey], [out.privateKey, key.publicKey]);
      const human = await runCli(['recover', '--backup', file, '--key', opKeyFile, '--out', outFile, '--force'], { TSM_CLUSTER: '' });
      assert.equal(human.code, 0, human.stderr);
      assert.ok(!human.stdout.includes(out.privateKey));
      assert.match(human.stdout, /private key written to .*\(mode 0600\)/);
    });
  }

  it('the SDK assembles and verifies the same backups (backupKey)', async () => {
    const k = keys['ecdsa-secp256k1']!;
    const f = await tc.client().backupKey(k.keyId, opPub);
    assert.equal(toHex(f.publicKey), k.publicKey);
    assert.deepEqual(f.backups.map((b) => b.player), [1, 2, 3]);
  });

  it('a tampered backup file fails verify (exit 1); so does a backup of another key', async () => {
    const a = keys['frost-secp256k1']!;
    const b = keys['ecdsa-secp256k1']!;
    const text = readFileSync(a.file, 'utf8');
    const f = parseBackupFile(text);
    // One flipped bit deep inside player 2's proof.
    const blob = f.backups[1]!.blob.slice();
    blob[blob.length - 500]! ^= 0x01;
    const tampered = join(tc.dir, 'tampered.backup');
    writeFileSync(tampered, serializeBackupFile({ ...f, backups: f.backups.map((x, i) => (i === 1 ? { ...x, blob } : x)) }));
    const t = await tc.cli(['backup', 'verify', tampered, '--json']);
    assert.equal(t.code, 1);
    const tr = JSON.parse(t.stdout) as { ok: boolean; backups: { player: number; ok: boolean }[] };
    assert.equal(tr.ok, false);
    assert.deepEqual(tr.backups.map((x) => x.ok), [true, false, true]);
    // A changed verifying share in the record (the statement): the record and proofs disagree.
    const vs = { ...f.verifyingShares, 3: parseBackupFile(readFileSync(b.file, 'utf8')).verifyingShares[3]! };
    const badRecord = join(tc.dir, 'record.backup');
    writeFileSync(badRecord, serializeBackupFile({ ...f, verifyingShares: vs }));
    assert.equal((await tc.cli(['backup', 'verify', badRecord, '--json'])).code, 1);
    // Another key's proofs under this key's record (both secp256k1).
    const other = parseBackupFile(readFileSync(b.file, 'utf8'));
    const swapped = join(tc.dir, 'swapped.backup');
    writeFileSync(swapped, serializeBackupFile({ ...f, backups: other.backups }));
    const s = await tc.cli(['backup', 'verify', swapped, '--json']);
    assert.equal(s.code, 1);
    const sb = (JSON.parse(s.stdout) as { backups: { player: number; ok: boolean }[] }).backups;
    assert.deepEqual(sb.map((x) => x.player), [1, 2, 3], 'every backup was checked');
    assert.ok(sb.every((x) => !x.ok), 'no proof verifies under the other record');
    // The right file, but not the key the operator expects.
    const w = await runCli(['backup', 'verify', a.file, '--public-key', b.publicKey, '--json'], { TSM_CLUSTER: '' });
    assert.equal(w.code, 1);
    assert.equal((JSON.parse(w.stdout) as { cluster: { checked: boolean } }).cluster.checked, false);
    // Recovery refuses a tampered file before decrypting anything, and a foreign operator key.
    const r1 = await runCli(['recover', '--backup', badRecord, '--key', opKeyFile, '--json']);
    assert.equal(r1.code, 1);
    assert.equal(JSON.parse(r1.stderr).error.code, 'INVALID_BACKUP');
    const otherOp = join(tc.dir, 'other-operator.key');
    assert.equal((await runCli(['backup', 'keygen', '--out', otherOp])).code, 0);
    const r2 = await runCli(['recover', '--backup', a.file, '--key', otherOp, '--json']);
    assert.equal(r2.code, 1);
    assert.equal(JSON.parse(r2.stderr).error.code, 'INVALID_RECIPIENT_KEY');
    assert.ok(!r2.stderr.includes(JSON.parse(readFileSync(otherOp, 'utf8')).secretKey));
  });

  it('nodes refuse to back up to a key no administrator authorised; every backup is audited', async () => {
    const k = keys['frost-ed25519']!;
    const rogue = generateBackupKeyPair('x25519');
    await assert.rejects(tc.client().backupKey(k.keyId, rogue.publicKey), (e: unknown) => e instanceof TsmError && e.code === 'BACKUP_KEY_NOT_AUTHORIZED');
    for (const n of tc.cluster.nodes) {
      const db = new Database(join(tc.dir, `node-${n.player}.db`), { readonly: true });
      const rows = db.prepare(`SELECT key_id, result FROM audit_log WHERE action = 'key.backup'`).all() as { key_id: string; result: string }[];
      db.close();
      assert.ok(rows.filter((r) => r.result === 'ok').length >= 4, `node ${n.player} audited its backups`);
      assert.ok(rows.some((r) => r.key_id === k.keyId && r.result === 'BACKUP_KEY_NOT_AUTHORIZED'));
    }
  });
});
