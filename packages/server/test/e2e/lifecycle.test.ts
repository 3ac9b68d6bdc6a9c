/**
 * Refresh and derivation in a real 3-node cluster (SQLite): refresh then sign for every FROST
 * scheme under the unchanged public key (independent verifiers), fan-out and primary mode; an old
 * share with new shares cannot sign (epoch binding); xpub and path signing against @scure/bip32;
 * hardened paths refused; the CLI commands.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HDKey } from '@scure/bip32';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { TsmError } from '@opentsm/client';
import { FROST_SCHEMES } from '@opentsm/core';
import { startCluster, type TestCluster, loggedTest } from './harness.js';
import { enc, keyRow, raw, settled, withDb } from './lifecycle-helpers.js';
import { independentVerify } from './verifiers.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const big = (h: string) => BigInt('0x' + h);

/** BIP341 output key (x-only) of a compressed internal key, computed with noble directly. */
function tapOutputXOnly(internalKey33: Uint8Array): string {
  const x = internalKey33.subarray(1);
  const t = big(hex(schnorr.utils.taggedHash('TapTweak', x)));
  const P = schnorr.utils.lift_x(big(hex(x)));
  return hex(P.add(secp256k1.Point.BASE.multiply(t)).toBytes(true).subarray(1));
}

