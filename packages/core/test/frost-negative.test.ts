/**
 * Negative tests of frost-sign/v1 through the in-memory network with faults: each bad message
 * (security-checklist.md A3/A5, B3, C1, G2, G3) aborts every session, with the right error code
 * and culprit on the honest parties and no signature anywhere.
 *
 * Signers are {1, 2, 3} of a 3-of-4 key (2-of-4 where noted); party 2 misbehaves (or its messages
 * are altered on the wire). FIFO delivery unless stated.
 *
 * Round-2 faults: the honest signers have already released their shares when they detect a bad
 * share (FROST has no fairness), so the party whose share was altered *on the wire* — its own view
 * is consistent — would complete if the honest shares reached it before the abort notices. The
 * round-2 tests therefore deliver the honest shares to it late (after the notices), so every
 * session aborts; one test shows the FIFO case, where it completes with a valid signature.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  decodeFrostCommitment,
  ErrorCode,
  frostAggregate,
  frostCiphersuite,
  frostCommit,
  FrostSigningPackage,
  frostSignShare,
  frostSigningKey,
  frostVerifyShare,
  getSuite,
  ProtocolError,
  type FrostScheme,
  type KeyShare,
  type PartyId,
  type Suite,
} from '../src/index.js';
import { decodeEnvelope, encodeEnvelope } from '../src/engine/codec.js';
import { delay, duplicate, match, tamperEnvelope, tamperPayload, type InFlight } from '../src/testing/index.js';
import { dealKeyShares, expectAbort, expectAllAborted, rawScalarBytes, runSign, SCHEMES, utf8, verifyIndependently, type SignRun } from './helpers/frost.js';

const SIGNERS: PartyId[] = [1, 2, 3];
const HONEST: PartyId[] = [1, 3];
const CHEATER = 2;
const MSG = utf8('pay 1 BTC to Alice');

const fromCheater = (round: number) => (m: InFlight) => m.from === CHEATER && m.env.round === round && m.env.kind === 'broadcast';

function keysFor(scheme: FrostScheme): KeyShare[] {
  return dealKeyShares(scheme, 3, 4);
}

/** Replace bytes [offset, offset + b.length) of a payload. */
function splice(payload: Uint8Array, offset: number, b: Uint8Array): Uint8Array {
  const out = payload.slice();
  out.set(b, offset);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bad encodings per suite (checklist B3 / C1).

function leBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}
function beBytes(v: bigint, len: number): Uint8Array {
  return leBytes(v, len).reverse();
}

function rejects(suite: Suite, b: Uint8Array): boolean {
  try {
    suite.decodePoint(b);
    return false;
  } catch (e) {
    assert.ok(e instanceof ProtocolError && e.code === ErrorCode.INVALID_POINT);
    return true;
  }
}

interface BadPoints {
  identity: Uint8Array;
  offCurve: Uint8Array;
  nonCanonical: Uint8Array;
}

function badPoints(suite: Suite): BadPoints {
  const p = (suite.G as unknown as { constructor: { Fp: { ORDER: bigint } } }).constructor.Fp.ORDER;
  if (suite.name === 'frost-ed25519') {
    let y = 2n;
    while (!rejects(suite, leBytes(y, 32))) y++; // a y with no x on the curve
    const nonCanonical = leBytes(p + 1n, 32); // y = p + 1 ≡ 1 (non-canonical encoding of the identity)
    return { identity: leBytes(1n, 32), offCurve: leBytes(y, 32), nonCanonical };
  }
  let x = 1n;
  while (!rejects(suite, Uint8Array.of(2, ...beBytes(x, 32)))) x++;
  let xv = 1n;
  while (rejects(suite, Uint8Array.of(2, ...beBytes(xv, 32)))) xv++; // a valid small x
  return {
    identity: new Uint8Array(33), // SEC1 has no 33-byte identity: the 00 prefix must be rejected
    offCurve: Uint8Array.of(2, ...beBytes(x, 32)),
    nonCanonical: Uint8Array.of(2, ...beBytes(xv + p, 32)), // x + p < 2^256 encodes the same point
  };
}

