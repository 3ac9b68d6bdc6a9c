/**
 * Negative tests for `refresh/v1`: one per check of protocols.md §4.3 / checklist D2, D3, D6, C1,
 * C2 and the epoch check. Every bad message goes through the in-memory network and the real wire
 * codec; each test asserts that the parties that detect the fault abort with the right code naming
 * the culprit, and that no session (honest or not) holds a result.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRefreshSession,
  ErrorCode,
  getSuite,
  randomBytes,
  REFRESH_PROTOCOL_ID,
  Session,
  validateRefreshParams,
  type ErrorCode as Code,
  type FrostScheme,
  type KeyShare,
  type PartyId,
  type Scheme,
} from '../src/index.js';
import { commitPolynomial, evalPolynomial, randomPolynomial } from '../src/math/polynomial.js';
import { startRefresh } from '../src/protocols/refresh/round1.js';
import { delay, runDkgLocally, runNetwork, tamperPayload, type InFlight, type NetworkOptions, type NetworkResult } from '../src/testing/index.js';
import { badPoints } from './helpers/dkg-bad-points.js';
import { rawScalarBytes } from './helpers/dkg.js';

const CHEATER = 2;
const KEYS = new Map<Scheme, KeyShare[]>();
/** 3-of-4 keys per scheme (cached: the DKG is not what is under test). */
function keysFor(scheme: Scheme): KeyShare[] {
  let k = KEYS.get(scheme);
  if (k === undefined) KEYS.set(scheme, (k = runDkgLocally(scheme, 3, 4)));
  return k;
}
const SCHEMES: readonly FrostScheme[] = ['frost-ed25519', 'frost-secp256k1', 'frost-p256', 'frost-secp256k1-tr'];

interface Run {
  readonly res: NetworkResult<KeyShare>;
}

/** Run a refresh; with `polynomial`, the cheater's session deals from that polynomial. */
function run(keys: readonly KeyShare[], opts: NetworkOptions & { polynomial?: readonly bigint[]; sessionId?: Uint8Array } = {}): Run {
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions = keys.map((key) => {
    if (key.self !== CHEATER || opts.polynomial === undefined) return createRefreshSession({ sessionId, key });
    const cfg = validateRefreshParams({ sessionId, key });
    const poly = opts.polynomial;
    return new Session<KeyShare>({ sessionId, protocol: REFRESH_PROTOCOL_ID, self: key.self, parties: cfg.parties, start: () => startRefresh(cfg, poly) });
  });
  return { res: runNetwork(sessions, opts) };
}

/** Every detector aborted with `code` naming exactly `culprits`; no session anywhere has a result. */
function expectAbort(r: Run, code: Code, culprits: readonly PartyId[], detectors: readonly PartyId[]): void {
  for (const d of detectors) {
    const s = r.res.sessions.get(d)!;
    assert.equal(s.state, 'aborted', `party ${d} should have aborted`);
    assert.equal(s.error?.code, code, `party ${d}: expected ${code}, got ${s.error?.code ?? 'nothing'} (${s.error?.message ?? ''})`);
    assert.deepEqual([...s.error.culprits].sort((a, b) => a - b), [...culprits], `party ${d}: culprits`);
  }
  expectNoOutput(r);
}

function expectNoOutput(r: Run): void {
  assert.equal(r.res.results.size, 0, 'no party may have a result');
  assert.deepEqual(r.res.stalled, []);
  for (const [p, s] of r.res.sessions) {
    assert.equal(s.state, 'aborted', `party ${p} is ${s.state}`);
    assert.equal(s.result, undefined);
  }
}

const broadcastFrom = (p: PartyId, round: number) => (m: InFlight) => m.from === p && m.env.round === round && m.env.kind === 'broadcast';
const directFrom = (p: PartyId, to: PartyId) => (m: InFlight) => m.from === p && m.to === to && m.env.kind === 'direct';
/** Hold back the honest confirmations to the cheater so that it sees the abort notices first. */
const confirmationsToCheaterLate = delay((m: InFlight) => m.to === CHEATER && m.env.round === 2 && m.env.kind === 'broadcast', 100);

