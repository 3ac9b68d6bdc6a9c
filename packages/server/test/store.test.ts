/**
 * The ShareStore suite, run unchanged against SQLite and PostgreSQL.
 * PostgreSQL: see src/store/testing.ts (fails when unreachable unless OPENTSM_SKIP_PG=1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateMasterKey, openShare, sealShare } from '../src/crypto/at-rest.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../src/store/migrations/index.js';
import { openStore, parseStoreUrl } from '../src/store/open.js';
import type { PostgresStore } from '../src/store/postgres.js';
import { SQL } from '../src/store/sql.js';
import { assertReachable, testBackends, type TestStore } from '../src/store/testing.js';
import type { ShareStore } from '../src/store/types.js';

const backends = await testBackends();

let counter = 0;
function uid(prefix: string): string {
  counter++;
  return `${prefix}_${counter.toString(16).padStart(4, '0')}${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex')}`;
}

async function newApp(store: ShareStore, id = uid('app')): Promise<string> {
  await store.createApplication({ applicationId: id, name: 'test app', algorithm: 'ed25519', publicKey: 'ab'.repeat(32), role: 'app' });
  return id;
}

function share(n: number): Uint8Array {
  return Uint8Array.from({ length: 48 }, (_, i) => (i * 7 + n) & 0xff);
}

/** Asserts `p` rejects with a StoreError of `code`. */
async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code, `expected ${code}, got ${String(err)}`);
    return true;
  });
}

