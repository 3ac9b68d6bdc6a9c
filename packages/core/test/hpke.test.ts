/**
 * HPKE (RFC 9180) on noble: RFC 9180 Appendix A known answers, and differential tests against
 * @hpke/core 1.9.0 (+ @hpke/dhkem-x25519 1.8.0): byte-identical deterministic sender
 * (`seal({ ekm })`, the test-only hook, used here only as an oracle), cross open in both
 * directions, and the negative paths.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CipherSuite, DhkemP256HkdfSha256, DhkemX25519HkdfSha256, HkdfSha256, Aes256Gcm, AeadId } from '@hpke/core';
import { DhkemX25519HkdfSha256 as NobleDhkemX25519 } from '@hpke/dhkem-x25519';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { p256 } from '@noble/curves/nist.js';
import {
  createHpkeDetSealer,
  hpkeDeriveKeyPair,
  hpkeGenerateKeyPair,
  hpkeOpen,
  hpkePublicKey,
  hpkeSeal,
  hpkeKeyFingerprint,
  validateHpkePublicKey,
  hpkeCiphertextLength,
  HPKE_SUITES,
  type BackupSuite,
  type HpkeSuiteIds,
} from '../src/backup/hpke.js';
import { ErrorCode, ProtocolError, randomBytes } from '../src/index.js';

const hex = (b: Uint8Array | ArrayBuffer): string => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const u8 = (b: ArrayBuffer): Uint8Array => new Uint8Array(b);

/**
 * RFC 9180 Appendix A, base mode, sequence number 0 (A.1.1, A.2.1, A.3.1). Copied from the RFC
 * text; `pt` / `aad` / `info` are the RFC's common values.
 */
const RFC_INFO = '4f6465206f6e2061204772656369616e2055726e';
const RFC_PT = '4265617574792069732074727574682c20747275746820626561757479';
const RFC_AAD0 = '436f756e742d30';
const RFC_VECTORS: { name: string; ids: HpkeSuiteIds; ikmE: string; pkEm: string; skEm: string; ikmR: string; pkRm: string; skRm: string; sharedSecret: string; key: string; baseNonce: string; ct0: string }[] = [
  {
    name: 'A.1.1 DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM',
    ids: { kem: 0x20, kdf: 1, aead: 1 },
    ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
    pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
    skEm: '52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736',
    ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
    pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
    skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
    sharedSecret: 'fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc',
    key: '4531685d41d65f03dc48f6b8302c05b0',
    baseNonce: '56d890e5accaaf011cff4b7d',
    ct0: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
  },
  {
    name: 'A.2.1 DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305 (suite A)',
    ids: { kem: 0x20, kdf: 1, aead: 3 },
    ikmE: '909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b',
    pkEm: '1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a',
    skEm: 'f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600',
    ikmR: '1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df',
    pkRm: '4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a',
    skRm: '8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb',
    sharedSecret: '0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7',
    key: 'ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91',
    baseNonce: '5c4d98150661b848853b547f',
    ct0: '1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28',
  },
  {
    name: 'A.3.1 DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM',
    ids: { kem: 0x10, kdf: 1, aead: 1 },
    ikmE: '4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e',
    pkEm: '04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4',
    skEm: '4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb',
    ikmR: '668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550',
    pkRm: '04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0',
    skRm: 'f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2',
    sharedSecret: 'c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8',
    key: '868c066ef58aae6dc589b6cfdd18f97e',
    baseNonce: '4e0bc5018beba4bf004cca59',
    ct0: '5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434',
  },
];

describe('HPKE: RFC 9180 Appendix A known answers (base mode, seq 0)', () => {
  for (const v of RFC_VECTORS) {
    test(v.name, () => {
      const suiteName: BackupSuite = v.ids.kem === 0x20 ? 'x25519' : 'p256';
      // DeriveKeyPair (§7.1.3) for both the ephemeral and the recipient key.
      const e = hpkeDeriveKeyPair(suiteName, unhex(v.ikmE));
      assert.equal(hex(e.secretKey), v.skEm);
      assert.equal(hex(e.publicKey), v.pkEm);
      const r = hpkeDeriveKeyPair(suiteName, unhex(v.ikmR));
      assert.equal(hex(r.secretKey), v.skRm);
      assert.equal(hex(r.publicKey), v.pkRm);
      assert.equal(hex(hpkePublicKey(v.ids, r.secretKey)), v.pkRm);
      // Encap + key schedule with the RFC's ikmE.
      const sealer = createHpkeDetSealer(v.ids, r.publicKey, unhex(RFC_INFO));
      const s = sealer.setup(unhex(v.ikmE));
      assert.equal(hex(s.enc), v.pkEm);
      assert.equal(hex(s.sharedSecret), v.sharedSecret);
      assert.equal(hex(s.key), v.key);
      assert.equal(hex(s.baseNonce), v.baseNonce);
      // Single-shot seal = enc ‖ ct of sequence number 0.
      const c = sealer.detSeal(unhex(RFC_AAD0), unhex(RFC_PT), unhex(v.ikmE));
      assert.equal(hex(c), v.pkEm + v.ct0);
      // And the recipient opens the RFC's ciphertext.
      assert.equal(hex(hpkeOpen(v.ids, r.secretKey, unhex(v.pkEm + v.ct0), unhex(RFC_INFO), unhex(RFC_AAD0))), RFC_PT);
    });
  }
});

