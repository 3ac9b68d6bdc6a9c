/**
 * End-to-end: import of existing keys (verifiable-backup.md §15) into a real 3-node cluster
 * (SQLite). Refused while the cluster policy forbids it and by a node without an HPKE identity
 * key; a known hex key, the BIP39 test mnemonic at m/44'/0'/0'/0/0 and an RFC 8032 seed import
 * to their known public keys, and the cluster then signs under them (independent verifiers).
 * The automatic refresh leaves shares other than the client dealt; a client that deals different
 * commitments to one node gets nothing activated.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import Database from 'better-sqlite3';
import { evalCommitment, generateBackupKeyPair, getSuite, randomBytes, serializeImportRequest, splitForImport, toHex } from '@opentsm/core';
import { signRequest, TsmError } from '@opentsm/client';
import { runCli, startCluster, type TestCluster } from './harness.js';
import { independentVerify } from './verifiers.js';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** BIP44 m/44'/0'/0'/0/0 of the BIP39 test mnemonic: its well-known P2PKH address and public key. */
const BIP44_ADDRESS = '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA';
const BIP44_PUBKEY = '03aaeb52dd7494c361049de67cc680e83ebcbbbdbeb13637d92cd845f70308af5e';
/** RFC 8032 §7.1 TEST 1. */
const RFC8032_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC8032_PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';

const enc = new TextEncoder();
const isCode = (code: string) => (e: unknown) => e instanceof TsmError && e.code === code;

function base58check(payload: Uint8Array): string {
  const A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const data = new Uint8Array([...payload, ...sha256(sha256(payload)).subarray(0, 4)]);
  let n = BigInt('0x' + toHex(data));
  let s = '';
  while (n > 0n) {
    s = A[Number(n % 58n)]! + s;
    n /= 58n;
  }
  for (const b of data) {
    if (b !== 0) break;
    s = '1' + s;
  }
  return s;
}