const HONEST = [1, 3, 4];

describe('refresh/v1: the zero-sharing (protocols.md §4.3, D6)', () => {
  for (const scheme of SCHEMES) {
    const suite = getSuite(scheme);
    it(`${scheme}: a dealer sharing a non-zero constant cannot express it — its shares fail the check against D[0] = O → INVALID_SHARE naming it`, () => {
      const c = suite.randomScalar();
      const r = run(keysFor(scheme), { polynomial: [c, suite.randomScalar(), suite.randomScalar()] });
      expectAbort(r, ErrorCode.INVALID_SHARE, [CHEATER], HONEST);
    });

    it(`${scheme}: a constant-term commitment sent anyway (k points) → INVALID_COMMITMENT_LENGTH naming the dealer`, () => {
      const C0 = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
      const r = run(keysFor(scheme), {
        faults: [
          tamperPayload(broadcastFrom(CHEATER, 1), (pl) => {
            // digest (32) ‖ u16 count ‖ points: insert C0 in front of the points.
            const out = new Uint8Array(pl.length + C0.length);
            out.set(pl.subarray(0, 32));
            out[32] = 0;
            out[33] = pl[33]! + 1;
            out.set(C0, 34);
            out.set(pl.subarray(34), 34 + C0.length);
            return out;
          }),
        ],
      });
      expectAbort(r, ErrorCode.INVALID_COMMITMENT_LENGTH, [CHEATER], HONEST);
    });
  }

  it('a dealer raising the threshold (degree k polynomial, k commitment points) → INVALID_COMMITMENT_LENGTH', () => {
    const suite = getSuite('frost-secp256k1');
    const r = run(keysFor('frost-secp256k1'), { polynomial: [0n, suite.randomScalar(), suite.randomScalar(), suite.randomScalar()] });
    expectAbort(r, ErrorCode.INVALID_COMMITMENT_LENGTH, [CHEATER], HONEST);
  });

  it('a dealer lowering the threshold (k − 2 points) → INVALID_COMMITMENT_LENGTH', () => {
    const suite = getSuite('frost-p256');
    const r = run(keysFor('frost-p256'), { polynomial: [0n, suite.randomScalar()] });
    expectAbort(r, ErrorCode.INVALID_COMMITMENT_LENGTH, [CHEATER], HONEST);
  });
});

describe('refresh/v1: dealt shares (D3, B3, C2)', () => {
  for (const scheme of SCHEMES) {
    const suite = getSuite(scheme);
    it(`${scheme}: a share that does not match the dealer's commitment → INVALID_SHARE at the receiver, naming the dealer`, () => {
      const r = run(keysFor(scheme), {
        faults: [tamperPayload(directFrom(CHEATER, 3), (pl) => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(pl), 1n)))],
      });
      expectAbort(r, ErrorCode.INVALID_SHARE, [CHEATER], [3]);
    });
  }

  it('two bad dealers are both named', () => {
    const suite = getSuite('frost-ed25519');
    const bump = (pl: Uint8Array) => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(pl), 1n));
    const r = run(keysFor('frost-ed25519'), { faults: [tamperPayload(directFrom(2, 1), bump), tamperPayload(directFrom(4, 1), bump)] });
    expectAbort(r, ErrorCode.INVALID_SHARE, [2, 4], [1]);
  });

  it('share ≥ q → INVALID_SCALAR; share = 0 → ZERO_SCALAR (naming the dealer)', () => {
    const suite = getSuite('frost-secp256k1');
    const r1 = run(keysFor('frost-secp256k1'), { faults: [tamperPayload(directFrom(CHEATER, 1), () => rawScalarBytes(suite, suite.order))] });
    expectAbort(r1, ErrorCode.INVALID_SCALAR, [CHEATER], [1]);
    const r2 = run(keysFor('frost-secp256k1'), { faults: [tamperPayload(directFrom(CHEATER, 1), () => new Uint8Array(32))] });
    expectAbort(r2, ErrorCode.ZERO_SCALAR, [CHEATER], [1]);
  });

  it('C1: every bad commitment point encoding → INVALID_POINT naming the dealer', () => {
    for (const scheme of SCHEMES) {
      const suite = getSuite(scheme);
      for (const bad of badPoints(scheme)) {
        const r = run(keysFor(scheme), { faults: [tamperPayload(broadcastFrom(CHEATER, 1), (pl) => Uint8Array.from([...pl.subarray(0, 34), ...bad.bytes, ...pl.subarray(34 + suite.pointLength)]))] });
        expectAbort(r, ErrorCode.INVALID_POINT, [CHEATER], HONEST);
      }
    }
  });

  it('truncated or extended round-1 payloads → MALFORMED_MESSAGE', () => {
    const r1 = run(keysFor('frost-p256'), { faults: [tamperPayload(broadcastFrom(CHEATER, 1), (pl) => pl.subarray(0, pl.length - 1))] });
    expectAbort(r1, ErrorCode.MALFORMED_MESSAGE, [CHEATER], HONEST);
    const r2 = run(keysFor('frost-p256'), { faults: [tamperPayload(directFrom(CHEATER, 4), (pl) => Uint8Array.from([...pl, 0]))] });
    expectAbort(r2, ErrorCode.MALFORMED_MESSAGE, [CHEATER], [4]);
  });
});

