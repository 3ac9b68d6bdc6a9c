/**
 * Negative tests for `reshare/v1`: one per check of protocols.md §4.4 (E_j[0] = λ_j·Y_j,
 * commitment count = new k, shares against commitments, PK' = PK, same view, same key version and
 * parameters) and the parameter checks. Every bad message goes through the in-memory network and
 * the real wire codec; each test asserts the detectors' code and culprits and that no session
 * (honest or not) holds a result.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createReshareSession,
  ErrorCode,
  getSuite,
  lagrangeAtZero,
  publicPackage,
  randomBytes,
  RESHARE_PROTOCOL_ID,
  Session,
  validateReshareParams,
  type ErrorCode as Code,
  type FrostScheme,
  type KeyShare,
  type PartyId,
  type PublicKeyPackage,
  type ReshareParams,
  type ReshareResult,
  type Scheme,
} from '../src/index.js';
import { commitPolynomial, evalPolynomial, randomPolynomial } from '../src/math/polynomial.js';
import { startReshare } from '../src/protocols/reshare/round1.js';
import type { ReshareConfig } from '../src/protocols/reshare/params.js';
import { delay, runDkgLocally, runNetwork, tamperPayload, type InFlight, type NetworkOptions, type NetworkResult } from '../src/testing/index.js';
import { badPoints } from './helpers/dkg-bad-points.js';

const SCHEMES: readonly FrostScheme[] = ['frost-ed25519', 'frost-secp256k1', 'frost-p256', 'frost-secp256k1-tr'];
/** 2-of-3 → 3-of-5, dealers {1, 2}; 2 is the cheating dealer, 5 a newcomer. */
const DEALERS: PartyId[] = [1, 2];
const NEW: PartyId[] = [1, 2, 3, 4, 5];
const NEW_K = 3;
const CHEATER = 2;
const OTHERS = [1, 3, 4, 5];
const POINTS_OFFSET = 32 + 32 + 2;

const KEYS = new Map<Scheme, KeyShare[]>();
function keysFor(scheme: Scheme): KeyShare[] {
  let k = KEYS.get(scheme);
  if (k === undefined) KEYS.set(scheme, (k = runDkgLocally(scheme, 2, 3)));
  return k;
}

interface RunOptions extends NetworkOptions {
  /** The cheater deals from this polynomial. */
  readonly polynomial?: (cfg: ReshareConfig) => bigint[];
  /** Per-party parameter overrides. */
  readonly paramsFor?: Readonly<Record<PartyId, Partial<ReshareParams>>>;
  /** Per-party config overrides (exercise checks that valid parameters make unreachable). */
  readonly configFor?: (cfg: ReshareConfig) => ReshareConfig;
}

function run(keys: readonly KeyShare[], opts: RunOptions = {}): NetworkResult<ReshareResult> {
  const sessionId = randomBytes(16);
  const oldPackage = publicPackage(keys[0]!);
  const byParty = new Map(keys.map((k) => [k.self, k]));
  const players = [...new Set([...DEALERS, ...NEW])].sort((a, b) => a - b);
  const sessions = players.map((self) => {
    const params: ReshareParams = {
      sessionId,
      self,
      oldParties: DEALERS,
      newParties: NEW,
      newThreshold: NEW_K,
      ...(DEALERS.includes(self) ? { oldKey: byParty.get(self)! } : {}),
      oldPackage,
      ...opts.paramsFor?.[self],
    };
    const poly = self === CHEATER ? opts.polynomial : undefined;
    if (poly === undefined && opts.configFor === undefined) return createReshareSession(params);
    let cfg = validateReshareParams(params);
    if (opts.configFor) cfg = opts.configFor(cfg);
    const c = cfg;
    return new Session<ReshareResult>({ sessionId, protocol: RESHARE_PROTOCOL_ID, self, parties: c.sessionParties, start: () => startReshare(c, poly?.(c)) });
  });
  return runNetwork(sessions, opts);
}

function expectNoOutput(res: NetworkResult<ReshareResult>): void {
  assert.equal(res.results.size, 0, 'no party may have a result');
  assert.deepEqual(res.stalled, []);
  for (const [p, s] of res.sessions) {
    assert.equal(s.state, 'aborted', `party ${p} is ${s.state}`);
    assert.equal(s.result, undefined);
  }
}

