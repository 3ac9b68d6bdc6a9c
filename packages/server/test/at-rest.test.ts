/** Shares at rest: AES-256-GCM sealing bound to (key id, player, version), and master key loading. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  generateMasterKey,
  loadMasterKey,
  loadMasterKeyFile,
  loadMasterKeyFromEnv,
  MasterKey,
  openShare,
  parseMasterKey,
  SEALED_SHARE_OVERHEAD,
  sealedShareMasterKeyId,
  sealShare,
  writeMasterKeyFile,
} from '../src/crypto/at-rest.js';

const binding = { keyId: 'key_0123456789abcdef', player: 2, version: 1 };
const DECRYPT = { code: 'SHARE_DECRYPT_FAILED' };

function rawKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

describe('sealShare / openShare', () => {
  const mk = generateMasterKey();
  const plaintext = new TextEncoder().encode('{"share":"00112233445566778899aabbccddeeff"}');

  it('round-trips, with a fresh nonce each time', () => {
    const a = sealShare(mk, binding, plaintext);
    const b = sealShare(mk, binding, plaintext);
    assert.equal(a.length, plaintext.length + SEALED_SHARE_OVERHEAD);
    assert.notDeepEqual(a, b, 'random nonce');
    assert.deepEqual(openShare(mk, binding, a), plaintext);
    assert.deepEqual(openShare(mk, binding, b), plaintext);
    assert.deepEqual(openShare(mk, binding, sealShare(mk, binding, new Uint8Array(0))), new Uint8Array(0));
  });

  it('has the documented layout: 0x01 ‖ master key id ‖ nonce ‖ ciphertext ‖ tag', () => {
    const sealed = sealShare(mk, binding, plaintext);
    assert.equal(sealed[0], 1);
    assert.deepEqual(sealed.subarray(1, 9), mk.id);
    assert.equal(sealedShareMasterKeyId(sealed), mk.idHex);
    assert.equal(sealedShareMasterKeyId(new Uint8Array(3)), undefined);
  });

  it('any changed byte (version, key id, nonce, ciphertext, tag) makes it fail', () => {
    const sealed = sealShare(mk, binding, plaintext);
    const regions = { version: [0], keyId: [1, 8], nonce: [9, 20], ciphertext: [21, 21 + plaintext.length - 1], tag: [sealed.length - 16, sealed.length - 1] };
    for (const [name, idx] of Object.entries(regions)) {
      for (const i of idx) {
        const bad = Uint8Array.from(sealed);
        bad[i]! ^= 0x01;
        assert.throws(() => openShare(mk, binding, bad), DECRYPT, `${name} byte ${i}`);
      }
    }
    assert.throws(() => openShare(mk, binding, sealed.subarray(0, sealed.length - 1)), DECRYPT, 'truncated');
    assert.throws(() => openShare(mk, binding, sealed.subarray(0, 20)), DECRYPT, 'too short');
    assert.throws(() => openShare(mk, binding, new Uint8Array([...sealed, 0])), DECRYPT, 'extended');
  });

  it('is bound to key id, player and version', () => {
    const sealed = sealShare(mk, binding, plaintext);
    assert.throws(() => openShare(mk, { ...binding, keyId: 'key_other' }, sealed), DECRYPT);
    assert.throws(() => openShare(mk, { ...binding, keyId: `${binding.keyId}x` }, sealed), DECRYPT);
    assert.throws(() => openShare(mk, { ...binding, player: 3 }, sealed), DECRYPT);
    assert.throws(() => openShare(mk, { ...binding, version: 0 }, sealed), DECRYPT);
    assert.throws(() => openShare(mk, { ...binding, version: 2 }, sealed), DECRYPT);
  });

  it('does not open under another master key, and says nothing about the keys', () => {
    const sealed = sealShare(mk, binding, plaintext);
    const other = generateMasterKey();
    assert.throws(() => openShare(other, binding, sealed), (err: Error) => {
      assert.equal((err as { code?: unknown }).code, 'SHARE_DECRYPT_FAILED');
      assert.ok(!err.message.includes(mk.idHex) && !err.message.includes(other.idHex));
      return true;
    });
    // same id bytes forged onto a blob for the other key: still fails (tag check)
    const forged = Uint8Array.from(sealed);
    forged.set(other.id, 1);
    assert.throws(() => openShare(other, binding, forged), DECRYPT);
  });

  it('refuses malformed bindings', () => {
    for (const b of [
      { ...binding, keyId: '' },
      { ...binding, player: 0 },
      { ...binding, player: 1.5 },
      { ...binding, version: -1 },
      { ...binding, version: 2 ** 32 },
    ]) {
      assert.throws(() => sealShare(mk, b, plaintext), { code: 'INVALID_ARGUMENT' });
    }
  });
});

describe('MasterKey', () => {
  it('id = first 8 bytes of SHA-256("opentsm/master-key-id" ‖ key)', () => {
    const raw = rawKey();
    const mk = MasterKey.fromBytes(raw);
    const expected = createHash('sha256').update('opentsm/master-key-id').update(raw).digest().subarray(0, 8);
    assert.equal(mk.idHex, expected.toString('hex'));
    raw.fill(7); // the key copied its input
    assert.equal(mk.idHex, expected.toString('hex'));
  });

  it('never shows its bytes', () => {
    const raw = rawKey();
    const hex = Buffer.from(raw).toString('hex');
    const b64 = Buffer.from(raw).toString('base64');
    const mk = MasterKey.fromBytes(raw);
    for (const s of [String(mk), JSON.stringify(mk), inspect(mk, { showHidden: true, depth: 5 }), JSON.stringify({ ...mk }), Object.keys(mk).join()]) {
      assert.ok(!s.includes(hex) && !s.includes(b64), s);
    }
    assert.equal(String(mk), `MasterKey(${mk.idHex})`);
  });

  it('refuses wrong lengths and the all-zero key; destroy() makes it unusable', () => {
    assert.throws(() => MasterKey.fromBytes(new Uint8Array(31).fill(1)), { code: 'MASTER_KEY_INVALID' });
    assert.throws(() => MasterKey.fromBytes(new Uint8Array(32)), { code: 'MASTER_KEY_INVALID' });
    const mk = generateMasterKey();
    mk.destroy();
    assert.throws(() => sealShare(mk, binding, new Uint8Array(1)), { code: 'MASTER_KEY_INVALID' });
  });

  it('parses hex and base64 strictly', () => {
    const raw = rawKey();
    const id = MasterKey.fromBytes(raw).idHex;
    const b64 = Buffer.from(raw).toString('base64');
    assert.equal(parseMasterKey(Buffer.from(raw).toString('hex')).idHex, id);
    assert.equal(parseMasterKey(Buffer.from(raw).toString('hex').toUpperCase()).idHex, id);
    assert.equal(parseMasterKey(`  ${b64}\n`).idHex, id);
    assert.equal(parseMasterKey(Buffer.from(raw).toString('base64url')).idHex, id);
    const bad = [
      '',
      'ab'.repeat(31),
      'ab'.repeat(33),
      'zz'.repeat(32),
      b64.slice(0, -2),
      `${b64}AAAA`,
      `AQ${'A'.repeat(40)}B=`, // non-canonical: unused low bits of the last character set
      `${Buffer.from(raw).toString('hex')} extra`,
    ];
    for (const s of bad) assert.throws(() => parseMasterKey(s), { code: 'MASTER_KEY_INVALID' }, JSON.stringify(s));
  });
});

describe('master key files and environment', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentsm-mk-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads raw, hex and base64 files; reports group/world-readable ones', async () => {
    const raw = rawKey();
    const id = MasterKey.fromBytes(raw).idHex;
    const files = {
      raw: Buffer.from(raw),
      hex: `${Buffer.from(raw).toString('hex')}\n`,
      b64: `${Buffer.from(raw).toString('base64')}\n`,
    };
    for (const [name, content] of Object.entries(files)) {
      const p = join(dir, `${name}.key`);
      await writeFile(p, content, { mode: 0o600 });
      const loaded = await loadMasterKeyFile(p);
      assert.equal(loaded.key.idHex, id, name);
      assert.equal(loaded.insecurePermissions, false, name);
      assert.equal(loaded.mode, 0o600);
      assert.equal(loaded.source, 'file');
      await chmod(p, 0o644);
      assert.equal((await loadMasterKeyFile(p)).insecurePermissions, true, `${name} 0644`);
      await chmod(p, 0o640);
      assert.equal((await loadMasterKeyFile(p)).insecurePermissions, true, `${name} 0640`);
    }
  });

  it('refuses malformed files without echoing their content', async () => {
    const secretish = 'correct horse battery staple 1234567890';
    for (const [name, content] of Object.entries({ short: Buffer.alloc(31, 1), text: secretish, empty: '', hex63: 'a'.repeat(63) })) {
      const p = join(dir, `bad-${name}.key`);
      await writeFile(p, content, { mode: 0o600 });
      await assert.rejects(loadMasterKeyFile(p), (err: Error) => {
        assert.equal((err as { code?: unknown }).code, 'MASTER_KEY_INVALID', name);
        assert.ok(!err.message.includes(secretish));
        return true;
      });
    }
    await assert.rejects(loadMasterKeyFile(join(dir, 'missing.key')), { code: 'MASTER_KEY_IO' });
  });

  it('loads TSM_MASTER_KEY (hex or base64); loadMasterKey prefers the file', async () => {
    const raw = rawKey();
    const id = MasterKey.fromBytes(raw).idHex;
    assert.equal(loadMasterKeyFromEnv({ TSM_MASTER_KEY: Buffer.from(raw).toString('hex') })?.idHex, id);
    assert.equal(loadMasterKeyFromEnv({ TSM_MASTER_KEY: Buffer.from(raw).toString('base64') })?.idHex, id);
    assert.equal(loadMasterKeyFromEnv({}), undefined);
    assert.equal(loadMasterKeyFromEnv({ TSM_MASTER_KEY: '  ' }), undefined);
    assert.throws(() => loadMasterKeyFromEnv({ TSM_MASTER_KEY: 'nope' }), { code: 'MASTER_KEY_INVALID' });
    const fromEnv = await loadMasterKey({ env: { TSM_MASTER_KEY: Buffer.from(raw).toString('hex') } });
    assert.equal(fromEnv.key.idHex, id);
    assert.equal(fromEnv.source, 'env');
    assert.equal(fromEnv.insecurePermissions, false);
    await assert.rejects(loadMasterKey({ env: {} }), { code: 'MASTER_KEY_MISSING' });
    const p = join(dir, 'preferred.key');
    const fileKey = generateMasterKey();
    await writeMasterKeyFile(p, fileKey);
    assert.equal((await loadMasterKey({ file: p, env: { TSM_MASTER_KEY: Buffer.from(raw).toString('hex') } })).key.idHex, fileKey.idHex);
  });

  it('writeMasterKeyFile creates a 0600 hex file and never overwrites', async () => {
    const p = join(dir, 'new.key');
    const mk = generateMasterKey();
    await writeMasterKeyFile(p, mk);
    assert.equal((await stat(p)).mode & 0o777, 0o600);
    assert.match(await readFile(p, 'latin1'), /^[0-9a-f]{64}\n$/);
    const loaded = await loadMasterKeyFile(p);
    assert.equal(loaded.key.idHex, mk.idHex);
    assert.equal(loaded.insecurePermissions, false);
    const sealed = sealShare(mk, binding, Uint8Array.of(1, 2, 3));
    assert.deepEqual(openShare(loaded.key, binding, sealed), Uint8Array.of(1, 2, 3));
    await assert.rejects(writeMasterKeyFile(p, generateMasterKey()), { code: 'MASTER_KEY_IO' });
    assert.equal((await loadMasterKeyFile(p)).key.idHex, mk.idHex, 'unchanged');
  });
});
