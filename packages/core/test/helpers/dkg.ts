/**
 * Shared helpers for the DKG tests: running sessions over the in-memory network, asserting abort
 * outcomes, playing a misbehaving party, and signing a DKG output with noble's FROST.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { schnorr } from '@noble/curves/secp256k1.js';
import type { FrostPublic, FrostSecret, NonceCommitments } from '@noble/curves/abstract/frost.js';
import {
  createDkgSession,
  DKG_PROTOCOL_ID,
  dkgContext,
  Session,
  validateDkgParams,
  getSuite,
  lagrangeAtZero,
  randomBytes,
  type ErrorCode,
  type FrostScheme,
  type KeyShare,
  type PartyId,
  type Suite,
} from '../../src/index.js';
import { runNetwork, type NetworkOptions, type NetworkResult } from '../../src/testing/index.js';
import { buildRound1, DkgRound1 } from '../../src/protocols/dkg/round1.js';
import type { DkgState } from '../../src/protocols/dkg/state.js';
import { encodeRound2 } from '../../src/protocols/dkg/messages.js';
import { evalPolynomial, randomPolynomial } from '../../src/math/polynomial.js';

export const ALL_SCHEMES: readonly FrostScheme[] = ['frost-ed25519', 'frost-secp256k1', 'frost-p256', 'frost-secp256k1-tr'];

export const range = (n: number): PartyId[] => Array.from({ length: n }, (_, i) => i + 1);

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
export function unhex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** Uniform integer in [lo, hi] from the CSPRNG (test parameters only). */
export function randInt(lo: number, hi: number): number {
  const b = randomBytes(4);
  const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return lo + (v % (hi - lo + 1));
}

/** A random subset of `size` elements. */
export function randomSubset<T>(xs: readonly T[], size: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < size) out.push(pool.splice(randInt(0, pool.length - 1), 1)[0]!);
  return out;
}

export interface DkgRun {
  readonly scheme: FrostScheme;
  readonly threshold: number;
  readonly parties: readonly PartyId[];
  readonly sessionId: Uint8Array;
  readonly res: NetworkResult<KeyShare>;
}

export function makeSessions(scheme: FrostScheme, threshold: number, parties: readonly PartyId[], sessionId: Uint8Array): Session<KeyShare>[] {
  return parties.map((self) => createDkgSession({ scheme, sessionId, self, parties, threshold }));
}

/** Run a DKG over the in-memory network (faults optional). */
export function runDkg(
  scheme: FrostScheme,
  threshold: number,
  n: number,
  opts: NetworkOptions & { parties?: readonly PartyId[]; sessionId?: Uint8Array; replace?: ReadonlyMap<PartyId, Session<KeyShare>> } = {},
): DkgRun {
  const parties = opts.parties ?? range(n);
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions = makeSessions(scheme, threshold, parties, sessionId).map((s) => opts.replace?.get(s.self) ?? s);
  const res = runNetwork(sessions, opts);
  return { scheme, threshold, parties, sessionId, res };
}

