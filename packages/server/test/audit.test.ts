/** The hash-chained audit log: encoding, entry checks, and chain verification on both backends. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  appendAudit,
  auditEntryHash,
  canonicalDetailJson,
  checkAuditDetail,
  encodeAuditEntry,
  GENESIS_HASH,
  readAudit,
  verifyAuditChain,
  type AuditHashInput,
} from '../src/audit/log.js';
import { assertReachable, testBackends, type TestBackend, type TestStore } from '../src/store/testing.js';

const backends = await testBackends();

const sample: AuditHashInput = {
  seq: 1,
  at: '2024-01-02T03:04:05.678Z',
  actor: 'app_000000000000000000000001',
  action: 'key.sign',
  keyId: 'key_1',
  sessionId: null,
  result: 'ok',
  detail: '{"a":1,"b":"x"}',
  prevHash: GENESIS_HASH,
};

describe('audit encoding', () => {
  it('detail JSON is canonical (sorted keys, no whitespace)', () => {
    assert.equal(canonicalDetailJson({ b: 'x', a: 1, c: true, d: null }), '{"a":1,"b":"x","c":true,"d":null}');
    assert.equal(checkAuditDetail({ z: 1, y: 'two' }), '{"y":"two","z":1}');
    assert.equal(checkAuditDetail(undefined), '{}');
  });

  it('the hash format is stable (regression vector)', () => {
    assert.equal(auditEntryHash(sample), '63d9a616278e2849ff381c07a92d1246fbf242e09fc80106c5634f031e936902' /* cross-checked with an independent Python implementation of the encoding */);
  });

  it('every field is covered; absent differs from empty', () => {
    const base = auditEntryHash(sample);
    const variants: Partial<AuditHashInput>[] = [
      { seq: 2 },
      { at: '2024-01-02T03:04:05.679Z' },
      { actor: 'x' },
      { action: 'key.create' },
      { keyId: null },
      { keyId: '' },
      { sessionId: 'sid' },
      { sessionId: '' },
      { result: 'FORBIDDEN' },
      { detail: '{"a":1,"b":"y"}' },
      { prevHash: '11'.repeat(32) },
      // field boundaries cannot be shifted
      { actor: `${sample.actor}key.sign`, action: '' },
    ];
    const hashes = new Set([base]);
    for (const v of variants) hashes.add(auditEntryHash({ ...sample, ...v }));
    assert.equal(hashes.size, variants.length + 1);
    assert.notDeepEqual(encodeAuditEntry({ ...sample, keyId: null }), encodeAuditEntry({ ...sample, keyId: '' }));
  });

  it('refuses nested, binary, non-finite and secret-looking details', () => {
    const bad: unknown[] = [
      { nested: { a: 1 } },
      { list: [1, 2] },
      { bytes: new Uint8Array(32) },
      { n: Number.NaN },
      { n: Infinity },
      { big: 1n },
      { long: 'x'.repeat(513) },
      { 'bad key': 1 },
      { privateKey: 'ab' },
      { private_key: 'ab' },
      { secretShare: 'ab' },
      { share: 'ab' },
      { seed: 'ab' },
      { mnemonic: 'ab' },
      { masterKey: 'ab' },
      { password: 'x' },
      { authToken: 'x' },
      { nonce: 'ab' },
      [1, 2],
      'string',
      new Map(),
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])),
    ];
    for (const [i, d] of bad.entries()) assert.throws(() => checkAuditDetail(d), { code: 'AUDIT_INVALID_ENTRY' }, `case ${i}`);
    // public values are fine
    assert.doesNotThrow(() => checkAuditDetail({ publicKey: 'ab'.repeat(32), signers: '1,3', threshold: '2-of-3', sharesRefreshed: 3, ok: true }));
  });
});

/** A store with `n` entries appended. */
async function withEntries(backend: TestBackend, n: number): Promise<TestStore> {
  const t = await backend.open();
  for (let i = 1; i <= n; i++) {
    await appendAudit(t.store, { actor: `app_${i}`, action: 'key.sign', keyId: `key_${i % 3}`, sessionId: `sid_${i}`, result: 'ok', detail: { i, even: i % 2 === 0 } });
  }
  return t;
}

/** Drops the append-only triggers, as an attacker with database access could. */
async function dropTriggers(t: TestStore): Promise<void> {
  if (t.store.dialect === 'sqlite') {
    await t.exec('DROP TRIGGER audit_log_no_update');
    await t.exec('DROP TRIGGER audit_log_no_delete');
  } else {
    await t.exec('DROP TRIGGER audit_log_no_change ON audit_log');
  }
}