/** Encodings of Ed25519 points outside the prime-order subgroup. */
function ed25519SmallOrder(): { order2: Uint8Array; order4: Uint8Array; mixed: Uint8Array } {
  const P = ed25519.Point;
  const p = P.Fp.ORDER;
  const order2 = leBytes(p - 1n, 32); // (0, −1)
  const order4 = new Uint8Array(32); // (±sqrt(−1), 0)
  const T = P.fromBytes(order2);
  const mixed = P.BASE.multiply(12345n).add(T).toBytes();
  return { order2, order4, mixed };
}

function runWith(scheme: FrostScheme, opts: Parameters<typeof runSign>[3], keys = keysFor(scheme)): SignRun {
  return runSign(keys, SIGNERS, MSG, opts);
}

// ---------------------------------------------------------------------------------------------

describe('frost-sign/v1 round 1: bad commitments abort everyone', () => {
  for (const scheme of SCHEMES) {
    const suite = getSuite(scheme);
    const bad = badPoints(suite);
    const ne = suite.pointLength;
    for (const [what, bytes] of Object.entries(bad) as [keyof BadPoints, Uint8Array][]) {
      for (const [slot, offset] of [
        ['D', 0],
        ['E', ne],
      ] as const) {
        it(`${scheme}: ${what} ${slot} → INVALID_POINT naming the sender`, () => {
          const run = runWith(scheme, { faults: [tamperPayload(fromCheater(1), (pl) => splice(pl, offset, bytes))] });
          expectAbort(run, ErrorCode.INVALID_POINT, [CHEATER], HONEST);
          expectAllAborted(run);
        });
      }
    }
  }

  const small = ed25519SmallOrder();
  for (const [what, bytes] of Object.entries(small)) {
    it(`frost-ed25519: ${what} point (not in the prime-order subgroup) → INVALID_POINT`, () => {
      const run = runWith('frost-ed25519', { faults: [tamperPayload(fromCheater(1), (pl) => splice(pl, 0, bytes))] });
      expectAbort(run, ErrorCode.INVALID_POINT, [CHEATER], HONEST);
      expectAllAborted(run);
    });
  }

  for (const scheme of SCHEMES) {
    it(`${scheme}: different message at one signer → INVALID_COMMITMENT_LIST before any share is released`, () => {
      const run = runWith(scheme, { messageFor: { [CHEATER]: utf8('pay 100 BTC to Mallory') } });
      expectAbort(run, ErrorCode.INVALID_COMMITMENT_LIST, [CHEATER], HONEST);
      expectAllAborted(run);
      // Nobody got to round 2: the honest parties aborted in round 1.
      for (const p of HONEST) assert.equal(run.res.sessions.get(p)!.error?.round, 1);
    });
  }

  it('different signer set at one signer → INVALID_COMMITMENT_LIST', () => {
    const keys = dealKeyShares('frost-secp256k1', 2, 4);
    const run = runSign(keys, SIGNERS, MSG, { signersFor: { [CHEATER]: [1, 2, 3, 4] } });
    expectAbort(run, ErrorCode.INVALID_COMMITMENT_LIST, [CHEATER], HONEST);
    // Party 2 waits for party 4 too; it gets the abort notices and stops.
    expectAllAborted(run);
  });

  it('commitment replayed from another session (A2) → INVALID_COMMITMENT_LIST', () => {
    const keys = keysFor('frost-p256');
    let recorded: Uint8Array | undefined;
    const record = tamperPayload(fromCheater(1), (pl) => (recorded = pl.slice()));
    expectSignedByAll(runSign(keys, SIGNERS, MSG, { faults: [record] }));
    assert.ok(recorded !== undefined);
    // Same key, signers and message, new session: party 2's old commitment is replayed.
    const run = runSign(keys, SIGNERS, MSG, { faults: [tamperPayload(fromCheater(1), () => recorded!)] });
    expectAbort(run, ErrorCode.INVALID_COMMITMENT_LIST, [CHEATER], HONEST);
    expectAllAborted(run);
  });

  it('truncated / extended commitment payload → MALFORMED_MESSAGE', () => {
    for (const fn of [(pl: Uint8Array) => pl.subarray(0, pl.length - 1), (pl: Uint8Array) => Uint8Array.of(...pl, 0)]) {
      const run = runWith('frost-secp256k1', { faults: [tamperPayload(fromCheater(1), fn)] });
      expectAbort(run, ErrorCode.MALFORMED_MESSAGE, [CHEATER], HONEST);
      expectAllAborted(run);
    }
  });

  it('duplicate round-1 message with different content → DUPLICATE_MESSAGE', () => {
    const suite = getSuite('frost-ed25519');
    const other = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    const dupAltered = (m: InFlight): InFlight[] => {
      if (!fromCheater(1)(m)) return [m];
      return [m, { ...m, bytes: alterPayload(m.bytes, (pl) => splice(pl, 0, other)) }];
    };
    const run = runWith('frost-ed25519', { faults: [{ onSend: dupAltered }] });
    expectAbort(run, ErrorCode.DUPLICATE_MESSAGE, [CHEATER], HONEST);
    expectAllAborted(run);
  });

  it('an identical re-delivery is not an error', () => {
    const run = runWith('frost-secp256k1-tr', { faults: [duplicate(() => true)] });
    assert.equal(run.res.results.size, 3);
    for (const r of run.res.results.values()) assert.ok(verifyIndependently('frost-secp256k1-tr', r.signature, MSG, r.publicKey));
  });

  it('own commitment substituted in one signer\'s view → ECHO_MISMATCH; the victim names the lying peer', () => {
    // The network (or a relay) replaces party 2's D as delivered to party 3 with another valid point.
    const suite = getSuite('frost-secp256k1');
    const other = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    const run = runWith('frost-secp256k1', { faults: [tamperPayload(match.and(fromCheater(1), (m) => m.to === 3), (pl) => splice(pl, 0, other))] });
    expectAllAborted(run);
    // Party 2 knows what it sent: party 3's echo disagrees, so party 3 is named.
    expectAbort(run, ErrorCode.ECHO_MISMATCH, [3], [2]);
    // Party 1 cannot tell whether 2 equivocated or 3 lies: it names both.
    expectAbort(run, ErrorCode.ECHO_MISMATCH, [2, 3], [1]);
  });

  it('envelope claiming another sender (A1) → SENDER_MISMATCH', () => {
    // The transport authenticated party 2, the envelope claims party 4.
    const run = runWith('frost-p256', { faults: [tamperEnvelope(fromCheater(1), (env) => ({ ...env, from: 4 }))] });
    expectAbort(run, ErrorCode.SENDER_MISMATCH, [CHEATER], HONEST);
    expectAllAborted(run);
  });

  it('a key holder outside the signer set joins (A5) → UNEXPECTED_SENDER', () => {
    const keys = dealKeyShares('frost-ed25519', 2, 4);
    const run = runSign(keys, [1, 2, 3, 4], MSG, { signersFor: { 1: SIGNERS, 2: SIGNERS, 3: SIGNERS } });
    expectAbort(run, ErrorCode.UNEXPECTED_SENDER, [4], SIGNERS);
    // The signers never address party 4 (not in their session), so it waits: a timeout's job.
    assert.deepEqual(run.res.stalled, [4]);
    assert.equal(run.res.results.size, 0);
  });
});