/** Every session finished; return the results in party order. */
export function expectSuccess(run: DkgRun): KeyShare[] {
  for (const [p, s] of run.res.sessions) {
    assert.equal(s.state, 'done', `party ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
    assert.equal(s.error, undefined);
  }
  return run.parties.map((p) => run.res.results.get(p)!);
}

/**
 * Abort outcome: every party in `detectors` aborted with `code` naming `culprit`; every session
 * (detectors, other honest parties and the cheater alike) is aborted and has no result.
 */
export function expectAbort(run: DkgRun, code: ErrorCode, culprit: PartyId, detectors: readonly PartyId[]): void {
  assert.ok(detectors.length > 0);
  for (const d of detectors) {
    const s = run.res.sessions.get(d)!;
    assert.equal(s.state, 'aborted', `party ${d} should have aborted`);
    assert.equal(s.error?.code, code, `party ${d}: expected ${code}, got ${s.error?.code ?? 'nothing'} (${s.error?.message ?? ''})`);
    assert.ok(s.error.culprits.includes(culprit), `party ${d}: culprit ${culprit} not in [${s.error.culprits.join(', ')}]`);
  }
  expectNoOutput(run);
}

/** No session is done or holds a result; all of them aborted (none stalled). */
export function expectNoOutput(run: DkgRun): void {
  assert.equal(run.res.results.size, 0, 'no party may have a result');
  for (const [p, s] of run.res.sessions) {
    assert.equal(s.result, undefined, `party ${p} has a result`);
    assert.equal(s.state, 'aborted', `party ${p} is ${s.state}, expected aborted`);
    assert.ok(s.error !== undefined);
  }
  assert.deepEqual(run.res.stalled, []);
}

/** A misbehaving dealer: builds valid-looking messages from a polynomial of its choosing. */
export class CraftedDealer {
  readonly chainCode = randomBytes(32);
  readonly suite: Suite;
  constructor(
    readonly scheme: FrostScheme,
    readonly self: PartyId,
    readonly parties: readonly PartyId[],
    readonly threshold: number,
    readonly sessionId: Uint8Array,
    readonly coefficients: bigint[],
  ) {
    this.suite = getSuite(scheme);
  }
  static random(scheme: FrostScheme, self: PartyId, parties: readonly PartyId[], threshold: number, sessionId: Uint8Array, degree = threshold - 1): CraftedDealer {
    const suite = getSuite(scheme);
    return new CraftedDealer(scheme, self, parties, threshold, sessionId, randomPolynomial(suite, suite.randomScalar(), degree));
  }
  round1(context?: Uint8Array): Uint8Array {
    return buildRound1({
      suite: this.suite,
      context: context ?? dkgContext(this.scheme, this.sessionId, [...this.parties].sort((a, b) => a - b), this.threshold),
      sessionId: this.sessionId,
      self: this.self,
      coefficients: this.coefficients,
      chainCode: this.chainCode,
    }).payload;
  }
  round2(to: PartyId): Uint8Array {
    return encodeRound2(this.suite, evalPolynomial(this.suite, this.coefficients, BigInt(to)), this.chainCode);
  }
}

/**
 * A misbehaving party that runs our real round logic (so its echoes and later rounds are
 * self-consistent) but deals from a polynomial of the attacker's choice — possibly of the wrong
 * degree.
 */
export function maliciousSession(dealer: CraftedDealer): Session<KeyShare> {
  const cfg = validateDkgParams({ scheme: dealer.scheme, sessionId: dealer.sessionId, self: dealer.self, parties: dealer.parties, threshold: dealer.threshold });
  const coefficients = [...dealer.coefficients];
  const { payload, message } = buildRound1({ suite: cfg.suite, context: cfg.context, sessionId: cfg.sessionId, self: cfg.self, coefficients, chainCode: dealer.chainCode });
  const state: DkgState = { cfg, coefficients, chainCode: dealer.chainCode, round1: new Map([[cfg.self, message]]), ownShare: undefined };
  return new Session<KeyShare>({
    sessionId: cfg.sessionId,
    protocol: DKG_PROTOCOL_ID,
    self: cfg.self,
    parties: cfg.parties,
    start: () => ({ out: [{ to: 'all', payload }], next: new DkgRound1(state) }),
  });
}

/** Raw scalar bytes in the suite's endianness, without reduction (for out-of-range values). */
export function rawScalarBytes(suite: Suite, v: bigint): Uint8Array {
  const out = new Uint8Array(suite.scalarLength);
  for (let i = 0; i < out.length; i++) {
    const byte = Number((v >> BigInt(8 * i)) & 0xffn);
    if (suite.Fn.isLE) out[i] = byte;
    else out[out.length - 1 - i] = byte;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Signing a DKG output with noble's FROST (an implementation independent of ours).

function noblePublic(suite: Suite, keys: readonly KeyShare[]): FrostPublic {
  const k = keys[0]!;
  const verifyingShares: Record<string, Uint8Array> = {};
  for (const p of k.parties) verifyingShares[suite.frost.Identifier.fromNumber(p)] = k.verifyingShares[p]!;
  // noble (like frost-rs) insists on min ≥ 2; a 1-of-n key (constant polynomial) signs correctly
  // with any ≥ 2 signers since the Lagrange weights sum to 1.
  return { signers: { min: Math.max(2, k.threshold), max: Math.max(2, k.parties.length) }, commitments: [k.groupKey], verifyingShares } as FrostPublic;
}

function nobleSecret(suite: Suite, key: KeyShare): FrostSecret {
  return { identifier: suite.frost.Identifier.fromNumber(key.self), signingShare: key.secretShare } as FrostSecret;
}

/** RFC 9591 two-round signing with noble, signer set = `signers`. Returns the aggregate signature. */
export function signWithNoble(keys: readonly KeyShare[], signers: readonly PartyId[], msg: Uint8Array): Uint8Array {
  const suite = getSuite(keys[0]!.scheme);
  const byParty = new Map(keys.map((k) => [k.self, k]));
  if (signers.length === 1) {
    // A single signer (1-of-n): its share is the whole key; noble's single-key signer.
    assert.equal(keys[0]!.threshold, 1);
    return suite.frost.sign(msg, byParty.get(signers[0]!)!.secretShare);
  }
  const pub = noblePublic(suite, keys);
  const round1 = signers.map((p) => ({ p, ...suite.frost.commit(nobleSecret(suite, byParty.get(p)!)) }));
  const list: NonceCommitments[] = round1.map((r) => r.commitments);
  const shares: Record<string, Uint8Array> = {};
  for (const r of round1) {
    const secret = nobleSecret(suite, byParty.get(r.p)!);
    const share = suite.frost.signShare(secret, pub, r.nonces, list, msg);
    assert.ok(suite.frost.verifyShare(pub, list, msg, secret.identifier, share), `share of ${r.p} verifies`);
    shares[secret.identifier] = share;
  }
  return suite.frost.aggregate(pub, list, msg, shares);
}

/**
 * Verify with a verifier that is not our code and not noble's FROST module where possible:
 * node:crypto (OpenSSL) for Ed25519, noble's BIP340 `schnorr.verify` for Taproot (x-only key),
 * noble FROST's single-key verify for secp256k1 / P-256 (no other verifier exists for those).
 */
export function verifyIndependently(key: KeyShare, sig: Uint8Array, msg: Uint8Array): boolean {
  switch (key.scheme) {
    case 'frost-ed25519': {
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key.publicKey)]);
      return nodeVerify(null, msg, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);
    }
    case 'frost-secp256k1-tr':
      assert.equal(key.publicKey.length, 32);
      assert.equal(sig.length, 64);
      return schnorr.verify(sig, msg, key.publicKey);
    default:
      return getSuite(key.scheme).frost.verify(sig, msg, key.publicKey);
  }
}

/** Σ λ_j·s_j over the given shares (Lagrange interpolation at 0). */
export function combineSecret(keys: readonly KeyShare[]): bigint {
  const suite = getSuite(keys[0]!.scheme);
  const set = keys.map((k) => k.self);
  let s = 0n;
  for (const k of keys) s = suite.Fn.add(s, suite.Fn.mul(lagrangeAtZero(suite, k.self, set), suite.decodeScalar(k.secretShare)));
  return s;
}