function expectAbort(res: NetworkResult<ReshareResult>, code: Code, culprits: readonly PartyId[], detectors: readonly PartyId[]): void {
  for (const d of detectors) {
    const s = res.sessions.get(d)!;
    assert.equal(s.state, 'aborted', `party ${d} should have aborted`);
    assert.equal(s.error?.code, code, `party ${d}: expected ${code}, got ${s.error?.code ?? 'nothing'} (${s.error?.message ?? ''})`);
    assert.deepEqual([...s.error.culprits].sort((a, b) => a - b), [...culprits], `party ${d}: culprits`);
  }
  expectNoOutput(res);
}

/** The cheater's honest additive share w = λ_2^S·s_2 (what it should commit to). */
function cheaterW(cfg: ReshareConfig): bigint {
  const suite = cfg.suite;
  return suite.Fn.mul(lagrangeAtZero(suite, CHEATER, DEALERS), suite.decodeScalar(cfg.oldKey!.secretShare));
}
const randomTail = (cfg: ReshareConfig, n: number) => Array.from({ length: n }, () => cfg.suite.randomScalar());

const broadcastFrom = (p: PartyId, round: number) => (m: InFlight) => m.from === p && m.env.round === round && m.env.kind === 'broadcast';
const directFrom = (p: PartyId, to: PartyId) => (m: InFlight) => m.from === p && m.to === to && m.env.kind === 'direct';

describe('reshare/v1: E_j[0] == λ_j·Y_j (the secret cannot change)', () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: a dealer sharing w_j + 1 (consistently) → INVALID_RESHARE_COMMITMENT naming it, at every other player`, () => {
      const res = run(keysFor(scheme), { polynomial: (cfg) => [cfg.suite.Fn.add(cheaterW(cfg), 1n), ...randomTail(cfg, NEW_K - 1)] });
      expectAbort(res, ErrorCode.INVALID_RESHARE_COMMITMENT, [CHEATER], OTHERS);
    });
  }

  it('a dealer sharing its whole s_j instead of λ_j·s_j → INVALID_RESHARE_COMMITMENT', () => {
    const res = run(keysFor('frost-secp256k1'), { polynomial: (cfg) => [cfg.suite.decodeScalar(cfg.oldKey!.secretShare), ...randomTail(cfg, NEW_K - 1)] });
    expectAbort(res, ErrorCode.INVALID_RESHARE_COMMITMENT, [CHEATER], OTHERS);
  });
});

describe('reshare/v1: commitment count = new k (D2)', () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: k' + 1 points (raising the threshold) and k' − 1 points (lowering it) → INVALID_COMMITMENT_LENGTH`, () => {
      for (const extra of [1, -1]) {
        const res = run(keysFor(scheme), { polynomial: (cfg) => [cheaterW(cfg), ...randomTail(cfg, NEW_K - 1 + extra)] });
        expectAbort(res, ErrorCode.INVALID_COMMITMENT_LENGTH, [CHEATER], OTHERS);
      }
    });
  }
});

describe('reshare/v1: new shares against the dealer commitments (D3)', () => {
  for (const scheme of SCHEMES) {
    const suite = getSuite(scheme);
    it(`${scheme}: a bad share to a newcomer → INVALID_SHARE at the newcomer, naming the dealer`, () => {
      const res = run(keysFor(scheme), { faults: [tamperPayload(directFrom(CHEATER, 5), (pl) => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(pl), 1n)))] });
      expectAbort(res, ErrorCode.INVALID_SHARE, [CHEATER], [5]);
    });
  }

  it('bad shares from both dealers → both named', () => {
    const suite = getSuite('frost-p256');
    const bump = (pl: Uint8Array) => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(pl), 1n));
    const res = run(keysFor('frost-p256'), { faults: [tamperPayload(directFrom(1, 4), bump), tamperPayload(directFrom(2, 4), bump)] });
    expectAbort(res, ErrorCode.INVALID_SHARE, [1, 2], [4]);
  });

  it('C1: bad commitment point encodings → INVALID_POINT naming the dealer', () => {
    for (const scheme of SCHEMES) {
      const suite = getSuite(scheme);
      for (const bad of badPoints(scheme)) {
        const off = POINTS_OFFSET + suite.pointLength; // E_j[1]
        const res = run(keysFor(scheme), { faults: [tamperPayload(broadcastFrom(CHEATER, 1), (pl) => Uint8Array.from([...pl.subarray(0, off), ...bad.bytes, ...pl.subarray(off + suite.pointLength)]))] });
        expectAbort(res, ErrorCode.INVALID_POINT, [CHEATER], OTHERS);
      }
    }
  });
});

