/**
 * DKLs23 key generation and OT-setup refresh over the in-memory network: agreement on the public
 * output, consistency of every pairwise OT setup (base-OT seeds, Δ, zero seeds, setup ids),
 * signatures with the generated keys (OpenSSL and noble), refresh of all or some pairs (and of a
 * plain Shamir key share), ban → refresh → sign, and abort behaviour of the base OTs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createDklsKeygenSession,
  createDklsOtRefreshSession,
  dklsBanSignal,
  dklsKeyShareFromBytes,
  dklsKeyShareToBytes,
  ErrorCode,
  getSuite,
  keyShareToJson,
  lagrangeAtZero,
  ProtocolError,
  randomBytes,
  type DklsKeyShare,
  type EcdsaScheme,
  type KeyShare,
  type PartyId,
} from '../src/index.js';
import { match, runDkgLocally, runNetwork, tamperPayload, type Fault } from '../src/testing/index.js';
import { dealtKeys, expectAbort, expectNoSignature, expectSigned, NODE, range, runKeygen, sign } from './helpers/dkls.js';

function keysOf(res: ReturnType<typeof runKeygen>, n: number): DklsKeyShare[] {
  for (const [p, s] of res.sessions) assert.equal(s.state, 'done', `party ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
  return range(n).map((p) => res.results.get(p)!);
}

/** Every pair's OT setup is consistent between its two ends; public data agrees; shares interpolate. */
function checkKeys(keys: readonly DklsKeyShare[], scheme: EcdsaScheme, threshold: number): void {
  const suite = getSuite(scheme);
  const pub = (k: KeyShare) => JSON.stringify({ ...keyShareToJson(k), self: 0, secretShare: '' });
  for (const k of keys) {
    assert.equal(pub(k), pub(keys[0]!));
    assert.equal(k.threshold, threshold);
    assert.equal(k.scheme, scheme);
  }
  for (const a of keys)
    for (const b of keys) {
      if (a.self === b.self) continue;
      const ab = a.ot[b.self]!;
      const ba = b.ot[a.self]!;
      assert.deepEqual(ab.setupId, ba.setupId);
      assert.deepEqual(ab.zeroSeed, ba.zeroSeed);
      // a is base-OT sender toward b: b holds Δ and k^{Δ_l}_l of a's seeds.
      for (let l = 0; l < 256; l++) {
        const bit = (ba.delta[l >> 3]! >> (l & 7)) & 1;
        assert.deepEqual(ba.seedsDelta.subarray(32 * l, 32 * l + 32), (bit ? ab.seeds1 : ab.seeds0).subarray(32 * l, 32 * l + 32));
        assert.notDeepEqual(ab.seeds0.subarray(32 * l, 32 * l + 32), ab.seeds1.subarray(32 * l, 32 * l + 32));
      }
    }
  const subset = keys.slice(0, threshold);
  let x = 0n;
  for (const k of subset) x += lagrangeAtZero(suite, k.self, subset.map((s) => s.self)) * suite.decodeNonZeroScalar(k.secretShare);
  assert.ok(suite.G.multiply(x % suite.order).equals(suite.decodePoint(keys[0]!.groupKey)), 'k shares reconstruct the key');
}

describe('DKLs23 key generation', () => {
  it('ecdsa-secp256k1 2-of-2: consistent setups, signatures, storage round trip', () => {
    const keys = keysOf(runKeygen('ecdsa-secp256k1', 2, 2), 2);
    checkKeys(keys, 'ecdsa-secp256k1', 2);
    expectSigned(sign(keys, [1, 2]));
    const back = keys.map((k) => dklsKeyShareFromBytes(dklsKeyShareToBytes(k)));
    expectSigned(sign(back, [1, 2], { tweak: 42n }));
  });

  it('ecdsa-p256 2-of-3 (noble hashing on one party): consistent setups, every signer pair signs', () => {
    const parties = range(3);
    const sessionId = randomBytes(16);
    const sessions = parties.map((self) => createDklsKeygenSession({ sessionId, scheme: 'ecdsa-p256', self, parties, threshold: 2, primitives: self === 2 ? undefined : NODE }));
    const keys = keysOf(runNetwork(sessions, { reorderSeed: 7 }), 3);
    checkKeys(keys, 'ecdsa-p256', 2);
    for (const signers of [[1, 2], [1, 3], [2, 3]]) expectSigned(sign(keys, signers));
  });

  it('parameter validation', () => {
    const base = { sessionId: randomBytes(16), scheme: 'ecdsa-secp256k1', self: 1, parties: [1, 2, 3], threshold: 2 };
    const bad = (p: object, code: ErrorCode = ErrorCode.INVALID_PARAMETERS) =>
      assert.throws(() => createDklsKeygenSession({ ...base, ...p }), (e: unknown) => e instanceof ProtocolError && e.code === code);
    bad({ scheme: 'frost-secp256k1' });
    bad({ threshold: 1 });
    bad({ threshold: 4 });
    bad({ parties: [1] });
    bad({ self: 4 });
    bad({ parties: [1, 2, 2] }, ErrorCode.INVALID_IDENTIFIER);
    bad({ parties: [0, 1, 2] }, ErrorCode.INVALID_IDENTIFIER);
    bad({ sessionId: new Uint8Array(0) });
  });
});

