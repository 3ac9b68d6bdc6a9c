/**
 * End-to-end: DKLs23 (dishonest-majority ECDSA) in a real 3-node cluster — 2-of-3 with every
 * signer pair, 2-of-3 with one node stopped, 2-of-2, both curves, OT-setup refresh; every
 * signature verified by OpenSSL (r‖s and DER).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signRequest } from '@opentsm/client';
import { startCluster, type TestCluster } from './harness.js';
import { opensslVerifyEcdsa } from './verifiers.js';

const enc = new TextEncoder();

describe('DKLs23 in the cluster', () => {
  let tc: TestCluster;
  before(async () => {
    tc = await startCluster({ nodes: 3, sessionTimeoutMs: 10_000 });
  });
  after(async () => {
    await tc?.stop();
  });

  for (const scheme of ['ecdsa-secp256k1', 'ecdsa-p256'] as const) {
    it(`${scheme} 2-of-3: every signer pair signs; keys show names the protocol`, async () => {
      const c = tc.client({ timeoutMs: 30_000 });
      const key = await c.createKey({ scheme, threshold: '2-of-3', protocol: 'dkls23' });
      assert.equal(key.protocol, 'dkls23');
      for (const players of [[1, 2], [1, 3], [2, 3]]) {
        const m = enc.encode(`dkls ${scheme} ${players.join()}`);
        const s = await c.sign({ keyId: key.keyId, message: m, players });
        assert.ok(opensslVerifyEcdsa(scheme, key.publicKey, m, s.signature, s.der), `pair ${players.join()}`);
      }
      const show = await tc.cli(['keys', 'show', key.keyId]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /protocol\s+dkls23/);
    });
  }

  it('2-of-3 signs with one node stopped; 2-of-2 signs', async () => {
    const c = tc.client({ timeoutMs: 30_000 });
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'dkls23' });
    const k22 = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-2', players: [1, 2], protocol: 'dkls23' });
    const m2 = enc.encode('two of two');
    const s2 = await c.sign({ keyId: k22.keyId, message: m2 });
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', k22.publicKey, m2, s2.signature, s2.der));
    await tc.kill(3);
    const m = enc.encode('node 3 is down');
    const s = await c.sign({ keyId: key.keyId, message: m });
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, m, s.signature, s.der));
    tc.start(3);
    await tc.waitReady();
  });

  it('refreshes the pairwise OT setup and still signs', async () => {
    const c = tc.client({ timeoutMs: 30_000 });
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', protocol: 'dkls23' });
    const signed = signRequest(tc.admin, { method: 'POST', path: `/v1/keys/${key.keyId}/ot-refresh`, body: '{}' });
    const answers = await Promise.all(
      tc.cluster.nodes.map(async (n) => {
        const r = await fetch(`${n.apiUrl}/v1/keys/${key.keyId}/ot-refresh`, { method: 'POST', headers: { ...signed.headers, 'content-type': 'application/json' }, body: Buffer.from(signed.body) });
        return { status: r.status, body: (await r.json()) as { version?: number } };
      }),
    );
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const m = enc.encode('after OT refresh');
    const s = await c.sign({ keyId: key.keyId, message: m, players: [1, 3] });
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, m, s.signature, s.der));
  });
});
