import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { certFingerprint, generateNodeIdentity, normalizeFingerprint } from '../src/pki/index.js';

void test('generateNodeIdentity: self-signed ECDSA P-256 certificate with CN, SAN and usages', async () => {
  const id = await generateNodeIdentity({ player: 3, hosts: ['127.0.0.1', 'Node3.Example.com', '::1', '[fe80::1]'], days: 30 });
  const cert = new X509Certificate(id.certPem);
  assert.equal(cert.subject, 'CN=opentsm-node-3');
  assert.equal(cert.issuer, cert.subject);
  assert.equal(cert.ca, false);
  assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(cert.subjectAltName ?? '', /DNS:node3\.example\.com/);
  assert.match(cert.subjectAltName ?? '', /IP Address:0:0:0:0:0:0:0:1/);
  assert.match(cert.subjectAltName ?? '', /IP Address:FE80:0:0:0:0:0:0:1/i);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // EKU: serverAuth, clientAuth
  const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
  assert.ok(days > 29.9 && days < 30.1, `validity ${days} days`);
  assert.ok(Date.parse(cert.validFrom) <= Date.now());

  assert.match(id.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  const key = createPrivateKey(id.keyPem);
  assert.equal(key.asymmetricKeyType, 'ec');
  assert.ok(cert.checkPrivateKey(key), 'private key matches the certificate');

  assert.match(id.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(id.fingerprint, certFingerprint(id.certPem));
  assert.equal(id.fingerprint, certFingerprint(new Uint8Array(cert.raw)));
  assert.equal(id.fingerprint, normalizeFingerprint(cert.fingerprint256));
});

void test('generateNodeIdentity: fresh keys and serials each time', async () => {
  const a = await generateNodeIdentity({ player: 1, hosts: ['localhost'] });
  const b = await generateNodeIdentity({ player: 1, hosts: ['localhost'] });
  assert.notEqual(a.fingerprint, b.fingerprint);
  assert.notEqual(a.keyPem, b.keyPem);
  assert.notEqual(new X509Certificate(a.certPem).serialNumber, new X509Certificate(b.certPem).serialNumber);
  const noSan = await generateNodeIdentity({ player: 7, hosts: [] });
  assert.equal(new X509Certificate(noSan.certPem).subjectAltName, undefined);
});

void test('generateNodeIdentity: rejects bad input', async () => {
  await assert.rejects(generateNodeIdentity({ player: 0, hosts: [] }), /player/);
  await assert.rejects(generateNodeIdentity({ player: 1.5, hosts: [] }), /player/);
  await assert.rejects(generateNodeIdentity({ player: 1, hosts: ['bad host'] }), /invalid host/);
  await assert.rejects(generateNodeIdentity({ player: 1, hosts: ['-x.example'] }), /invalid host/);
  await assert.rejects(generateNodeIdentity({ player: 1, hosts: ['a..b'] }), /invalid host/);
  await assert.rejects(generateNodeIdentity({ player: 1, hosts: [], days: 0 }), /days/);
});

void test('certFingerprint / normalizeFingerprint', async () => {
  const id = await generateNodeIdentity({ player: 2, hosts: ['127.0.0.1'] });
  const colon = new X509Certificate(id.certPem).fingerprint256; // "AB:CD:..."
  assert.equal(normalizeFingerprint(colon), id.fingerprint);
  assert.equal(normalizeFingerprint(`sha256:${id.fingerprint.toUpperCase()}`), id.fingerprint);
  assert.throws(() => normalizeFingerprint('abcd'), /fingerprint/);
  assert.throws(() => normalizeFingerprint('z'.repeat(64)), /fingerprint/);
  assert.throws(() => certFingerprint('not a certificate'), /not a valid X\.509/);
  assert.throws(() => certFingerprint(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), /not a valid X\.509/);
  assert.throws(() => certFingerprint(id.keyPem), /not a valid X\.509/);
});