describe('key import in the cluster (SQLite)', () => {
  let tc: TestCluster;
  let nodeKeys: Record<number, string> = {};

  before(async () => {
    tc = await startCluster({ nodes: 3, sessionTimeoutMs: 15_000 });
    nodeKeys = Object.fromEntries(tc.cluster.nodes.map((n) => [n.player, n.hpkePublicKey!]));
  });
  after(async () => {
    await tc?.stop();
  });

  const restart = async (players: number[]) => {
    for (const p of players) await tc.kill(p, 'SIGTERM');
    for (const p of players) tc.start(p);
    await tc.waitReady();
  };
  const editJson = (file: string, f: (o: Record<string, unknown>) => void) => {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    f(o);
    writeFileSync(file, JSON.stringify(o, null, 2));
  };

  it('tsm init gave every node an HPKE identity key (0600) pinned in the cluster file', () => {
    for (const n of tc.cluster.nodes) {
      assert.match(n.hpkePublicKey ?? '', /^[0-9a-f]{64}$/);
      const file = join(tc.dir, `node-${n.player}.hpke`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string }).publicKey, n.hpkePublicKey);
    }
  });

  it('is refused while the cluster policy forbids it (the default)', async () => {
    await assert.rejects(tc.client().importKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', privateKey: toHex(randomBytes(32)), nodeKeys }), isCode('IMPORT_FORBIDDEN'));
    editJson(tc.clusterFile, (o) => ((o.policy as Record<string, unknown>).allowImport = true));
    await restart([1, 2, 3]);
  });

  it('a hex private key imports to its public key (CLI); the cluster signs under it; the shares were refreshed', async () => {
    const sk = sha256(enc.encode('OpenTSM import e2e key'));
    const pub = toHex(secp256k1.getPublicKey(sk, true));
    const f = join(tc.dir, 'import.hex');
    writeFileSync(f, toHex(sk) + '\n', { mode: 0o600 });
    const r = await tc.cli(['keys', 'import', '--scheme', 'ecdsa-secp256k1', '--threshold', '2-of-3', '--private-key-file', f, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const k = JSON.parse(r.stdout) as { keyId: string; publicKey: string; protocol: string; epoch: number; players: number[] };
    assert.equal(k.publicKey, pub);
    assert.equal(k.protocol, 'honest-majority');
    assert.equal(k.epoch, 1, 'refreshed once after the import');
    const msg = enc.encode('signed by an imported key');
    const s = await tc.client().sign({ keyId: k.keyId, message: msg });
    assert.ok(independentVerify('ecdsa-secp256k1', pub, msg, s.signature));
    for (const n of tc.cluster.nodes) {
      const db = new Database(join(tc.dir, `node-${n.player}.db`), { readonly: true });
      const row = db.prepare(`SELECT result FROM audit_log WHERE action = 'key.import' AND key_id = ?`).get(k.keyId) as { result: string } | undefined;
      db.close();
      assert.equal(row?.result, 'ok', `node ${n.player} audited the import`);
    }
  });

  it('the CLI refuses malformed key material files (nothing is sent)', async () => {
    const short = join(tc.dir, 'short.hex');
    writeFileSync(short, 'ab'.repeat(31), { mode: 0o600 });
    const a = await tc.cli(['keys', 'import', '--scheme', 'ecdsa-secp256k1', '--threshold', '2-of-3', '--private-key-file', short, '--json']);
    assert.equal(a.code, 1);
    assert.equal(JSON.parse(a.stderr).error.code, 'INVALID_KEY_FILE');
    assert.ok(!a.stderr.includes('ab'.repeat(31)), 'no key material in the error');
    const words = join(tc.dir, 'bad-words.txt');
    writeFileSync(words, MNEMONIC.replace(/about$/, 'abandon'), { mode: 0o600 });
    const b = await tc.cli(['keys', 'import', '--scheme', 'frost-secp256k1', '--threshold', '2-of-3', '--mnemonic-file', words, '--path', 'm/0', '--json']);
    assert.equal(b.code, 1);
    assert.equal(JSON.parse(b.stderr).error.code, 'INVALID_ARGUMENT');
    assert.match(JSON.parse(b.stderr).error.message, /mnemonic/);
  });

  it("the BIP39 test mnemonic at m/44'/0'/0'/0/0 imports to its known key (address 1LqBGS…); FROST signs under it", async () => {
    const f = join(tc.dir, 'mnemonic.txt');
    writeFileSync(f, MNEMONIC + '\n', { mode: 0o600 });
    const r = await tc.cli(['keys', 'import', '--scheme', 'frost-secp256k1', '--threshold', '2-of-3', '--mnemonic-file', f, '--path', "m/44'/0'/0'/0/0", '--json']);
    assert.equal(r.code, 0, r.stderr);
    const k = JSON.parse(r.stdout) as { keyId: string; publicKey: string };
    assert.equal(k.publicKey, BIP44_PUBKEY);
    assert.equal(base58check(new Uint8Array([0, ...ripemd160(sha256(Uint8Array.from(Buffer.from(k.publicKey, 'hex'))))])), BIP44_ADDRESS);
    const msg = enc.encode('bip39');
    const s = await tc.client().sign({ keyId: k.keyId, message: msg, players: [2, 3] });
    assert.ok(independentVerify('frost-secp256k1', BIP44_PUBKEY, msg, s.signature));
  });

  it('an RFC 8032 seed imports to its Ed25519 public key (SDK); OpenSSL verifies the cluster signature', async () => {
    const k = await tc.client().importKey({ scheme: 'frost-ed25519', threshold: '2-of-3', ed25519Seed: RFC8032_SEED, nodeKeys });
    assert.equal(k.publicKey, RFC8032_PUB);
    const msg = enc.encode('rfc 8032');
    const s = await tc.client().sign({ keyId: k.keyId, message: msg, players: [1, 3] });
    assert.ok(independentVerify('frost-ed25519', RFC8032_PUB, msg, s.signature));
  });

  /** Send one import request (or one per node) with the same request id to every node. */
  const rawImport = async (bodies: Record<number, string>) => {
    const requestId = toHex(randomBytes(16));
    return Promise.all(
      tc.cluster.nodes.map(async (n) => {
        const s = signRequest(tc.admin, { method: 'POST', path: '/v1/keys/import', body: bodies[n.player]!, requestId });
        const res = await fetch(n.apiUrl + '/v1/keys/import', { method: 'POST', headers: { ...s.headers, 'content-type': 'application/json' }, body: Buffer.from(s.body) });
        return { player: n.player, status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
      }),
    );
  };
  const splitFor = (privateKey: Uint8Array, keyId: string, importId: string) =>
    splitForImport({ scheme: 'frost-secp256k1', privateKey, threshold: 2, parties: [1, 2, 3], nodeEncryptionKeys: Object.fromEntries(Object.entries(nodeKeys).map(([p, h]) => [p, Uint8Array.from(Buffer.from(h, 'hex'))])), keyId, importId });

  it('the stored shares are not the client-dealt ones (refresh before activation)', async () => {
    const keyId = 'key_' + toHex(randomBytes(16));
    const req = splitFor(randomBytes(32), keyId, toHex(randomBytes(16)));
    const body = JSON.stringify({ request: JSON.parse(serializeImportRequest(req)) });
    const res = await rawImport({ 1: body, 2: body, 3: body });
    for (const r of res) assert.equal(r.status, 200, JSON.stringify(r.body));
    const op = generateBackupKeyPair('x25519');
    await tc.client().addBackupRecipient(op.publicKey, 'import check');
    const f = await tc.client().backupKey(keyId, op.publicKey);
    assert.equal(f.epoch, 1);
    const suite = getSuite('frost-secp256k1');
    const C = req.commitments.map((c) => suite.decodePoint(c));
    for (const j of [1, 2, 3]) {
      const dealt = toHex(suite.encodePoint(evalCommitment(suite, C, BigInt(j))));
      assert.notEqual(toHex(f.verifyingShares[j]!), dealt, `player ${j}'s share differs from the dealt one`);
    }
    assert.equal(toHex(f.groupKey), toHex(req.publicKey), 'same key');
  });

  it('a client dealing different commitments to one node gets nothing activated', async () => {
    const keyId = 'key_' + toHex(randomBytes(16));
    const importId = toHex(randomBytes(16));
    const x = randomBytes(32);
    const a = JSON.stringify({ request: JSON.parse(serializeImportRequest(splitFor(x, keyId, importId))) });
    const b = JSON.stringify({ request: JSON.parse(serializeImportRequest(splitFor(x, keyId, importId))) });
    const t0 = Date.now();
    const res = await rawImport({ 1: a, 2: a, 3: b });
    assert.ok(Date.now() - t0 < 10_000, 'no timeout');
    // The import-agree round fails with PUBLIC_OUTPUT_MISMATCH: a node that compares the digests itself
    // aborts (502 PROTOCOL_ABORTED naming the node that accepted another import: node 3 for nodes 1 and
    // 2, node 1 or 2 for node 3); a node that first hears another's abort answers 409 IMPORT_REJECTED
    // naming that node and the same reason.
    const direct: number[] = [];
    for (const r of res) {
      const err = r.body.error as { code: string; message: string; culprits?: number[] } | undefined;
      assert.ok(err, `node ${r.player} refused: ${JSON.stringify(r.body)}`);
      if (err.code === 'PROTOCOL_ABORTED') {
        assert.equal(r.status, 502);
        assert.match(err.message, /PUBLIC_OUTPUT_MISMATCH: party \d accepted a different import/);
        assert.equal(err.culprits?.length, 1, err.message);
        assert.ok((r.player === 3 ? [1, 2] : [3]).includes(err.culprits[0]!), `node ${r.player} blames ${String(err.culprits)}`);
        direct.push(r.player);
      } else {
        assert.equal(err.code, 'IMPORT_REJECTED', `node ${r.player}: ${JSON.stringify(err)}`);
        assert.equal(r.status, 409);
        assert.match(err.message, /^node [123] rejected the import \(PUBLIC_OUTPUT_MISMATCH\)$/);
        assert.equal(err.culprits?.length, 1);
        assert.notEqual(err.culprits[0], r.player);
      }
    }
    assert.ok(direct.length >= 1, 'at least one node detected the mismatch itself');
    await assert.rejects(tc.client().getKey(keyId), isCode('KEY_NOT_FOUND'));
  });

  it('a node without an HPKE identity key (older cluster files) refuses with a clear error; so does the CLI', async () => {
    // Client side: a cluster file without pinned node keys.
    const old = join(tc.dir, 'cluster-old.json');
    writeFileSync(old, readFileSync(tc.clusterFile, 'utf8'));
    editJson(old, (o) => (o.nodes as Record<string, unknown>[]).forEach((n) => delete n.hpkePublicKey));
    const f = join(tc.dir, 'import2.hex');
    writeFileSync(f, toHex(randomBytes(32)), { mode: 0o600 });
    const c = await runCli(['--cluster', old, '--credentials', tc.credentialsFile, 'keys', 'import', '--scheme', 'ecdsa-secp256k1', '--threshold', '2-of-3', '--private-key-file', f, '--json']);
    assert.equal(c.code, 1);
    assert.equal(JSON.parse(c.stderr).error.code, 'NODE_ENCRYPTION_KEY_MISSING');
    // Node side: node 3 started from a config without hpkeKeyFile.
    const cfg = join(tc.dir, 'node-3.json');
    const saved = readFileSync(cfg, 'utf8');
    editJson(cfg, (o) => delete o.hpkeKeyFile);
    await restart([3]);
    try {
      const t0 = Date.now();
      await assert.rejects(
        tc.client().importKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', privateKey: toHex(randomBytes(32)), nodeKeys }),
        (e: unknown) => {
          assert.ok(e instanceof TsmError, String(e));
          // The other nodes learn node 3's refusal: IMPORT_REJECTED naming node 3 and its reason.
          assert.equal(e.code, 'IMPORT_REJECTED', e.message);
          assert.equal(e.status, 409);
          assert.deepEqual(e.culprits, [3]);
          assert.match(e.message, /node 3 rejected the import \(NODE_ENCRYPTION_KEY_MISSING\)/);
          return true;
        },
      );
      assert.ok(Date.now() - t0 < 10_000, 'the other nodes stop at once');
    } finally {
      writeFileSync(cfg, saved);
      await restart([3]);
    }
  });
});
