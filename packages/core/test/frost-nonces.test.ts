/**
 * Single-use nonces (checklist G1, RFC 9591 §4.1 / §7.3): the nonce object's secret is consumed by
 * the one signShare call; a second use throws NONCE_ALREADY_USED, also after a failed call, after
 * erase(), and when the package was built for another list. Secrets never appear when the object
 * is printed or serialized.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  ErrorCode,
  frostCiphersuite,
  frostCommit,
  frostNonceGenerate,
  FrostSigningPackage,
  frostSignShare,
  frostSigningKey,
  getSuite,
  ProtocolError,
  randomBytes,
  FrostSigningNonces,
  type KeyShare,
} from '../src/index.js';
import { dealKeyShares, hex, replayRng, SCHEMES, utf8 } from './helpers/frost.js';

function isCode(code: ErrorCode) {
  return (e: unknown): boolean => e instanceof ProtocolError && e.code === code;
}

function setup(keys: KeyShare[], msg: Uint8Array): { nonces: FrostSigningNonces[]; pkg: FrostSigningPackage } {
  const nonces = [frostCommit(keys[0]!), frostCommit(keys[1]!)];
  const pkg = FrostSigningPackage.create(frostSigningKey(keys[0]!), msg, nonces.map((n) => n.commitment), nonces[0]);
  return { nonces, pkg };
}

describe('FROST signing nonces are single use', () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: a second signShare with the same nonces throws NONCE_ALREADY_USED`, () => {
      const keys = dealKeyShares(scheme, 2, 3);
      const { nonces, pkg } = setup(keys, utf8('first'));
      assert.equal(nonces[0]!.used, false);
      const z = frostSignShare(keys[0]!, nonces[0]!, pkg);
      assert.equal(z.length, 32);
      assert.equal(nonces[0]!.used, true);
      assert.throws(() => frostSignShare(keys[0]!, nonces[0]!, pkg), isCode(ErrorCode.NONCE_ALREADY_USED));
      // Also for a different message / package: the nonces are gone, not just marked.
      const other = FrostSigningPackage.create(frostSigningKey(keys[1]!), utf8('second'), [nonces[0]!.commitment, nonces[1]!.commitment]);
      assert.throws(() => frostSignShare(keys[0]!, nonces[0]!, other), isCode(ErrorCode.NONCE_ALREADY_USED));
      // A package cannot be built around used nonces either (the own R_i needs them).
      assert.throws(
        () => FrostSigningPackage.create(frostSigningKey(keys[0]!), utf8('x'), [nonces[0]!.commitment, nonces[1]!.commitment], nonces[0]),
        isCode(ErrorCode.NONCE_ALREADY_USED),
      );
    });
  }

  it('a failed signShare (list without our commitment) still consumes the nonces', () => {
    const keys = dealKeyShares('frost-secp256k1', 2, 3);
    const mine = frostCommit(keys[0]!);
    const others = [frostCommit(keys[1]!), frostCommit(keys[2]!)];
    const pkg = FrostSigningPackage.create(frostSigningKey(keys[1]!), utf8('m'), others.map((n) => n.commitment));
    assert.throws(() => frostSignShare(keys[0]!, mine, pkg), isCode(ErrorCode.INVALID_COMMITMENT_LIST));
    assert.equal(mine.used, true);
    assert.throws(() => frostSignShare(keys[0]!, mine, pkg), isCode(ErrorCode.NONCE_ALREADY_USED));
  });

  it('erase() drops the nonces', () => {
    const keys = dealKeyShares('frost-ed25519', 2, 2);
    const { nonces, pkg } = setup(keys, utf8('m'));
    nonces[0]!.erase();
    assert.equal(nonces[0]!.used, true);
    assert.throws(() => frostSignShare(keys[0]!, nonces[0]!, pkg), isCode(ErrorCode.NONCE_ALREADY_USED));
  });

  it('nonces of one party cannot sign for another', () => {
    const keys = dealKeyShares('frost-p256', 2, 3);
    const { nonces, pkg } = setup(keys, utf8('m'));
    assert.throws(() => frostSignShare(keys[1]!, nonces[0]!, pkg), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.equal(nonces[0]!.used, true, 'the misuse consumed them');
  });

  it('every commit draws fresh nonces (hedged with fresh randomness)', () => {
    const keys = dealKeyShares('frost-secp256k1-tr', 2, 3);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const c = frostCommit(keys[0]!).commitment;
      seen.add(hex(c.hiding)).add(hex(c.binding));
    }
    assert.equal(seen.size, 40);
  });

  it('nonces cannot be constructed from chosen scalars (only commit() makes them)', () => {
    const cs = frostCiphersuite(getSuite('frost-ed25519'));
    const Ctor = FrostSigningNonces as unknown as new (...args: unknown[]) => FrostSigningNonces;
    assert.throws(() => new Ctor(Symbol('SigningNonces.create'), cs, 1, 5n, 7n), isCode(ErrorCode.INVALID_PARAMETERS));
  });

  it('printing or serializing nonces shows no secret', () => {
    const keys = dealKeyShares('frost-secp256k1', 2, 3);
    // Known randomness, so that we know the secret nonce scalars to look for.
    const rnd = [randomBytes(32), randomBytes(32)];
    const cs = frostCiphersuite(getSuite('frost-secp256k1'));
    const secrets = rnd.map((r) => frostNonceGenerate(cs, keys[0]!.secretShare, r));
    const n = frostCommit(keys[0]!, replayRng(rnd));
    const shown = JSON.stringify(n) + inspect(n, { showHidden: true, depth: 10 }) + Object.values(n).map((v) => inspect(v)).join();
    for (const v of secrets) {
      assert.ok(!shown.includes(v.toString()), 'decimal secret not shown');
      assert.ok(!shown.includes(v.toString(16)), 'hex secret not shown');
    }
    assert.equal(JSON.stringify(n), '{"id":1,"used":false}');
  });
});