describe('reshare/v1: PK\' == PK and the same public output everywhere', () => {
  it('PK\' ≠ PK (check exercised with a wrong expected group key at every player) → INVALID_GROUP_KEY, nobody blamed', () => {
    const suite = getSuite('frost-ed25519');
    const wrong = suite.G.multiply(suite.randomScalar());
    const res = run(keysFor('frost-ed25519'), { configFor: (cfg) => ({ ...cfg, groupKey: wrong }) });
    expectAbort(res, ErrorCode.INVALID_GROUP_KEY, [], [1, 2, 3, 4, 5]);
  });

  for (const scheme of SCHEMES) {
    it(`${scheme}: a different confirmation → PUBLIC_OUTPUT_MISMATCH naming the sender`, () => {
      const late = delay((m: InFlight) => m.to === 5 && m.env.round === 2 && m.env.kind === 'broadcast', 100);
      const res = run(keysFor(scheme), { faults: [tamperPayload(broadcastFrom(5, 2), (pl) => Uint8Array.from(pl, (b, i) => (i === 31 ? b ^ 0x80 : b))), late] });
      expectAbort(res, ErrorCode.PUBLIC_OUTPUT_MISMATCH, [5], [1, 2, 3, 4]);
    });
  }

  for (const scheme of SCHEMES) {
    it(`${scheme}: A3: a dealer equivocating with two valid dealings (same E_j[0] = λ_j·Y_j, the victim's share matches) → ECHO_MISMATCH naming it`, () => {
      const keys = keysFor(scheme);
      const suite = getSuite(scheme);
      const VICTIM = 4;
      // A second, fully consistent dealing of the cheater's w_2 for the victim only: E'_2 (it
      // passes E'[0] = λ_2·Y_2, D2 and C1) in its broadcast and the matching h'_2(4) as its direct
      // message. Every round-1 check passes at the victim; only the echo comparison (A3) is left.
      const w = suite.Fn.mul(lagrangeAtZero(suite, CHEATER, DEALERS), suite.decodeScalar(keys[CHEATER - 1]!.secretShare));
      const alt = randomPolynomial(suite, w, NEW_K - 1);
      const altPoints = commitPolynomial(suite, alt).map((P) => suite.encodePoint(P));
      const altShare = suite.encodeScalar(evalPolynomial(suite, alt, BigInt(VICTIM)));
      const res = run(keys, {
        faults: [
          tamperPayload((m) => broadcastFrom(CHEATER, 1)(m) && m.to === VICTIM, (pl) => Uint8Array.from([...pl.subarray(0, POINTS_OFFSET), ...altPoints.flatMap((b) => [...b])])),
          tamperPayload(directFrom(CHEATER, VICTIM), () => altShare),
        ],
      });
      // The honest players compare the victim's echo with their own view of the cheater's
      // broadcast; they cannot tell which of the two lied, so both are named.
      expectAbort(res, ErrorCode.ECHO_MISMATCH, [CHEATER, VICTIM], [1, 3, 5]);
      const s4 = res.sessions.get(VICTIM)!;
      assert.equal(s4.error?.code, ErrorCode.ECHO_MISMATCH, `victim: ${s4.error?.code ?? 'nothing'} (${s4.error?.message ?? ''})`);
      assert.ok(s4.error.culprits.includes(CHEATER), `victim culprits ${s4.error.culprits.join(',')}`);
    });
  }

  it('D3: a commitment point altered for one receiver only (its share no longer matches) → INVALID_SHARE at that receiver, naming the dealer', () => {
    const suite = getSuite('frost-secp256k1');
    const other = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    const off = POINTS_OFFSET + suite.pointLength;
    const res = run(keysFor('frost-secp256k1'), { faults: [tamperPayload((m) => broadcastFrom(CHEATER, 1)(m) && m.to === 4, (pl) => Uint8Array.from([...pl.subarray(0, off), ...other, ...pl.subarray(off + 33)]))] });
    expectAbort(res, ErrorCode.INVALID_SHARE, [CHEATER], [4]);
  });
});