describe('refresh/v1: same key version, same output', () => {
  it('EPOCH_MISMATCH: a player holding another version of the key (already refreshed) is named by the others', () => {
    const keys = keysFor('frost-secp256k1-tr');
    const r0 = run(keys);
    const newer = r0.res.results.get(CHEATER)!;
    assert.ok(newer !== undefined);
    const r = run(keys.map((k) => (k.self === CHEATER ? newer : k)));
    expectAbort(r, ErrorCode.EPOCH_MISMATCH, [CHEATER], HONEST);
  });

  it('EPOCH_MISMATCH: same shares, different epoch field', () => {
    const keys = keysFor('frost-ed25519').map((k) => (k.self === CHEATER ? { ...k, epoch: { counter: 7, id: randomBytes(32) } } : k));
    const r = run(keys);
    expectAbort(r, ErrorCode.EPOCH_MISMATCH, [CHEATER], HONEST);
  });

  for (const scheme of SCHEMES) {
    it(`${scheme}: confirmation hash differs → PUBLIC_OUTPUT_MISMATCH naming the sender`, () => {
      const r = run(keysFor(scheme), {
        faults: [tamperPayload(broadcastFrom(CHEATER, 2), (pl) => Uint8Array.from(pl, (b, i) => (i === 0 ? b ^ 1 : b))), confirmationsToCheaterLate],
      });
      expectAbort(r, ErrorCode.PUBLIC_OUTPUT_MISMATCH, [CHEATER], HONEST);
    });
  }

  it('no fairness in the last round (FIFO delivery): the sender of an altered confirmation, which saw only matching ones, finishes — hence the caller\'s two-phase commit', () => {
    const r = run(keysFor('frost-secp256k1'), { faults: [tamperPayload(broadcastFrom(CHEATER, 2), (pl) => Uint8Array.from(pl, (b, i) => (i === 0 ? b ^ 1 : b)))] });
    for (const d of HONEST) assert.equal(r.res.sessions.get(d)!.error?.code, ErrorCode.PUBLIC_OUTPUT_MISMATCH);
    assert.deepEqual([...r.res.results.keys()], [CHEATER]);
  });

  it('D6: the new verifying shares must interpolate to the group key (check exercised with a wrong expected key) → INVALID_GROUP_KEY, no culprit', () => {
    const keys = keysFor('frost-p256');
    const suite = getSuite('frost-p256');
    const sessionId = randomBytes(16);
    const wrong = suite.G.multiply(suite.randomScalar());
    const sessions = keys.map((key) => {
      const cfg = { ...validateRefreshParams({ sessionId, key }), groupKey: wrong };
      return new Session<KeyShare>({ sessionId, protocol: REFRESH_PROTOCOL_ID, self: key.self, parties: cfg.parties, start: () => startRefresh(cfg) });
    });
    const r = { res: runNetwork(sessions) };
    expectAbort(r, ErrorCode.INVALID_GROUP_KEY, [], keys.map((k) => k.self));
  });

  for (const scheme of SCHEMES) {
    it(`${scheme}: A3: a dealer equivocating with two valid dealings (the victim's share matches what it was shown) → ECHO_MISMATCH naming it`, () => {
      const keys = keysFor(scheme);
      const suite = getSuite(scheme);
      const VICTIM = 4;
      // A second, fully consistent zero-sharing from the cheater for the victim only: commitment
      // D'[1..k−1] in its broadcast and the matching share g'(4) as its direct message. Every
      // check of round 1 passes at the victim, so only the echo comparison (A3) can catch it.
      const alt = randomPolynomial(suite, 0n, keys[0]!.threshold - 1);
      const altPoints = commitPolynomial(suite, alt.slice(1)).map((P) => suite.encodePoint(P));
      const altShare = suite.encodeScalar(evalPolynomial(suite, alt, BigInt(VICTIM)));
      const r = run(keys, {
        faults: [
          tamperPayload((m) => broadcastFrom(CHEATER, 1)(m) && m.to === VICTIM, (pl) => Uint8Array.from([...pl.subarray(0, 34), ...altPoints.flatMap((b) => [...b])])),
          tamperPayload(directFrom(CHEATER, VICTIM), () => altShare),
        ],
      });
      // The victim completed round 1 (no INVALID_SHARE): its confirmation carries its echo, and
      // the honest players see that it differs from theirs for the cheater's broadcast. They
      // cannot tell which of the two lied, so both are named.
      expectAbort(r, ErrorCode.ECHO_MISMATCH, [CHEATER, VICTIM], [1, 3]);
      const s4 = r.res.sessions.get(VICTIM)!;
      assert.equal(s4.error?.code, ErrorCode.ECHO_MISMATCH, `victim: ${s4.error?.code ?? 'nothing'} (${s4.error?.message ?? ''})`);
      assert.ok(s4.error.culprits.includes(CHEATER), `victim culprits ${s4.error.culprits.join(',')}`);
    });
  }

  it('D3: a commitment point altered for one receiver only (its share no longer matches) → INVALID_SHARE at that receiver, naming the dealer', () => {
    const keys = keysFor('frost-secp256k1');
    const suite = getSuite('frost-secp256k1');
    const other = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    const r = run(keys, { faults: [tamperPayload((m) => broadcastFrom(CHEATER, 1)(m) && m.to === 4, (pl) => Uint8Array.from([...pl.subarray(0, 34), ...other, ...pl.subarray(34 + 33)]))] });
    expectAbort(r, ErrorCode.INVALID_SHARE, [CHEATER], [4]);
  });
});