for (const backend of backends) {
  it(`${backend.dialect} backend is reachable`, { skip: backend.skip }, () => assertReachable(backend));

  describe(`audit chain (${backend.dialect})`, { skip: backend.skip }, () => {
    const opened: TestStore[] = [];
    const open = async (n: number) => {
      const t = await withEntries(backend, n);
      opened.push(t);
      return t;
    };
    after(async () => {
      for (const t of opened) await t.cleanup();
    });

    let t5: TestStore;
    before(async () => {
      t5 = await open(5);
    });

    it('an empty log verifies', async () => {
      const t = await open(0);
      assert.deepEqual(await verifyAuditChain(t.store), { ok: true, entries: 0, head: GENESIS_HASH });
      assert.equal(await t.store.lastAudit(), undefined);
    });

    it('appended entries chain and verify', async () => {
      const entries = await readAudit(t5.store);
      assert.deepEqual(
        entries.map((e) => e.seq),
        [1, 2, 3, 4, 5],
      );
      assert.equal(entries[0]!.prevHash, GENESIS_HASH);
      for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
      assert.deepEqual(entries[3]!.detail, { even: true, i: 4 });
      assert.equal(entries[3]!.keyId, 'key_1');
      assert.equal(entries[3]!.sessionId, 'sid_4');
      assert.match(entries[0]!.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const v = await verifyAuditChain(t5.store);
      assert.deepEqual(v, { ok: true, entries: 5, head: entries[4]!.hash });
      assert.deepEqual(await verifyAuditChain(t5.store, { pageSize: 2 }), v, 'paging does not matter');
      assert.equal((await t5.store.lastAudit())?.hash, entries[4]!.hash);
      assert.deepEqual(
        (await readAudit(t5.store, { keyId: 'key_1' })).map((e) => e.seq),
        [1, 4],
      );
      assert.deepEqual(
        (await readAudit(t5.store, { afterSeq: 3, limit: 1 })).map((e) => e.seq),
        [4],
      );
    });

    it('optional fields, explicit time and an invalid entry (nothing written)', async () => {
      const t = await open(0);
      const e = await appendAudit(t.store, { actor: 'node', action: 'node.start', result: 'ok', at: new Date(0) });
      assert.equal(e.at, '1970-01-01T00:00:00.000Z');
      assert.equal(e.keyId, null);
      assert.equal(e.sessionId, null);
      assert.deepEqual(e.detail, {});
      await assert.rejects(appendAudit(t.store, { actor: '', action: 'x', result: 'ok' }), { code: 'AUDIT_INVALID_ENTRY' });
      await assert.rejects(appendAudit(t.store, { actor: 'a', action: 'x', result: 'ok', detail: { seed: 'x' } }), { code: 'AUDIT_INVALID_ENTRY' });
      await assert.rejects(appendAudit(t.store, { actor: 'a\nb', action: 'x', result: 'ok' }), { code: 'AUDIT_INVALID_ENTRY' });
      assert.equal((await verifyAuditChain(t.store)).ok && (await t.store.lastAudit())?.seq, 1);
    });

    it('concurrent appends (also from a second store on the same database) never fork the chain', async () => {
      const t = await open(0);
      const other = await t.openAnother();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => appendAudit(i % 2 === 0 ? t.store : other, { actor: `a${i}`, action: 'key.sign', result: 'ok', detail: { i } })),
      );
      assert.deepEqual(
        results.map((r) => r.seq).sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      const v = await verifyAuditChain(t.store);
      assert.equal(v.ok, true);
      assert.equal(v.ok && v.entries, 30);
    });

    it('appends queued while a write runs are group-committed (fewer transactions, same chain, call order kept)', async () => {
      const t = await open(0);
      let calls = 0;
      const counting = new Proxy(t.store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (prop === 'appendAuditEntries') return (...args: Parameters<typeof target.appendAuditEntries>) => (calls++, target.appendAuditEntries(...args));
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => appendAudit(counting, { actor: `a${i}`, action: 'key.sign', result: 'ok', detail: { i } })));
      assert.deepEqual(results.map((r) => r.seq), Array.from({ length: 40 }, (_, i) => i + 1), 'seq follows call order');
      assert.deepEqual(results.map((r) => r.actor), Array.from({ length: 40 }, (_, i) => `a${i}`));
      assert.ok(calls < 40 && calls >= 1, `40 entries in ${calls} transactions`);
      const v = await verifyAuditChain(t.store);
      assert.equal(v.ok && v.entries, 40);
    });

    it('the store refuses an append batch that does not extend the head, and writes none of it', async () => {
      const t = await open(2);
      const last = (await t.store.lastAudit())!;
      const row = (seq: number, prevHash: string) => {
        const base = { at: new Date(0).toISOString(), actor: 'a', action: 'x', keyId: null, sessionId: null, result: 'ok', detail: '{}', seq, prevHash };
        return { ...base, hash: auditEntryHash(base) };
      };
      const first = row(3, last.hash);
      await assert.rejects(t.store.appendAuditEntries(() => [first, row(5, first.hash)]), { code: 'AUDIT_CONFLICT' });
      await assert.rejects(t.store.appendAuditEntries(() => [first, row(4, last.hash)]), { code: 'AUDIT_CONFLICT' });
      await assert.rejects(t.store.appendAuditEntries(() => []), { code: 'INVALID_ARGUMENT' });
      assert.equal((await t.store.lastAudit())?.seq, 2, 'nothing written');
      const ok = await t.store.appendAuditEntries(() => [first, row(4, first.hash)]);
      assert.deepEqual(ok.map((r) => r.seq), [3, 4]);
      assert.equal((await verifyAuditChain(t.store)).ok, true);
    });

    it('the database refuses UPDATE and DELETE on the log', async () => {
      await assert.rejects(t5.exec("UPDATE audit_log SET result = 'x' WHERE seq = 2"), /append-only/);
      await assert.rejects(t5.exec('DELETE FROM audit_log WHERE seq = 5'), /append-only/);
      assert.equal((await verifyAuditChain(t5.store)).ok, true);
    });

    it('detects a modified row', async () => {
      const t = await open(5);
      await dropTriggers(t);
      await t.exec(`UPDATE audit_log SET detail = '{"even":false,"i":99}' WHERE seq = 3`);
      assert.deepEqual(await verifyAuditChain(t.store), { ok: false, brokenAt: 3, reason: 'HASH_MISMATCH', message: 'entry 3 was modified' });
    });

    it('detects a modified row whose hash was recomputed (the next link breaks)', async () => {
      const t = await open(5);
      await dropTriggers(t);
      const [row] = await t.store.listAudit({ afterSeq: 2, limit: 1 });
      assert.ok(row);
      const forged = { ...row, result: 'FORBIDDEN' };
      await t.exec('UPDATE audit_log SET result = ?, hash = ? WHERE seq = 3', [forged.result, auditEntryHash(forged)]);
      const v = await verifyAuditChain(t.store);
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.brokenAt, 4);
      assert.equal(!v.ok && v.reason, 'PREV_HASH_MISMATCH');
    });

    it('detects a deleted row', async () => {
      const t = await open(5);
      await dropTriggers(t);
      await t.exec('DELETE FROM audit_log WHERE seq = 3');
      assert.deepEqual(await verifyAuditChain(t.store), { ok: false, brokenAt: 3, reason: 'SEQUENCE_GAP', message: 'entry 3 is missing' });
      const first = await open(3);
      await dropTriggers(first);
      await first.exec('DELETE FROM audit_log WHERE seq = 1');
      assert.equal((await verifyAuditChain(first.store)).ok, false, 'deleting the genesis entry is detected');
    });

    it('detects reordered rows', async () => {
      const t = await open(5);
      await dropTriggers(t);
      await t.exec('UPDATE audit_log SET seq = 1000 WHERE seq = 2');
      await t.exec('UPDATE audit_log SET seq = 2 WHERE seq = 3');
      await t.exec('UPDATE audit_log SET seq = 3 WHERE seq = 1000');
      const v = await verifyAuditChain(t.store);
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.brokenAt, 2);
    });

    it('detects an appended row that does not link', async () => {
      const t = await open(3);
      const last = await t.store.lastAudit();
      assert.ok(last);
      const rogue = { ...last, seq: 4, prevHash: '00'.repeat(32), actor: 'intruder' };
      await t.exec('INSERT INTO audit_log (seq, at, actor, action, key_id, session_id, result, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        rogue.seq,
        rogue.at,
        rogue.actor,
        rogue.action,
        rogue.keyId,
        rogue.sessionId,
        rogue.result,
        rogue.detail,
        rogue.prevHash,
        auditEntryHash(rogue),
      ]);
      const v = await verifyAuditChain(t.store);
      assert.equal(!v.ok && v.brokenAt, 4);
      assert.equal(!v.ok && v.reason, 'PREV_HASH_MISMATCH');
      // appendAudit links to whatever is last, so the break stays visible at seq 4
      await appendAudit(t.store, { actor: 'node', action: 'x', result: 'ok' });
      assert.equal((await verifyAuditChain(t.store)).ok, false);
    });
  });
}