describe('reshare/v1: same key version and parameters', () => {
  it('EPOCH_MISMATCH: a newcomer given another version of the old package aborts before checking anything else', () => {
    const keys = keysFor('frost-secp256k1-tr');
    const stale: PublicKeyPackage = { ...publicPackage(keys[0]!), epoch: { counter: 3, id: randomBytes(32) } };
    const res = run(keys, { paramsFor: { 5: { oldPackage: stale } } });
    const s5 = res.sessions.get(5)!;
    assert.equal(s5.error?.code, ErrorCode.EPOCH_MISMATCH);
    assert.equal(s5.error.culprits.length, 1);
    assert.ok(DEALERS.includes(s5.error.culprits[0]!));
    expectNoOutput(res);
  });

  it('EPOCH_MISMATCH: a dealer holding another version of the key is named by everyone else', () => {
    const keys = keysFor('frost-ed25519');
    const other = { ...keys[CHEATER - 1]!, epoch: { counter: 1, id: randomBytes(32) } };
    const res = run(keys, { paramsFor: { [CHEATER]: { oldKey: other, oldPackage: publicPackage(other) } } });
    expectAbort(res, ErrorCode.EPOCH_MISMATCH, [CHEATER], OTHERS);
  });

  it('PARAMETER_MISMATCH: a player told another new threshold', () => {
    const res = run(keysFor('frost-p256'), { paramsFor: { 5: { newThreshold: 2 } } });
    const s5 = res.sessions.get(5)!;
    assert.equal(s5.error?.code, ErrorCode.PARAMETER_MISMATCH);
    assert.ok(DEALERS.includes(s5.error.culprits[0]!));
    expectNoOutput(res);
  });
});

describe('reshare/v1: parameters (checked before any message)', () => {
  const keys = keysFor('frost-secp256k1');
  const pkg = publicPackage(keys[0]!);
  const base: ReshareParams = { sessionId: randomBytes(16), self: 1, oldParties: [1, 2], newParties: [1, 2, 3], newThreshold: 2, oldKey: keys[0]!, oldPackage: pkg };
  const refused = (p: Partial<ReshareParams>, code: Code = ErrorCode.INVALID_PARAMETERS) =>
    assert.throws(() => createReshareSession({ ...base, ...p }), (e: unknown) => (e as { code?: string }).code === code);
  it('fewer dealers than the old threshold, or a dealer without a share of the key', () => {
    refused({ oldParties: [1] });
    refused({ oldParties: [1, 4] });
  });
  it('a dealer without its oldKey, a newcomer without the package, oldKey/oldPackage of different versions', () => {
    refused({ oldKey: undefined });
    refused({ self: 4, oldKey: undefined, oldPackage: undefined, newParties: [1, 2, 4] });
    refused({ oldPackage: { ...pkg, epoch: { counter: 1, id: randomBytes(32) } } });
    refused({ oldKey: { ...keys[0]!, secretShare: keys[1]!.secretShare } });
  });
  it('self in neither set; bad new committee or threshold', () => {
    refused({ self: 9, oldKey: undefined });
    refused({ newThreshold: 4 });
    refused({ newThreshold: 0 });
    refused({ newParties: [1, 1, 2] }, ErrorCode.INVALID_IDENTIFIER);
    refused({ newParties: [0, 1, 2] }, ErrorCode.INVALID_IDENTIFIER);
    refused({ newParties: [1, 2, 70000] }, ErrorCode.INVALID_IDENTIFIER);
  });
  it('bad session ids and more than 64 new parties (checks shared with the DKG, same codes and messages)', () => {
    for (const sessionId of [new Uint8Array(0), new Uint8Array(65)])
      assert.throws(() => createReshareSession({ ...base, sessionId }), (e: unknown) => (e as { code?: string }).code === ErrorCode.INVALID_PARAMETERS && /^invalid reshare parameters: session id must be 1\.\.64 bytes$/.test((e as Error).message));
    const many = Array.from({ length: 65 }, (_, i) => i + 1);
    assert.throws(() => createReshareSession({ ...base, newParties: many }), (e: unknown) => (e as { code?: string }).code === ErrorCode.INVALID_PARAMETERS && /number of new parties must be in \[1, 64\]/.test((e as Error).message));
  });
  it('oldKey given with oldPackage: the same version is accepted, a malformed oldKey is refused', () => {
    assert.equal(createReshareSession(base).state, 'idle');
    const { [2]: _dropped, ...vs } = keys[0]!.verifyingShares;
    refused({ oldKey: { ...keys[0]!, verifyingShares: vs } });
    refused({ oldKey: { ...keys[0]!, parties: 'x' as unknown as PartyId[] } });
  });
  it('an old package whose verifying shares are inconsistent with the group key', () => {
    const vs = { ...pkg.verifyingShares, 3: pkg.verifyingShares[2]! };
    refused({ oldKey: undefined, self: 4, newParties: [1, 2, 4], oldPackage: { ...pkg, verifyingShares: vs } });
  });
});