describe('refresh/v1: parameters (checked before any message)', () => {
  const keys = keysFor('frost-secp256k1');
  const isCode = (code: Code) => (e: unknown) => (e as { code?: string }).code === code;
  it('a stored package whose verifying shares are inconsistent with the group key is refused', () => {
    const k = keys[0]!;
    const vs = { ...k.verifyingShares, 4: k.verifyingShares[3]! };
    assert.throws(() => createRefreshSession({ sessionId: randomBytes(16), key: { ...k, verifyingShares: vs } }), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.throws(() => createRefreshSession({ sessionId: randomBytes(16), key: { ...k, groupKey: keys[0]!.verifyingShares[1]! } }), isCode(ErrorCode.INVALID_PARAMETERS));
  });
  it('a secret share that does not match its verifying share is refused', () => {
    assert.throws(() => createRefreshSession({ sessionId: randomBytes(16), key: { ...keys[0]!, secretShare: keys[1]!.secretShare } }), isCode(ErrorCode.INVALID_PARAMETERS));
  });
  it('bad session ids are refused', () => {
    assert.throws(() => createRefreshSession({ sessionId: new Uint8Array(0), key: keys[0]! }), isCode(ErrorCode.INVALID_PARAMETERS));
    assert.throws(() => createRefreshSession({ sessionId: new Uint8Array(65), key: keys[0]! }), isCode(ErrorCode.INVALID_PARAMETERS));
  });
});