describe('DKLs23 OT-setup refresh', () => {
  it('renews every pair (new setup ids and seeds), keeps the Shamir share; the pair signs again after a ban, and the old setup no longer works with the new', () => {
    const keys = dealtKeys('ecdsa-secp256k1', 2, 2);
    // A ban: the OT-extension check of party 1 fails on 2's message.
    const faults = [tamperPayload(match.and(match.fromTo(2, 1), match.round(1), (m) => m.env.kind === 'direct'), (p) => p.map((x, i) => (i === 5 ? x ^ 1 : x)))];
    const banned = sign(keys, [1, 2], { faults });
    expectNoSignature(banned.res);
    assert.deepEqual(dklsBanSignal(banned.res.sessions.get(1)!.error)?.peers, [2]);
    // Refresh the pair's OT setup, then sign again.
    const sessionId = randomBytes(16);
    const res = runNetwork(keys.map((key) => createDklsOtRefreshSession({ sessionId, key, primitives: NODE })));
    const fresh = keysOf(res, 2);
    checkKeys(fresh, 'ecdsa-secp256k1', 2);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(keyShareToJson(fresh[i]!), keyShareToJson(keys[i]!), 'Shamir share unchanged');
      const j = 2 - i;
      assert.notDeepEqual(fresh[i]!.ot[j]!.setupId, keys[i]!.ot[j]!.setupId);
      assert.notDeepEqual(fresh[i]!.ot[j]!.seeds0, keys[i]!.ot[j]!.seeds0);
      assert.notDeepEqual(fresh[i]!.ot[j]!.zeroSeed, keys[i]!.ot[j]!.zeroSeed);
    }
    expectSigned(sign(fresh, [1, 2]));
    // A party still on the old setup cannot sign with a refreshed peer: the OT extension fails.
    const mixed = sign([keys[0]!, fresh[1]!], [1, 2]);
    expectNoSignature(mixed.res);
    const errors = [1, 2].map((p) => mixed.res.sessions.get(p)!.error!);
    assert.ok(errors.some((e) => e.code === ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED));
    for (const [i, e] of errors.entries()) {
      if (e.code === ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED) assert.deepEqual(e.culprits, [2 - i]);
      else assert.equal(e.code, ErrorCode.SESSION_ABORTED);
    }
  });

  it('a subset refresh renews only the pairs inside it; a plain Shamir key share gets a full setup', () => {
    const keys = dealtKeys('ecdsa-p256', 2, 3);
    const sessionId = randomBytes(16);
    const res = runNetwork([1, 2].map((p) => createDklsOtRefreshSession({ sessionId, key: keys[p - 1]!, parties: [1, 2], primitives: NODE })));
    const [k1, k2] = [res.results.get(1)!, res.results.get(2)!];
    assert.notDeepEqual(k1.ot[2]!.setupId, keys[0]!.ot[2]!.setupId);
    assert.deepEqual(k1.ot[3]!, keys[0]!.ot[3]!);
    assert.deepEqual(k2.ot[3]!, keys[1]!.ot[3]!);
    const all = [k1, k2, keys[2]!];
    checkKeys(all, 'ecdsa-p256', 2);
    for (const signers of [[1, 2], [1, 3], [2, 3]]) expectSigned(sign(all, signers));

    // From a plain KeyShare (e.g. after a Shamir refresh or reshare): every party must take part.
    const plain = runDkgLocally('ecdsa-secp256k1', 2, 2);
    assert.throws(() => createDklsOtRefreshSession({ sessionId, key: runDkgLocally('ecdsa-secp256k1', 2, 3)[0]!, parties: [1, 2] }), ProtocolError);
    const sid2 = randomBytes(16);
    const made = keysOf(runNetwork(plain.map((key) => createDklsOtRefreshSession({ sessionId: sid2, key, primitives: NODE }))), 2);
    checkKeys(made, 'ecdsa-secp256k1', 2);
    expectSigned(sign(made, [1, 2]));
  });

  it('participants refreshing different keys → DKLS_CONTEXT_MISMATCH naming the other party', () => {
    const a = dealtKeys('ecdsa-secp256k1', 2, 3);
    const b = dealtKeys('ecdsa-secp256k1', 2, 3);
    const sessionId = randomBytes(16);
    const res = runNetwork([
      createDklsOtRefreshSession({ sessionId, key: a[0]!, parties: [1, 2] }),
      createDklsOtRefreshSession({ sessionId, key: b[1]!, parties: [1, 2] }),
    ]);
    expectNoSignature(res);
    const errors = [1, 2].map((p) => res.sessions.get(p)!.error!);
    assert.ok(errors.some((e) => e.code === ErrorCode.DKLS_CONTEXT_MISMATCH));
    for (const [i, e] of errors.entries()) {
      if (e.code === ErrorCode.DKLS_CONTEXT_MISMATCH) assert.deepEqual(e.culprits, [2 - i]);
      else assert.equal(e.code, ErrorCode.SESSION_ABORTED);
    }
  });
});