/**
 * @hpke/core has no ChaCha20-Poly1305 (it lives in @hpke/chacha20poly1305, not installed): this
 * adapter lets @hpke/core run suite A's KEM and key schedule with a ChaCha20-Poly1305 AEAD. The
 * AEAD itself is then covered by the RFC A.2.1 known answer above.
 */
const chachaAead = {
  id: AeadId.Chacha20Poly1305,
  keySize: 32,
  nonceSize: 12,
  tagSize: 16,
  createEncryptionContext(key: ArrayBufferLike | ArrayBufferView) {
    const k = key instanceof Uint8Array ? key : new Uint8Array(key as ArrayBuffer);
    const b = (x: ArrayBufferLike | ArrayBufferView) => (ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : new Uint8Array(x));
    return {
      seal: async (iv: ArrayBufferLike | ArrayBufferView, data: ArrayBufferLike | ArrayBufferView, aad: ArrayBufferLike | ArrayBufferView) =>
        chacha20poly1305(k, b(iv), b(aad)).encrypt(b(data)).slice().buffer,
      open: async (iv: ArrayBufferLike | ArrayBufferView, data: ArrayBufferLike | ArrayBufferView, aad: ArrayBufferLike | ArrayBufferView) =>
        chacha20poly1305(k, b(iv), b(aad)).decrypt(b(data)).slice().buffer,
    };
  },
};

function oracle(suite: BackupSuite, nobleKem = false): CipherSuite {
  if (suite === 'p256') return new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return new CipherSuite({ kem: nobleKem ? new NobleDhkemX25519() : new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: chachaAead });
}

describe('HPKE: differential against @hpke/core 1.9.0', () => {
  for (const suite of ['x25519', 'p256'] as const) {
    test(`${suite}: detSeal is byte-identical to @hpke/core seal({ ekm }) and opens with @hpke/core open()`, async () => {
      for (const nobleKem of suite === 'x25519' ? [false, true] : [false]) {
        const hp = oracle(suite, nobleKem);
        for (let i = 0; i < 10; i++) {
          const kp = hpkeGenerateKeyPair(suite);
          const info = randomBytes(1 + i * 7);
          const aad = randomBytes(i % 4);
          const pt = randomBytes(32 + i);
          const ikmE = randomBytes(32);
          const ours = createHpkeDetSealer(suite, kp.publicKey, info).detSeal(aad, pt, ikmE);
          const pkR = await hp.kem.deserializePublicKey(kp.publicKey);
          const theirs = await hp.seal({ recipientPublicKey: pkR, info, ekm: ikmE }, pt, aad);
          assert.equal(hex(ours), hex(theirs.enc) + hex(theirs.ct));
          assert.equal(ours.length, hpkeCiphertextLength(suite, pt.length));
          const skR = await hp.kem.deserializePrivateKey(kp.secretKey);
          const nEnc = suite === 'x25519' ? 32 : 65;
          const opened = await hp.open({ recipientKey: skR, enc: ours.slice(0, nEnc), info }, ours.slice(nEnc), aad);
          assert.equal(hex(u8(opened)), hex(pt));
        }
      }
    });

    test(`${suite}: randomised seal opens with @hpke/core, and @hpke/core seal opens with ours; keys agree`, async () => {
      const hp = oracle(suite);
      const nEnc = suite === 'x25519' ? 32 : 65;
      for (let i = 0; i < 5; i++) {
        // Key pair from @hpke/core's DeriveKeyPair must equal ours.
        const ikm = randomBytes(32);
        const theirKp = await hp.kem.deriveKeyPair(ikm);
        const ourKp = hpkeDeriveKeyPair(suite, ikm);
        assert.equal(hex(await hp.kem.serializePublicKey(theirKp.publicKey)), hex(ourKp.publicKey));
        assert.equal(hex(await hp.kem.serializePrivateKey(theirKp.privateKey)), hex(ourKp.secretKey));
        const info = randomBytes(16);
        const aad = randomBytes(3);
        const pt = randomBytes(40);
        const c = hpkeSeal(suite, ourKp.publicKey, info, aad, pt);
        const c2 = hpkeSeal(suite, ourKp.publicKey, info, aad, pt);
        assert.notEqual(hex(c), hex(c2), 'randomised seal must not repeat');
        assert.equal(hex(u8(await hp.open({ recipientKey: theirKp.privateKey, enc: c.slice(0, nEnc), info }, c.slice(nEnc), aad))), hex(pt));
        const t = await hp.seal({ recipientPublicKey: theirKp.publicKey, info }, pt, aad);
        const tc = new Uint8Array([...u8(t.enc), ...u8(t.ct)]);
        assert.equal(hex(hpkeOpen(suite, ourKp.secretKey, tc, info, aad)), hex(pt));
      }
    });
  }
});