describe('refresh and derivation in the cluster (SQLite)', () => {
  let tc: TestCluster;
  const keys: Record<string, { keyId: string; publicKey: string }> = {};

  before(async () => {
    tc = await startCluster({ nodes: 3, store: 'sqlite', sessionTimeoutMs: 5000 });
  });
  after(async () => {
    await tc?.stop();
  });
  const test = loggedTest(it, () => tc);

  test('refresh then sign, every FROST scheme, under the unchanged public key (fan-out and primary)', async () => {
    const client = tc.client();
    const primary = tc.client({ mode: 'primary', primary: 2 });
    for (const scheme of FROST_SCHEMES) {
      const k = await client.createKey({ scheme, threshold: '2-of-3' });
      keys[scheme] = k;
      const before = keyRow(tc, 1, k.keyId)!;
      const r = await client.refreshKey(k.keyId);
      assert.equal(r.publicKey, k.publicKey);
      assert.equal(r.threshold, '2-of-3');
      assert.deepEqual(r.players, [1, 2, 3]);
      assert.equal(r.epoch, 1);
      const rows = await settled(tc, k.keyId, [1, 2, 3]);
      for (const [p, row] of rows) {
        assert.equal(row?.version, before.version + 1, `node ${p} is on the new version`);
        assert.equal(row?.status, 'active');
      }
      assert.notDeepEqual(keyRow(tc, 1, k.keyId)!.sealed, before.sealed, 'the share was replaced');
      for (const players of [[1, 2], [1, 3], [2, 3]]) {
        const m = enc.encode(`after refresh ${scheme} ${players.join()}`);
        const s = await client.sign({ keyId: k.keyId, message: m, players });
        assert.ok(independentVerify(scheme, k.publicKey, m, s.signature), `${scheme} ${players.join()}`);
      }
      // Primary mode: the primary relays the refresh to the other players.
      const r2 = await primary.refreshKey(k.keyId);
      assert.equal(r2.epoch, 2);
      assert.equal(r2.publicKey, k.publicKey);
      await settled(tc, k.keyId, [1, 2, 3]);
      for (const p of [1, 2, 3]) assert.equal(keyRow(tc, p, k.keyId)?.version, before.version + 2);
      const m = enc.encode(`after primary refresh ${scheme}`);
      const s = await primary.sign({ keyId: k.keyId, message: m });
      assert.ok(independentVerify(scheme, k.publicKey, m, s.signature));
    }
  });

  test('an old share with new shares cannot sign: the epoch binding aborts', async () => {
    const client = tc.client();
    const { keyId, publicKey } = keys['frost-secp256k1']!;
    const old = keyRow(tc, 1, keyId)!;
    await client.refreshKey(keyId);
    await settled(tc, keyId, [1, 2, 3]);
    const fresh = keyRow(tc, 1, keyId)!;
    assert.equal(fresh.version, old.version + 1);
    // Put node 1's previous share (and its version, which its seal is bound to) back.
    withDb(tc, 1, (db) => db.prepare('UPDATE keys SET sealed_share = ?, version = ? WHERE key_id = ?').run(old.sealed, old.version, keyId));
    const m = enc.encode('mixed epochs');
    // Not just any abort (mismatched shares alone would fail at the signature shares): the commitments are bound to the epoch.
    const epochBinding = (e: unknown): boolean => e instanceof TsmError && e.code === 'PROTOCOL_ABORTED' && /INVALID_COMMITMENT_LIST/.test(e.message) && /different signing context/.test(e.message);
    await assert.rejects(client.sign({ keyId, message: m, players: [1, 2] }), epochBinding, 'old share + new share');
    await assert.rejects(client.sign({ keyId, message: m, players: [1, 3] }), epochBinding);
    const ok = await client.sign({ keyId, message: m, players: [2, 3] });
    assert.ok(independentVerify('frost-secp256k1', publicKey, m, ok.signature), 'the new shares alone still sign');
    withDb(tc, 1, (db) => db.prepare('UPDATE keys SET sealed_share = ?, version = ? WHERE key_id = ?').run(fresh.sealed, fresh.version, keyId));
    const again = await client.sign({ keyId, message: m, players: [1, 2] });
    assert.ok(independentVerify('frost-secp256k1', publicKey, m, again.signature));
  });

  test('xpub and path signing match @scure/bip32 (frost-secp256k1, frost-secp256k1-tr)', async () => {
    const client = tc.client();
    const primary = tc.client({ mode: 'primary', primary: 3 });
    for (const scheme of ['frost-secp256k1', 'frost-secp256k1-tr'] as const) {
      const { keyId, publicKey } = keys[scheme]!;
      const x = await client.xpub(keyId);
      assert.equal(x.path, 'm');
      const root = HDKey.fromExtendedKey(x.xpub);
      assert.equal(root.depth, 0);
      // The xpub carries the key (for Taproot: the internal key whose output key is the key's public key).
      if (scheme === 'frost-secp256k1') assert.equal(hex(root.publicKey!), publicKey);
      else assert.equal(tapOutputXOnly(root.publicKey!), publicKey);
      const child = await client.xpub(keyId, { path: 'm/0' });
      assert.equal(child.xpub, root.derive('m/0').publicExtendedKey);
      for (const path of ['m/0/5', 'm/7', 'm/2147483647/1']) {
        const theirs = root.derive(path).publicKey!;
        const expected = scheme === 'frost-secp256k1' ? hex(theirs) : tapOutputXOnly(theirs);
        const m = enc.encode(`derived ${scheme} ${path}`);
        for (const c of [client, primary]) {
          const s = await c.sign({ keyId, message: m, path });
          assert.equal(s.publicKey, expected, `${scheme} ${path}: the derived public key`);
          assert.notEqual(s.publicKey, publicKey);
          assert.ok(independentVerify(scheme, expected, m, s.signature), `${scheme} ${path} verifies`);
          assert.ok(!independentVerify(scheme, publicKey, m, s.signature), 'not under the parent key');
        }
      }
      // After a refresh the same path derives the same child.
      await client.refreshKey(keyId);
      await settled(tc, keyId, [1, 2, 3]);
      assert.equal((await tc.client().xpub(keyId)).xpub, x.xpub);
      const theirs = root.derive('m/0/5').publicKey!;
      const s = await client.sign({ keyId, message: enc.encode('again'), path: 'm/0/5', players: [2, 3] });
      assert.equal(s.publicKey, scheme === 'frost-secp256k1' ? hex(theirs) : tapOutputXOnly(theirs));
    }
  });

  test('path signing on Ed25519 and P-256 (the additive scheme): deterministic child keys, verified', async () => {
    const client = tc.client();
    for (const scheme of ['frost-ed25519', 'frost-p256'] as const) {
      const { keyId, publicKey } = keys[scheme]!;
      const m = enc.encode(`derived ${scheme}`);
      const a = await client.sign({ keyId, message: m, path: 'm/0/5', players: [1, 2] });
      const b = await client.sign({ keyId, message: m, path: 'm/0/5', players: [2, 3] });
      const c = await client.sign({ keyId, message: m, path: 'm/1' });
      assert.equal(a.publicKey, b.publicKey, 'same path, same child');
      assert.notEqual(a.publicKey, publicKey);
      assert.notEqual(c.publicKey, a.publicKey);
      for (const s of [a, b, c]) assert.ok(independentVerify(scheme, s.publicKey, m, s.signature));
      await assert.rejects(client.xpub(keyId), (e: unknown) => e instanceof TsmError && e.code === 'UNSUPPORTED_SCHEME');
      const r = await raw(tc, 1, 'GET', `/v1/keys/${keyId}/xpub`);
      assert.equal(r.status, 400);
      assert.equal(r.body.error?.code, 'UNSUPPORTED_SCHEME');
    }
  });

  test('hardened and malformed paths are refused with 400 INVALID_DERIVATION_PATH', async () => {
    const { keyId } = keys['frost-secp256k1-tr']!;
    for (const path of ["m/0'", 'm/0h/1', 'm/2147483648', 'm/01']) {
      const r = await raw(tc, 1, 'POST', `/v1/keys/${keyId}/sign`, { message: 'abcd', players: [1, 2], path });
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, 'INVALID_DERIVATION_PATH', path);
      const x = await raw(tc, 1, 'GET', `/v1/keys/${keyId}/xpub?path=${encodeURIComponent(path).replaceAll("'", '%27')}`);
      assert.equal(x.status, 400, path);
      assert.equal(x.body.error?.code, 'INVALID_DERIVATION_PATH', path);
    }
    const bad = await raw(tc, 1, 'POST', `/v1/keys/${keyId}/sign`, { message: 'abcd', players: [1, 2], path: 'x/1' });
    assert.equal(bad.status, 400);
    await assert.rejects(tc.client().sign({ keyId, message: 'abcd', path: "m/44'/0'" }), (e: unknown) => e instanceof TsmError && e.code === 'INVALID_DERIVATION_PATH');
    // Bad lifecycle requests.
    const extra = await raw(tc, 1, 'POST', `/v1/keys/${keyId}/refresh`, { foo: 1 });
    assert.equal(extra.status, 400);
    const badThreshold = await raw(tc, 1, 'POST', `/v1/keys/${keyId}/reshare`, { threshold: '4-of-3', players: [1, 2, 3] });
    assert.equal(badThreshold.body.error?.code, 'INVALID_THRESHOLD');
    const badPlayers = await raw(tc, 1, 'POST', `/v1/keys/${keyId}/reshare`, { threshold: '2-of-3', players: [1, 2, 9] });
    assert.equal(badPlayers.body.error?.code, 'INVALID_PLAYERS');
    const unknown = await raw(tc, 1, 'POST', '/v1/keys/key_0123456789abcdef0123456789abcdef/refresh', {});
    assert.equal(unknown.status, 404);
  });

  test('the CLI: keys refresh, keys xpub --path, sign --path', async () => {
    const { keyId, publicKey } = keys['frost-secp256k1-tr']!;
    const r = await tc.cli(['keys', 'refresh', keyId, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { keyId: string; publicKey: string; epoch: number };
    assert.equal(out.publicKey, publicKey);
    assert.ok(out.epoch >= 2);
    const x = await tc.cli(['keys', 'xpub', keyId, '--path', 'm/0', '--json']);
    assert.equal(x.code, 0, x.stderr);
    const xo = JSON.parse(x.stdout) as { keyId: string; xpub: string; path: string };
    assert.deepEqual(Object.keys(xo).sort(), ['keyId', 'path', 'xpub']);
    assert.equal(xo.path, 'm/0');
    const root = HDKey.fromExtendedKey((await tc.client().xpub(keyId)).xpub);
    assert.equal(xo.xpub, root.derive('m/0').publicExtendedKey);
    const s = await tc.cli(['sign', '--key', keyId, '--message', '68656c6c6f', '--path', 'm/0/5', '--json']);
    assert.equal(s.code, 0, s.stderr);
    const so = JSON.parse(s.stdout) as { signature: string; publicKey: string };
    assert.equal(so.publicKey, tapOutputXOnly(root.derive('m/0/5').publicKey!));
    assert.ok(independentVerify('frost-secp256k1-tr', so.publicKey, enc.encode('hello'), so.signature));
  });
});