describe('DKLs23 key generation under attack (base OT and seeds)', () => {
  const direct = (from: PartyId, to: PartyId, round: number) => match.and(match.fromTo(from, to), match.round(round), (m) => m.env.kind === 'direct');
  const run = (faults: Fault[]) => runKeygen('ecdsa-secp256k1', 2, 2, { faults });

  it('a bad proof of knowledge in VSOT step A → DKLS_BASE_OT_FAILED naming the sender', () => {
    const res = run([tamperPayload(direct(1, 2, 1), (p) => p.map((x, i) => (i === 95 ? x ^ 1 : x)))]);
    expectNoSignature(res);
    expectAbort(res, ErrorCode.DKLS_BASE_OT_FAILED, [2], [1]);
  });

  it('an invalid ristretto255 point in VSOT step B → INVALID_POINT naming the sender', () => {
    // Round-2 direct: u32 len ‖ DKG payload (32 + 32) ‖ A_0 … — make A_0 non-canonical (all 0xff).
    const res = run([tamperPayload(direct(2, 1, 2), (p) => p.map((x, i) => (i >= 4 + 64 && i < 4 + 64 + 32 ? 0xff : x)))]);
    expectNoSignature(res);
    expectAbort(res, ErrorCode.INVALID_POINT, [1], [2]);
  });

  it('a zero-seed contribution that does not match its commitment → DKLS_COMMITMENT_MISMATCH', () => {
    const res = run([tamperPayload(direct(1, 2, 2), (p) => p.map((x, i) => (i === p.length - 1 ? x ^ 1 : x)))]);
    expectNoSignature(res);
    expectAbort(res, ErrorCode.DKLS_COMMITMENT_MISMATCH, [2], [1]);
  });

  it('a DKG share that does not match its commitment → INVALID_SHARE naming the dealer', () => {
    const res = run([tamperPayload(direct(2, 1, 2), (p) => p.map((x, i) => (i === 4 + 31 ? x ^ 1 : x)))]);
    expectNoSignature(res);
    expectAbort(res, ErrorCode.INVALID_SHARE, [1], [2]);
  });

  for (const [what, off, bytes, code] of [
    ['B = the identity', 0, new Uint8Array(32), ErrorCode.INVALID_POINT],
    ['K not canonical', 32, new Uint8Array(32).fill(0xff), ErrorCode.INVALID_POINT],
    ['z ≥ L', 64, new Uint8Array(32).fill(0xff), ErrorCode.INVALID_SCALAR],
  ] as const) {
    it(`VSOT step A with ${what} → ${code} naming the sender`, () => {
      const res = run([tamperPayload(direct(1, 2, 1), (p) => Uint8Array.from([...p.subarray(0, off), ...bytes, ...p.subarray(off + 32)]))]);
      expectNoSignature(res);
      expectAbort(res, code, [2], [1]);
    });
  }

  it('an identity A_l in VSOT step B → INVALID_POINT naming the sender', () => {
    const res = run([tamperPayload(direct(2, 1, 2), (p) => p.map((x, i) => (i >= 4 + 64 && i < 4 + 64 + 32 ? 0 : x)))]);
    expectNoSignature(res);
    expectAbort(res, ErrorCode.INVALID_POINT, [1], [2]);
  });

  it('a wrong VSOT response (step D) → DKLS_BASE_OT_FAILED naming the receiver', () => {
    const res = run([tamperPayload(direct(2, 1, 4), (p) => p.map((x, i) => (i === 100 ? x ^ 1 : x)))]);
    expectNoSignature(res);
    expectAbort(res, ErrorCode.DKLS_BASE_OT_FAILED, [1], [2]);
  });

  it('a wrong VSOT opening (step E) → DKLS_BASE_OT_FAILED naming the sender', () => {
    const res = run([tamperPayload(direct(1, 2, 5), (p) => p.map((x, i) => (i === 64 * 17 + 40 ? x ^ 1 : x)))]);
    expectNoSignature(res);
    expectAbort(res, ErrorCode.DKLS_BASE_OT_FAILED, [2], [1]);
  });

  it('a different confirmation → PUBLIC_OUTPUT_MISMATCH', () => {
    const res = run([tamperPayload(match.and(match.from(1), match.round(6)), (p) => p.map((x, i) => (i === 0 ? x ^ 1 : x)))]);
    assert.equal(res.sessions.get(2)!.error?.code, ErrorCode.PUBLIC_OUTPUT_MISMATCH);
    assert.deepEqual(res.sessions.get(2)!.error?.culprits, [1]);
    assert.match(res.sessions.get(2)!.error!.message, /confirmed a different key or OT setup/);
    assert.equal(res.results.has(2), false);
  });
});