describe('HPKE: negative paths', () => {
  const isCode = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;

  for (const suite of ['x25519', 'p256'] as const) {
    test(`${suite}: wrong key, wrong info, wrong aad and any flipped byte are rejected`, () => {
      const kp = hpkeGenerateKeyPair(suite);
      const other = hpkeGenerateKeyPair(suite);
      const info = randomBytes(20);
      const aad = randomBytes(3);
      const pt = randomBytes(32);
      const c = hpkeSeal(suite, kp.publicKey, info, aad, pt);
      assert.equal(hex(hpkeOpen(suite, kp.secretKey, c, info, aad)), hex(pt));
      assert.throws(() => hpkeOpen(suite, other.secretKey, c, info, aad), isCode(ErrorCode.DECRYPTION_FAILED));
      assert.throws(() => hpkeOpen(suite, kp.secretKey, c, randomBytes(20), aad), isCode(ErrorCode.DECRYPTION_FAILED));
      assert.throws(() => hpkeOpen(suite, kp.secretKey, c, info, randomBytes(3)), isCode(ErrorCode.DECRYPTION_FAILED));
      assert.throws(() => hpkeOpen(suite, kp.secretKey, c.slice(0, c.length - 1), info, aad), isCode(ErrorCode.DECRYPTION_FAILED));
      for (const pos of [0, 5, c.length - 40, c.length - 17, c.length - 1]) {
        const t = c.slice();
        t[pos]! ^= 0x01;
        assert.throws(() => hpkeOpen(suite, kp.secretKey, t, info, aad), isCode(ErrorCode.DECRYPTION_FAILED), `flip at ${pos}`);
      }
    });
  }

  test('x25519: low-order and malformed recipient keys are refused (all-zero DH, P7)', () => {
    const lowOrder = [
      new Uint8Array(32), // u = 0
      unhex('0100000000000000000000000000000000000000000000000000000000000000'), // u = 1
      unhex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), // order 8
      unhex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // p - 1
    ];
    for (const pk of lowOrder) {
      assert.throws(() => validateHpkePublicKey('x25519', pk), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
      assert.throws(() => hpkeSeal('x25519', pk, new Uint8Array(0), new Uint8Array(0), randomBytes(32)), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    }
    assert.throws(() => validateHpkePublicKey('x25519', randomBytes(31)), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    // A ciphertext whose enc is a low-order point cannot be opened (the DH output is zero).
    const kp = hpkeGenerateKeyPair('x25519');
    const c = new Uint8Array(80);
    assert.throws(() => hpkeOpen('x25519', kp.secretKey, c, new Uint8Array(0), new Uint8Array(0)), isCode(ErrorCode.DECRYPTION_FAILED));
  });

  test('p256: compressed, off-curve and wrong-length recipient keys are refused', () => {
    const kp = hpkeGenerateKeyPair('p256');
    const P = p256.Point.fromBytes(kp.publicKey);
    assert.throws(() => validateHpkePublicKey('p256', P.toBytes(true)), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    const off = kp.publicKey.slice();
    off[64]! ^= 1;
    assert.throws(() => validateHpkePublicKey('p256', off), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    assert.throws(() => hpkeSeal('p256', off, new Uint8Array(0), new Uint8Array(0), randomBytes(32)), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    assert.throws(() => hpkePublicKey('p256', new Uint8Array(32)), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    assert.throws(() => hpkePublicKey('p256', unhex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')), isCode(ErrorCode.INVALID_RECIPIENT_KEY));
    validateHpkePublicKey('p256', kp.publicKey);
  });

  test('fingerprint binds the suite ids and the key (spec §3.2)', () => {
    const kp = hpkeGenerateKeyPair('x25519');
    const f = hpkeKeyFingerprint('x25519', kp.publicKey);
    assert.equal(f.length, 32);
    assert.notEqual(hex(f), hex(hpkeKeyFingerprint({ ...HPKE_SUITES.x25519, aead: 1 }, kp.publicKey)));
    const pk2 = kp.publicKey.slice();
    pk2[0]! ^= 1;
    assert.notEqual(hex(f), hex(hpkeKeyFingerprint('x25519', pk2)));
  });
});
