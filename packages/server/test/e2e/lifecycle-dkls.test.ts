/**
 * End-to-end: refresh and reshare of DKLs23 keys renew the pairwise OT setup with the new shares;
 * the key keeps its public key and signs (OpenSSL-verified) after each step.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from './harness.js';
import { opensslVerifyEcdsa } from './verifiers.js';

const enc = new TextEncoder();

describe('DKLs23 keys through refresh and reshare', () => {
  let tc: TestCluster;
  before(async () => {
    tc = await startCluster({ nodes: 4, sessionTimeoutMs: 20_000 });
  });
  after(async () => {
    await tc?.stop();
  });

  it('refresh, then reshare 2-of-3 on 1,2,3 → 2-of-3 on 2,3,4: same public key, every step signs', async () => {
    const c = tc.client({ timeoutMs: 60_000 });
    const key = await c.createKey({ scheme: 'ecdsa-secp256k1', threshold: '2-of-3', players: [1, 2, 3], protocol: 'dkls23' });
    const r = await c.refreshKey(key.keyId);
    assert.equal(r.publicKey, key.publicKey);
    const m1 = enc.encode('after refresh');
    const s1 = await c.sign({ keyId: key.keyId, message: m1, players: [1, 3] });
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, m1, s1.signature, s1.der));
    const rs = await c.reshareKey(key.keyId, { threshold: '2-of-3', players: [2, 3, 4] });
    assert.equal(rs.publicKey, key.publicKey);
    assert.deepEqual(rs.players, [2, 3, 4]);
    const m2 = enc.encode('after reshare');
    const s2 = await c.sign({ keyId: key.keyId, message: m2, players: [2, 4] });
    assert.ok(opensslVerifyEcdsa('ecdsa-secp256k1', key.publicKey, m2, s2.signature, s2.der));
  });
});