/** Re-encode an envelope with a modified payload (for hand-built faults). */
function alterPayload(bytes: Uint8Array, fn: (pl: Uint8Array) => Uint8Array): Uint8Array {
  const env = decodeEnvelope(bytes);
  return encodeEnvelope({ ...env, payload: fn(env.payload) });
}

function expectSignedByAll(run: SignRun): void {
  assert.equal(run.res.results.size, run.signers.length);
  for (const r of run.res.results.values()) assert.ok(verifyIndependently(run.keys[0]!.scheme, r.signature, run.message, r.publicKey));
}

/** Honest round-2 shares reach the misbehaving party only after the abort notices. */
const sharesToCheaterLate = delay((m: InFlight) => m.to === CHEATER && m.env.round === 2 && m.env.kind === 'broadcast', 100);

describe('frost-sign/v1 round 2: bad signature shares', () => {
  for (const scheme of SCHEMES) {
    const suite = getSuite(scheme);
    it(`${scheme}: scalar ≥ q → INVALID_SCALAR naming the sender`, () => {
      for (const v of [suite.order, suite.order + 1n, (1n << 256n) - 1n]) {
        const run = runWith(scheme, { faults: [tamperPayload(fromCheater(2), () => rawScalarBytes(suite, v)), sharesToCheaterLate] });
        expectAbort(run, ErrorCode.INVALID_SCALAR, [CHEATER], HONEST);
        expectAllAborted(run);
      }
    });

    it(`${scheme}: wrong share → INVALID_SIGNATURE_SHARE naming the sender`, () => {
      const wrong = (pl: Uint8Array) => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(pl), 1n));
      const run = runWith(scheme, { faults: [tamperPayload(fromCheater(2), wrong), sharesToCheaterLate] });
      expectAbort(run, ErrorCode.INVALID_SIGNATURE_SHARE, [CHEATER], HONEST);
      expectAllAborted(run);
      assert.equal(run.res.sessions.get(CHEATER)!.error?.code, ErrorCode.SESSION_ABORTED);
    });
  }

  it('no fairness: a share altered on the wire, FIFO delivery → the honest receivers abort, the sender (which saw only valid shares) completes', () => {
    for (const scheme of SCHEMES) {
      const suite = getSuite(scheme);
      const wrong = (pl: Uint8Array) => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(pl), 1n));
      const run = runWith(scheme, { faults: [tamperPayload(fromCheater(2), wrong)] });
      expectAbort(run, ErrorCode.INVALID_SIGNATURE_SHARE, [CHEATER], HONEST);
      const s = run.res.sessions.get(CHEATER)!;
      assert.equal(s.state, 'done');
      assert.ok(verifyIndependently(scheme, s.result!.signature, MSG, s.result!.publicKey));
      assert.deepEqual([...run.res.results.keys()], [CHEATER]);
      assert.deepEqual(run.res.stalled, []);
    }
  });

  it('truncated share payload → MALFORMED_MESSAGE', () => {
    const run = runWith('frost-p256', { faults: [tamperPayload(fromCheater(2), (pl) => pl.subarray(1)), sharesToCheaterLate] });
    expectAbort(run, ErrorCode.MALFORMED_MESSAGE, [CHEATER], HONEST);
    expectAllAborted(run);
  });
});

