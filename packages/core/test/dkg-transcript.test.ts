/**
 * Checklist B1/B2: the transcript hashing (math/transcript.ts) and every DKG hash input are
 * injective encodings — different field sequences never give the same hash input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { chainCodeCommitment, dkgContext, getSuite, jointChainCode, lengthPrefixed, pokChallenge, transcriptHash, u32be, utf8ToBytes } from '../src/index.js';
import { hex, randInt } from './helpers/dkg.js';

const b = (...xs: number[]) => Uint8Array.from(xs);

describe('B1: transcript encoding is injective', () => {
  it('length-prefixes every field with a 4-byte big-endian length', () => {
    assert.equal(hex(lengthPrefixed([b(0xaa, 0xbb), b()])), '00000002aabb' + '00000000');
    assert.equal(hex(transcriptHash('t', b(1))), hex(sha256(lengthPrefixed([utf8ToBytes('t'), b(1)]))));
  });

  it('moving a byte between fields, splitting, merging or adding empty fields changes the input', () => {
    const variants = [
      [b(1, 2), b(3)],
      [b(1), b(2, 3)],
      [b(1, 2, 3)],
      [b(1, 2, 3), b()],
      [b(), b(1, 2, 3)],
      [b(1), b(2), b(3)],
      [],
      [b()],
      [b(), b()],
    ];
    const seen = new Set(variants.map((v) => hex(lengthPrefixed(v))));
    assert.equal(seen.size, variants.length);
    const hashes = new Set(variants.map((v) => hex(transcriptHash('tag', ...v))));
    assert.equal(hashes.size, variants.length);
  });

  it('the tag is a field of its own (no tag/field ambiguity)', () => {
    assert.notEqual(hex(transcriptHash('ab', b(0x63))), hex(transcriptHash('a', utf8ToBytes('bc'))));
    assert.notEqual(hex(transcriptHash('abc')), hex(transcriptHash('ab', utf8ToBytes('c'))));
  });

  it('random field lists: equal encodings only for equal lists', () => {
    const seen = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const fields = Array.from({ length: randInt(0, 4) }, () => Uint8Array.from({ length: randInt(0, 3) }, () => randInt(0, 1)));
      const key = JSON.stringify(fields.map((f) => [...f]));
      const enc = hex(lengthPrefixed(fields));
      const prior = seen.get(enc);
      if (prior !== undefined) assert.equal(prior, key);
      seen.set(enc, key);
    }
  });

  it('u32be', () => {
    assert.equal(hex(u32be(0x01020304)), '01020304');
    assert.equal(hex(u32be(0)), '00000000');
  });
});

describe('B1/B2: DKG hash inputs', () => {
  const sid = b(1, 2, 3);
  it('the PoK context binds the session id, scheme, parties and threshold', () => {
    const base = hex(dkgContext('frost-ed25519', sid, [1, 2, 3], 2));
    const others = [
      dkgContext('frost-ed25519', b(1, 2, 4), [1, 2, 3], 2),
      dkgContext('frost-secp256k1', sid, [1, 2, 3], 2),
      dkgContext('frost-ed25519', sid, [1, 2, 3, 4], 2),
      dkgContext('frost-ed25519', sid, [1, 2, 4], 2),
      dkgContext('frost-ed25519', sid, [1, 2, 3], 3),
      // session id bytes moved into the parties field
      dkgContext('frost-ed25519', b(1, 2), [3, 1, 2, 3], 2),
    ].map(hex);
    assert.equal(new Set([base, ...others]).size, others.length + 1);
  });

  it('the PoK challenge binds the prover identifier, C0 and R (B2)', () => {
    const suite = getSuite('frost-secp256k1');
    const ctx = dkgContext(suite.name, sid, [1, 2, 3], 2);
    const P = suite.encodePoint(suite.G.multiply(5n));
    const Q = suite.encodePoint(suite.G.multiply(7n));
    const cs = [pokChallenge(suite, ctx, 1, P, Q), pokChallenge(suite, ctx, 2, P, Q), pokChallenge(suite, ctx, 1, Q, P), pokChallenge(suite, new Uint8Array(0), 1, P, Q)];
    assert.equal(new Set(cs).size, cs.length);
  });

  it('chain-code commitments bind session and party; the joint chain code depends on order', () => {
    const cc = new Uint8Array(32).fill(9);
    const c = [chainCodeCommitment(sid, 1, cc), chainCodeCommitment(sid, 2, cc), chainCodeCommitment(b(1, 2), 1, cc)].map(hex);
    assert.equal(new Set(c).size, 3);
    const x = new Uint8Array(32).fill(1);
    const y = new Uint8Array(32).fill(2);
    assert.notEqual(hex(jointChainCode([x, y])), hex(jointChainCode([y, x])));
    assert.equal(jointChainCode([x, y]).length, 32);
  });
});
