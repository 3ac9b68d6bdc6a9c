/**
 * The backup / export policy store methods (migration 4), on SQLite and PostgreSQL: authorised
 * backup keys (add is idempotent, list, remove) and per-key export policies (upsert, default
 * none), with argument checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends, type TestStore } from '../../src/store/testing.js';

const backends = await testBackends();
const x25519 = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const p256 = '04' + 'ab'.repeat(64);
const fp = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

for (const backend of backends) {
  describe(`backup policy store (${backend.dialect})`, { skip: backend.skip }, () => {
    let t: TestStore;
    before(async () => {
      t = await backend.open();
    });
    after(async () => {
      await t?.cleanup();
    });

    it('authorised backup keys: add (idempotent), get, list in order, remove', async () => {
      const s = t.store;
      assert.deepEqual(await s.listBackupRecipients(), []);
      assert.equal(await s.addBackupRecipient({ fingerprint: fp(1), suite: 'x25519', publicKey: x25519(7), name: 'drill', createdBy: 'app_admin', createdAt: 1000 }), true);
      assert.equal(await s.addBackupRecipient({ fingerprint: fp(1), suite: 'x25519', publicKey: x25519(7), name: 'again', createdBy: 'app_admin', createdAt: 3000 }), false);
      assert.equal(await s.addBackupRecipient({ fingerprint: fp(2), suite: 'p256', publicKey: p256, name: '', createdBy: 'app_admin', createdAt: 2000 }), true);
      assert.deepEqual(await s.getBackupRecipient(fp(1)), { fingerprint: fp(1), suite: 'x25519', publicKey: x25519(7), name: 'drill', createdBy: 'app_admin', createdAt: 1000 });
      assert.equal(await s.getBackupRecipient(fp(3)), undefined);
      assert.deepEqual((await s.listBackupRecipients()).map((r) => r.fingerprint), [fp(1), fp(2)]);
      assert.equal(await s.removeBackupRecipient(fp(1)), true);
      assert.equal(await s.removeBackupRecipient(fp(1)), false);
      assert.deepEqual((await s.listBackupRecipients()).map((r) => r.fingerprint), [fp(2)]);
    });

    it('refuses malformed recipients', async () => {
      const s = t.store;
      const ok = { fingerprint: fp(9), suite: 'x25519' as const, publicKey: x25519(1), name: '', createdBy: 'app_admin' };
      for (const bad of [
        { ...ok, fingerprint: 'XY' },
        { ...ok, suite: 'rsa' as 'x25519' },
        { ...ok, publicKey: p256 }, // does not match the suite
        { ...ok, publicKey: 'zz' },
        { ...ok, name: 'a\nb' },
      ])
        await assert.rejects(s.addBackupRecipient(bad), { code: 'INVALID_ARGUMENT' });
      await assert.rejects(s.getBackupRecipient('nope'), { code: 'INVALID_ARGUMENT' });
    });

    it('export policies: none by default, upsert, argument checks', async () => {
      const s = t.store;
      assert.equal(await s.getExportPolicy('key_1'), undefined);
      await s.setExportPolicy({ keyId: 'key_1', allowExport: true, recipients: [x25519(1), p256], updatedBy: 'app_admin', updatedAt: 10 });
      assert.deepEqual(await s.getExportPolicy('key_1'), { keyId: 'key_1', allowExport: true, recipients: [x25519(1), p256], updatedBy: 'app_admin', updatedAt: 10 });
      await s.setExportPolicy({ keyId: 'key_1', allowExport: false, recipients: [], updatedBy: 'app_admin2', updatedAt: 20 });
      assert.deepEqual(await s.getExportPolicy('key_1'), { keyId: 'key_1', allowExport: false, recipients: [], updatedBy: 'app_admin2', updatedAt: 20 });
      await assert.rejects(s.setExportPolicy({ keyId: 'key_1', allowExport: true, recipients: [x25519(1), x25519(1)], updatedBy: 'a' }), { code: 'INVALID_ARGUMENT' });
      await assert.rejects(s.setExportPolicy({ keyId: 'key_1', allowExport: 'yes' as unknown as boolean, recipients: [], updatedBy: 'a' }), { code: 'INVALID_ARGUMENT' });
      await assert.rejects(s.setExportPolicy({ keyId: 'key_1', allowExport: true, recipients: ['00'], updatedBy: 'a' }), { code: 'INVALID_ARGUMENT' });
    });
  });
}