describe('FROST functions: commitment-list and share checks (coordinator API)', () => {
  const scheme: FrostScheme = 'frost-secp256k1';
  const suite = getSuite(scheme);
  const cs = frostCiphersuite(suite);
  const isCode = (code: ErrorCode, culprits?: PartyId[]) => (e: unknown) =>
    e instanceof ProtocolError && e.code === code && (culprits === undefined || JSON.stringify(e.culprits) === JSON.stringify(culprits));

  it('G2: list unsorted, duplicated, outside the key, below threshold, without / altering our commitment', () => {
    const keys = dealKeyShares(scheme, 3, 4);
    const key = frostSigningKey(keys[0]!);
    const n = keys.map((k) => frostCommit(k));
    const c = n.map((x) => x.commitment);
    const m = utf8('m');
    assert.throws(() => FrostSigningPackage.create(key, m, [c[1]!, c[0]!, c[2]!]), isCode(ErrorCode.INVALID_COMMITMENT_LIST));
    assert.throws(() => FrostSigningPackage.create(key, m, [c[0]!, c[1]!, c[1]!]), isCode(ErrorCode.INVALID_COMMITMENT_LIST));
    assert.throws(() => FrostSigningPackage.create(key, m, [c[0]!, c[1]!, { ...c[2]!, id: 9 }]), isCode(ErrorCode.INVALID_COMMITMENT_LIST));
    assert.throws(() => FrostSigningPackage.create(key, m, [c[0]!, c[1]!]), isCode(ErrorCode.NOT_ENOUGH_SIGNERS));
    // Missing own commitment (party 1's nonces, list of 2, 3, 4).
    assert.throws(() => FrostSigningPackage.create(key, m, [c[1]!, c[2]!, c[3]!], n[0]), isCode(ErrorCode.INVALID_COMMITMENT_LIST));
    // Our commitment altered by the coordinator.
    const altered = { ...c[0]!, binding: c[1]!.binding, E: c[1]!.E };
    assert.throws(() => FrostSigningPackage.create(key, m, [altered, c[1]!, c[2]!], n[0]), isCode(ErrorCode.INVALID_COMMITMENT_LIST));
    // …and signShare re-checks it against a package built without our nonces.
    const pkg = FrostSigningPackage.create(key, m, [altered, c[1]!, c[2]!]);
    assert.throws(() => frostSignShare(keys[0]!, n[0]!, pkg), isCode(ErrorCode.INVALID_COMMITMENT_LIST));
  });

  it('C1: decodeFrostCommitment rejects bad elements', () => {
    const bad = badPoints(suite);
    const good = frostCommit(dealKeyShares(scheme, 2, 2)[0]!).commitment;
    for (const b of Object.values(bad)) {
      assert.throws(() => decodeFrostCommitment(cs, { id: 1, hiding: b, binding: good.binding }), isCode(ErrorCode.INVALID_POINT));
      assert.throws(() => decodeFrostCommitment(cs, { id: 1, hiding: good.hiding, binding: b }), isCode(ErrorCode.INVALID_POINT));
    }
  });

  it('G3: aggregate verifies every share and names every culprit; scalars ≥ q are rejected with the culprit', () => {
    const keys = dealKeyShares(scheme, 3, 5);
    const signers = [1, 2, 4, 5];
    const m = utf8('agg');
    const nonces = signers.map((p) => frostCommit(keys[p - 1]!));
    const list = nonces.map((x) => x.commitment);
    const shares = new Map<PartyId, Uint8Array>();
    signers.forEach((p, i) => shares.set(p, frostSignShare(keys[p - 1]!, nonces[i]!, FrostSigningPackage.create(frostSigningKey(keys[p - 1]!), m, list, nonces[i]))));
    const pkg = FrostSigningPackage.create(frostSigningKey(keys[2]!), m, list); // an outside coordinator (party 3)
    for (const p of signers) assert.ok(frostVerifyShare(pkg, p, suite.decodeScalar(shares.get(p)!)));
    // Two colluding signers whose errors cancel: the aggregate would verify, but both are named.
    const shift = (p: PartyId, d: bigint) => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(shares.get(p)!), d));
    const colluding = new Map(shares).set(2, shift(2, 5n)).set(4, shift(4, suite.Fn.neg(5n)));
    assert.throws(() => frostAggregate(pkg, colluding), isCode(ErrorCode.INVALID_SIGNATURE_SHARE, [2, 4]));
    const one = new Map(shares).set(5, shift(5, 1n));
    assert.throws(() => frostAggregate(pkg, one), isCode(ErrorCode.INVALID_SIGNATURE_SHARE, [5]));
    const big = new Map(shares).set(4, rawScalarBytes(suite, suite.order));
    assert.throws(() => frostAggregate(pkg, big), isCode(ErrorCode.INVALID_SCALAR, [4]));
    const missing = new Map(shares);
    missing.delete(1);
    assert.throws(() => frostAggregate(pkg, missing), isCode(ErrorCode.INVALID_PARAMETERS));
    // A share checked against another signer's slot fails.
    assert.ok(!frostVerifyShare(pkg, 1, suite.decodeScalar(shares.get(2)!)));
    assert.ok(!frostVerifyShare(pkg, 3, suite.decodeScalar(shares.get(2)!)), 'non-signer');
    const sig = frostAggregate(pkg, shares);
    assert.ok(verifyIndependently(scheme, sig, m, keys[0]!.publicKey));
  });
});