describe('parseStoreUrl', () => {
  it('selects the backend from the URL', () => {
    assert.deepEqual(parseStoreUrl('postgres://u@h/db'), { dialect: 'postgres' });
    assert.deepEqual(parseStoreUrl('postgresql://u@h/db'), { dialect: 'postgres' });
    assert.deepEqual(parseStoreUrl('sqlite:/var/lib/tsm/node.db'), { dialect: 'sqlite', path: '/var/lib/tsm/node.db' });
    assert.deepEqual(parseStoreUrl('sqlite://./node.db'), { dialect: 'sqlite', path: './node.db' });
    assert.deepEqual(parseStoreUrl('./data/node-1.db'), { dialect: 'sqlite', path: './data/node-1.db' });
    assert.deepEqual(parseStoreUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' });
    assert.throws(() => parseStoreUrl('mysql://x/y'), { code: 'UNSUPPORTED_URL' });
    assert.throws(() => parseStoreUrl(''), { code: 'UNSUPPORTED_URL' });
    assert.throws(() => parseStoreUrl('sqlite:'), { code: 'UNSUPPORTED_URL' });
  });

  it('opens an in-memory SQLite store through openStore', async () => {
    const store = await openStore('sqlite::memory:');
    assert.equal(store.dialect, 'sqlite');
    assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
    await store.close();
    await store.close(); // idempotent
    await rejectsCode(store.countKeys(), 'CLOSED');
  });

  it('never puts the database URL (which may hold a password) in an error', async () => {
    const secret = 'hunter2-very-secret';
    await assert.rejects(openStore(`postgres://u:${secret}@127.0.0.1:1/db`, { connectionTimeoutMs: 2000 }), (err: Error) => {
      assert.equal((err as { code?: unknown }).code, 'DB_ERROR');
      assert.ok(!err.message.includes(secret));
      assert.ok(!JSON.stringify(err).includes(secret));
      return true;
    });
  });
});

for (const backend of backends) {
  it(`${backend.dialect} backend is reachable`, { skip: backend.skip }, () => assertReachable(backend));

  describe(`ShareStore (${backend.dialect})`, { skip: backend.skip }, () => {
    let t: TestStore;
    let store: ShareStore;
    before(async () => {
      t = await backend.open();
      store = t.store;
    });
    after(async () => {
      await t?.cleanup();
    });

    describe('migrations', () => {
      it('are applied on open and idempotent', async () => {
        assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.equal(await store.migrate(), 0);
        assert.equal(await store.migrate(), 0);
        const rows = await t.exec('SELECT version, name FROM schema_migrations ORDER BY version');
        assert.deepEqual(
          rows.map((r) => Number(r.version)),
          MIGRATIONS.map((m) => m.version),
        );
        const other = await t.openAnother();
        assert.equal(await other.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.equal(await other.migrate(), 0);
      });

      it('concurrent migrate() applies each migration exactly once', async () => {
        const fresh = await backend.open({ migrate: false });
        try {
          assert.equal(await fresh.store.schemaVersion(), 0);
          const other = await fresh.openAnother({ migrate: false });
          const third = await fresh.openAnother({ migrate: false });
          const applied = await Promise.all([fresh.store.migrate(), other.migrate(), third.migrate()]);
          assert.equal(
            applied.reduce((a, b) => a + b, 0),
            MIGRATIONS.length,
          );
          assert.equal(await other.schemaVersion(), LATEST_SCHEMA_VERSION);
          assert.equal((await fresh.exec('SELECT version FROM schema_migrations')).length, MIGRATIONS.length);
        } finally {
          await fresh.cleanup();
        }
      });

      it('refuses a database migrated by newer code', async () => {
        const fresh = await backend.open();
        try {
          await fresh.exec('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [LATEST_SCHEMA_VERSION + 100, 'future', 0]);
          await rejectsCode(fresh.store.migrate(), 'SCHEMA_TOO_NEW');
        } finally {
          await fresh.cleanup();
        }
      });
    });

    describe('applications', () => {
      it('create / get / list / setEnabled', async () => {
        const id = uid('app');
        const created = await store.createApplication({
          applicationId: id,
          name: 'Payments',
          algorithm: 'p256',
          publicKey: '02' + 'cd'.repeat(32),
          role: 'admin',
          createdAt: 1_700_000_000_000,
        });
        assert.deepEqual(created, {
          applicationId: id,
          name: 'Payments',
          algorithm: 'p256',
          publicKey: '02' + 'cd'.repeat(32),
          role: 'admin',
          enabled: true,
          createdAt: 1_700_000_000_000,
        });
        assert.deepEqual(await store.getApplication(id), created);
        assert.equal(await store.getApplication(uid('app')), undefined);
        assert.ok((await store.listApplications()).some((a) => a.applicationId === id));

        assert.equal(await store.setApplicationEnabled(id, false), true);
        assert.equal((await store.getApplication(id))?.enabled, false);
        assert.equal(await store.setApplicationEnabled(id, true), true);
        assert.equal((await store.getApplication(id))?.enabled, true);
        assert.equal(await store.setApplicationEnabled(uid('app'), false), false);
      });

      it('refuses duplicates and malformed input', async () => {
        const id = await newApp(store);
        await rejectsCode(newApp(store, id), 'CONFLICT');
        await rejectsCode(
          store.createApplication({ applicationId: uid('app'), name: 'x', algorithm: 'rsa' as 'p256', publicKey: 'ab', role: 'app' }),
          'INVALID_ARGUMENT',
        );
        await rejectsCode(store.createApplication({ applicationId: uid('app'), name: 'x', algorithm: 'ed25519', publicKey: 'XYZ', role: 'app' }), 'INVALID_ARGUMENT');
        await rejectsCode(store.createApplication({ applicationId: '', name: 'x', algorithm: 'ed25519', publicKey: 'ab', role: 'app' }), 'INVALID_ARGUMENT');
        await rejectsCode(store.getApplication('has space'), 'INVALID_ARGUMENT');
      });
    });

    describe('keys', () => {
      it('presignatures: stored per key and player set, taken exactly once, deleted by key', async () => {
        const app = await newApp(store);
        const keyId = uid('key');
        await store.insertPendingKey({ keyId, applicationId: app, scheme: 'ecdsa-secp256k1', threshold: 2, parties: [1, 2, 3] });
        const items = [0, 1, 2].map((i) => ({ presigId: `${keyId}-p${i}`, sealed: Uint8Array.of(i, 9, 9) }));
        assert.equal(await store.putPresignatures(keyId, 1, '1,2,3', items), 0, 'a pending key gets no presignatures');
        await store.activateKey(keyId, { publicKey: 'ee'.repeat(33), sealedShare: share(1), version: 1 });
        assert.equal(await store.putPresignatures(keyId, 2, '1,2,3', items), 0, 'a batch for another key version is stale');
        assert.equal(await store.countPresignatures(keyId, '1,2,3'), 0);
        assert.equal(await store.putPresignatures(keyId, 1, '1,2,3', items), 3);
        assert.equal(await store.countPresignatures(keyId, '1,2,3'), 3);
        assert.equal(await store.countPresignatures(keyId, '1,2'), 0);
        assert.deepEqual(await store.listPresignatureIds(keyId, '1,2,3', 2), [`${keyId}-p0`, `${keyId}-p1`]);
        const p0 = `${keyId}-p0`;
        const [a, b] = await Promise.all([store.takePresignatures(keyId, [p0]), store.takePresignatures(keyId, [p0])]);
        assert.equal([a, b].filter((x) => x.has(p0)).length, 1, 'a presignature is taken once');
        const got = (a.get(p0) ?? b.get(p0))!;
        assert.deepEqual([...got.sealed], [0, 9, 9]);
        assert.equal(got.keyVersion, 1);
        assert.equal(got.players, '1,2,3');
        assert.equal((await store.takePresignatures(keyId, [p0])).size, 0, 'a used presignature is gone');
        assert.equal((await store.takePresignatures(uid('key'), [`${keyId}-p1`])).size, 0, 'another key takes nothing');
        await assert.rejects(store.takePresignatures(keyId, Array.from({ length: 257 }, (_, i) => `${keyId}-x${i}`)), /at most 256/);
        assert.equal(await store.deletePresignatureIds(keyId, [`${keyId}-p1`, `${keyId}-missing`]), 1, 'only held ids are deleted');
        assert.equal(await store.deletePresignatureIds(uid('key'), [`${keyId}-p2`]), 0, 'ids of another key are untouched');
        assert.equal(await store.deletePresignatureIds(keyId, []), 0);
        assert.deepEqual(await store.listPresignatureIds(keyId, '1,2,3', 10), [`${keyId}-p2`]);
        assert.equal(await store.deletePresignatures(keyId), 1);
        assert.equal(await store.countPresignatures(keyId, '1,2,3'), 0);
      });

      it('OT session ids are single use per key and peer; bans are recorded and cleared', async () => {
        const keyId = uid('key');
        assert.equal(await store.recordOtSession(keyId, 2, 'ot-1'), true);
        assert.equal(await store.recordOtSession(keyId, 2, 'ot-1'), false);
        assert.equal(await store.recordOtSession(keyId, 3, 'ot-1'), true);
        await store.banPeer(keyId, 3, 'DKLS_VOLE_CHECK_FAILED');
        await store.banPeer(keyId, 3, 'again');
        assert.deepEqual((await store.listBans(keyId)).map((b) => [b.peer, b.reason]), [[3, 'DKLS_VOLE_CHECK_FAILED']]);
        assert.equal(await store.clearBans(keyId), 1);
        assert.deepEqual(await store.listBans(keyId), []);
      });

      it('lifecycle pending → active: a pending key is never served', async () => {
        const app = await newApp(store);
        const keyId = uid('key');
        const pending = await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3], createdAt: 1000 });
        assert.deepEqual(pending, {
          keyId,
          applicationId: app,
          scheme: 'frost-ed25519',
          threshold: 2,
          parties: [1, 2, 3],
          protocol: 'frost',
          publicKey: null,
          status: 'pending',
          version: 0,
          createdAt: 1000,
          updatedAt: 1000,
        });
        assert.equal(await store.getKey(app, keyId), undefined, 'pending key must not be served');
        assert.deepEqual(await store.listKeys(app), []);
        assert.equal((await store.getKeyById(keyId))?.status, 'pending');

        const active = await store.activateKey(keyId, { publicKey: 'ee'.repeat(32), sealedShare: share(1), version: 1, updatedAt: 2000 });
        assert.equal(active.status, 'active');
        assert.equal(active.version, 1);
        assert.equal(active.updatedAt, 2000);
        assert.equal(active.createdAt, 1000);
        const got = await store.getKey(app, keyId);
        assert.ok(got);
        assert.equal(got.publicKey, 'ee'.repeat(32));
        assert.deepEqual(got.sealedShare, share(1));
        assert.ok(got.sealedShare instanceof Uint8Array);
        assert.deepEqual(got.parties, [1, 2, 3]);
        assert.deepEqual(
          (await store.listKeys(app)).map((k) => k.keyId),
          [keyId],
        );
        assert.equal('sealedShare' in (await store.listKeys(app))[0]!, false, 'listings carry no share');

        await rejectsCode(store.activateKey(keyId, { publicKey: 'ee'.repeat(32), sealedShare: share(2) }), 'KEY_STATE_CONFLICT');
        await rejectsCode(store.activateKey(uid('key'), { publicKey: 'ee'.repeat(32), sealedShare: share(2) }), 'KEY_NOT_FOUND');
        assert.equal(await store.failKey(keyId), false, 'an active key cannot fail');
      });

      it('lifecycle pending → failed', async () => {
        const app = await newApp(store);
        const keyId = uid('key');
        await store.insertPendingKey({ keyId, applicationId: app, scheme: 'ecdsa-secp256k1', threshold: 2, parties: [1, 2, 3] });
        assert.equal(await store.failKey(keyId), true);
        assert.equal(await store.failKey(keyId), false);
        assert.equal((await store.getKeyById(keyId))?.status, 'failed');
        assert.equal(await store.getKey(app, keyId), undefined);
        await rejectsCode(store.activateKey(keyId, { publicKey: 'ee'.repeat(32), sealedShare: share(1) }), 'KEY_STATE_CONFLICT');
        assert.equal(await store.failKey(uid('key')), false);
      });

      it('two-phase create: storePendingShare then activateKey', async () => {
        const app = await newApp(store);
        const keyId = uid('key');
        await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2] });
        await rejectsCode(store.activateKey(keyId), 'KEY_STATE_CONFLICT'); // no share yet
        const stored = await store.storePendingShare(keyId, { publicKey: 'aa'.repeat(32), sealedShare: share(3), version: 1 });
        assert.equal(stored.status, 'pending');
        assert.equal(await store.getKey(app, keyId), undefined, 'still not served');
        const active = await store.activateKey(keyId);
        assert.equal(active.status, 'active');
        assert.deepEqual(active.sealedShare, share(3));
        await rejectsCode(store.storePendingShare(keyId, { publicKey: 'aa'.repeat(32), sealedShare: share(4) }), 'KEY_STATE_CONFLICT');
        await rejectsCode(store.storePendingShare(uid('key'), { publicKey: 'aa'.repeat(32), sealedShare: share(4) }), 'KEY_NOT_FOUND');
      });

      it("another application's key is invisible", async () => {
        const alice = await newApp(store);
        const bob = await newApp(store);
        const keyId = uid('key');
        await store.insertPendingKey({ keyId, applicationId: alice, scheme: 'frost-ed25519', threshold: 1, parties: [1] });
        await store.activateKey(keyId, { publicKey: 'ab'.repeat(32), sealedShare: share(5) });
        assert.ok(await store.getKey(alice, keyId));
        assert.equal(await store.getKey(bob, keyId), undefined);
        assert.deepEqual(await store.listKeys(bob), []);
        await rejectsCode(store.listKeys(bob, { after: keyId }), 'INVALID_ARGUMENT');
        assert.equal(await store.deleteKey(bob, keyId), false);
        assert.ok(await store.getKey(alice, keyId), 'still there');
        assert.equal(await store.countKeys({ applicationId: bob }), 0);
      });

      it('refuses duplicate ids, unknown applications and bad quorums', async () => {
        const app = await newApp(store);
        const keyId = uid('key');
        await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3] });
        await rejectsCode(store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3] }), 'CONFLICT');
        await rejectsCode(store.insertPendingKey({ keyId: uid('key'), applicationId: uid('app'), scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3] }), 'APPLICATION_NOT_FOUND');
        for (const [threshold, parties] of [
          [0, [1, 2]],
          [3, [1, 2]],
          [2, [1, 1]],
          [1, []],
          [1, [0]],
          [1.5, [1, 2]],
        ] as const) {
          await rejectsCode(store.insertPendingKey({ keyId: uid('key'), applicationId: app, scheme: 's', threshold, parties }), 'INVALID_ARGUMENT');
        }
        await rejectsCode(store.activateKey(keyId, { publicKey: 'ab', sealedShare: new Uint8Array(0) }), 'INVALID_ARGUMENT');
      });

      it('lists with keyset pagination in (createdAt, keyId) order', async () => {
        const app = await newApp(store);
        const ids: string[] = [];
        const times = [5000, 3000, 3000, 4000, 1000, 3000, 2000];
        for (const [i, createdAt] of times.entries()) {
          const keyId = `k${i}_${uid('key')}`;
          ids.push(keyId);
          await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 1, parties: [1], createdAt });
          await store.activateKey(keyId, { publicKey: 'ab'.repeat(32), sealedShare: share(i) });
        }
        // a pending key in the middle is skipped
        await store.insertPendingKey({ keyId: uid('key'), applicationId: app, scheme: 'frost-ed25519', threshold: 1, parties: [1], createdAt: 3500 });
        const expected = ids
          .map((id, i) => ({ id, createdAt: times[i]! }))
          .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map((x) => x.id);
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.listKeys(app, { limit: 2, ...(after ? { after } : {}) });
          seen.push(...page.map((k) => k.keyId));
          if (page.length < 2) break;
          after = page[page.length - 1]!.keyId;
        }
        assert.deepEqual(seen, expected);
        assert.equal((await store.listKeys(app, { limit: 1000 })).length, times.length);
        await rejectsCode(store.listKeys(app, { limit: 0 }), 'INVALID_ARGUMENT');
        await rejectsCode(store.listKeys(app, { limit: 1001 }), 'INVALID_ARGUMENT');
      });

      it('replaceShare is a compare-and-swap on the version', async () => {
        const app = await newApp(store);
        const keyId = uid('key');
        await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3] });
        await store.activateKey(keyId, { publicKey: 'ab'.repeat(32), sealedShare: share(1), version: 1 });
        assert.equal(await store.replaceShare(keyId, { expectedVersion: 1, version: 2, sealedShare: share(2) }), true);
        assert.equal(await store.replaceShare(keyId, { expectedVersion: 1, version: 2, sealedShare: share(9) }), false, 'stale version');
        let k = await store.getKey(app, keyId);
        assert.equal(k?.version, 2);
        assert.deepEqual(k?.sealedShare, share(2));
        assert.equal(await store.replaceShare(keyId, { expectedVersion: 2, version: 3, sealedShare: share(3), threshold: 3, parties: [1, 2, 3, 4] }), true);
        k = await store.getKey(app, keyId);
        assert.equal(k?.threshold, 3);
        assert.deepEqual(k?.parties, [1, 2, 3, 4]);
        await rejectsCode(store.replaceShare(keyId, { expectedVersion: 3, version: 3, sealedShare: share(4) }), 'INVALID_ARGUMENT');
        assert.equal(await store.replaceShare(uid('key'), { expectedVersion: 1, version: 2, sealedShare: share(4) }), false);
      });

      it('deleteKey and countKeys', async () => {
        const app = await newApp(store);
        const a = uid('key');
        const b = uid('key');
        const c = uid('key');
        for (const keyId of [a, b, c]) await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 1, parties: [1] });
        await store.activateKey(a, { publicKey: 'ab'.repeat(32), sealedShare: share(1) });
        await store.failKey(b);
        assert.equal(await store.countKeys({ applicationId: app }), 3);
        assert.equal(await store.countKeys({ applicationId: app, status: 'active' }), 1);
        assert.equal(await store.countKeys({ applicationId: app, status: 'failed' }), 1);
        assert.equal(await store.countKeys({ applicationId: app, status: 'pending' }), 1);
        const total = await store.countKeys();
        assert.ok(total >= 3);
        assert.ok((await store.countKeys({ status: 'active' })) >= 1);
        assert.equal(await store.deleteKey(app, a), true);
        assert.equal(await store.deleteKey(app, a), false);
        assert.equal(await store.getKeyById(a), undefined);
        assert.equal(await store.countKeys(), total - 1);
      });

      it('stores a sealed share that opens again after the round trip', async () => {
        const app = await newApp(store);
        const keyId = uid('key');
        const mk = generateMasterKey();
        const secret = crypto.getRandomValues(new Uint8Array(32));
        await store.insertPendingKey({ keyId, applicationId: app, scheme: 'frost-ed25519', threshold: 2, parties: [1, 2, 3] });
        await store.activateKey(keyId, { publicKey: 'ab'.repeat(32), sealedShare: sealShare(mk, { keyId, player: 2, version: 1 }, secret), version: 1 });
        const row = await store.getKey(app, keyId);
        assert.ok(row?.sealedShare);
        assert.deepEqual(openShare(mk, { keyId, player: 2, version: row.version }, row.sealedShare), secret);
      });
    });

    describe('request ids', () => {
      it('a request id is single use per application', async () => {
        const a = await newApp(store);
        const b = await newApp(store);
        const rid = uid('rid');
        assert.equal(await store.useRequestId(a, rid, Date.now() + 600_000), true);
        assert.equal(await store.useRequestId(a, rid, Date.now() + 600_000), false, 'replay refused');
        assert.equal(await store.useRequestId(b, rid, Date.now() + 600_000), true, 'ids are per application');
      });

      it('concurrent uses of one id: exactly one wins', async () => {
        const app = await newApp(store);
        const rid = uid('rid');
        const results = await Promise.all(Array.from({ length: 16 }, () => store.useRequestId(app, rid, Date.now() + 600_000)));
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('purgeExpiredRequestIds deletes only expired ids', async () => {
        const app = await newApp(store);
        const old = uid('rid');
        const fresh = uid('rid');
        assert.equal(await store.useRequestId(app, old, 1_000), true);
        assert.equal(await store.useRequestId(app, fresh, 9_000_000_000_000), true);
        assert.equal(await store.useRequestId(app, old, 1_000), false, 'expired but not purged is still a replay');
        assert.ok((await store.purgeExpiredRequestIds(1_000)) >= 1);
        assert.equal(await store.useRequestId(app, fresh, 9_000_000_000_000), false, 'unexpired id kept');
        assert.equal(await store.useRequestId(app, old, 2_000), true, 'purged id can be recorded again');
        await rejectsCode(store.useRequestId(app, 'bad id with spaces', 1), 'INVALID_ARGUMENT');
      });
    });

    describe('indexes (no full scans on the signing path)', () => {
      if (backend.dialect === 'sqlite') {
        it('EXPLAIN QUERY PLAN uses the primary key / index', async () => {
          const plan = async (sql: string, params: unknown[]) =>
            (await t.exec(`EXPLAIN QUERY PLAN ${sql}`, params)).map((r) => String(r.detail)).join(' | ');
          const getKey = await plan(SQL.getKey, ['k', 'a']);
          assert.match(getKey, /SEARCH keys USING INDEX sqlite_autoindex_keys_1 \(key_id=\?\)/);
          assert.match(await plan(SQL.getKeyById, ['k']), /SEARCH keys USING INDEX sqlite_autoindex_keys_1 \(key_id=\?\)/);
          for (const sql of [SQL.listKeysFirst, SQL.listKeysAfter]) {
            const p = await plan(sql, sql === SQL.listKeysFirst ? ['a', 10] : ['a', 1, 'k', 10]);
            assert.match(p, /SEARCH keys USING INDEX keys_application_created \(application_id=\?/);
            assert.doesNotMatch(p, /TEMP B-TREE/, 'no sort step');
          }
          assert.match(await plan(SQL.getApplication, ['a']), /SEARCH applications USING PRIMARY KEY/);
          assert.match(await plan(SQL.purgeRequestIds, [1]), /SEARCH request_ids USING (COVERING )?INDEX request_ids_expires/);
          assert.match(await plan(SQL.lastAudit, []), /SCAN audit_log/); // rowid order, LIMIT 1: reads one row
          assert.doesNotMatch(await plan(SQL.lastAudit, []), /TEMP B-TREE/);
          assert.match(await plan(SQL.listAudit, [0, 10]), /SEARCH audit_log USING INTEGER PRIMARY KEY \(rowid>\?\)/);
          const all = [getKey, await plan(SQL.getKeyById, ['k']), await plan(SQL.getApplication, ['a'])].join(' ');
          assert.doesNotMatch(all, /SCAN (keys|applications)/);
        });
      } else {
        it('EXPLAIN uses index scans', async () => {
          const pool = (store as PostgresStore).pool;
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query('SET LOCAL enable_seqscan = off');
            await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
            const plan = async (sql: string, literals: string[]) => {
              let i = 0;
              const text = sql.replace(/\?/g, () => literals[i++]!);
              return (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`)).rows.map((r) => r['QUERY PLAN']).join(' | ');
            };
            // on an empty table either index may be picked; both look the key up by key_id
            for (const p of [await plan(SQL.getKey, ["'k'", "'a'"]), await plan(SQL.getKeyById, ["'k'"])]) {
              assert.match(p, /Index Scan using keys_(pkey|application_created)/);
              assert.match(p, /Index Cond: .*key_id = 'k'/);
            }
            const first = await plan(SQL.listKeysFirst, ["'a'", '10']);
            assert.match(first, /Index Scan using keys_application_created/);
            assert.doesNotMatch(first, /Sort/);
            const next = await plan(SQL.listKeysAfter, ["'a'", '1', "'k'", '10']);
            assert.match(next, /Index Scan using keys_application_created/);
            assert.doesNotMatch(next, /Sort/);
            assert.match(await plan(SQL.lastAudit, []), /Index Scan Backward using audit_log_pkey/);
            await client.query('ROLLBACK');
          } finally {
            client.release();
          }
        });
      }
    });
  });
}

describe('SQLite clean-stop marker', () => {
  it('a store closed cleanly reopens clean; an unclosed one reopens unclean and purges the pool', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const nodePath = await import('node:path');
    const sqlite = await import('../src/store/sqlite.js');
    const mkdtempSync = (p: string) => fs.mkdtempSync(p);
    const rmSync = (p: string, o: { recursive: boolean; force: boolean }) => fs.rmSync(p, o);
    const join = (...p: string[]) => nodePath.join(...p);
    const tmpdir = () => os.tmpdir();
    const openSqliteStore = (p: string) => sqlite.openSqliteStore(p);
    const dir = mkdtempSync(join(tmpdir(), 'tsm-clean-'));
    try {
      const path = join(dir, 'node.db');
      const a = await openSqliteStore(path);
      assert.equal(a.uncleanStart, true, 'a new file has no clean-stop marker');
      await a.close();
      const b = await openSqliteStore(path);
      assert.equal(b.uncleanStart, false);
      // Simulate a crash: the process goes away without close().
      b.db.close();
      const c = await openSqliteStore(path);
      assert.equal(c.uncleanStart, true);
      await c.createApplication({ applicationId: 'app_x', name: 'x', algorithm: 'ed25519', publicKey: 'ab'.repeat(32), role: 'app' });
      await c.insertPendingKey({ keyId: 'key_x', applicationId: 'app_x', scheme: 'ecdsa-secp256k1', threshold: 2, parties: [1, 2, 3] });
      await c.activateKey('key_x', { publicKey: 'ee'.repeat(33), sealedShare: Uint8Array.of(1, 2, 3), version: 1 });
      assert.equal(await c.putPresignatures('key_x', 1, '1,2,3', [{ presigId: 'p1', sealed: Uint8Array.of(1) }]), 1);
      assert.equal(await c.purgeAllPresignatures(), 1);
      assert.equal(await c.countPresignatures('key_x', '1,2,3'), 0);
      await c.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
