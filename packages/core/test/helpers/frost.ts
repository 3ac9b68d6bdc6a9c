/**
 * Test helpers for FROST signing: a trusted dealer (RFC 9591 Appendix C) that builds KeyShare
 * objects like the DKG does, independent verifiers, noble-FROST package conversion, a recording
 * RNG, and session runners over the in-memory network.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { schnorr } from '@noble/curves/secp256k1.js';
import type { FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import {
  createFrostSignSession,
  getSuite,
  randomBytes,
  type ErrorCode,
  type FrostScheme,
  type Scheme,
  type FrostSignResult,
  type KeyShare,
  type PartyId,
  type Session,
  type Suite,
} from '../../src/index.js';
import { evalPolynomial, randomPolynomial } from '../../src/math/polynomial.js';
import { runNetwork, type NetworkOptions, type NetworkResult } from '../../src/testing/index.js';

export const SCHEMES: readonly FrostScheme[] = ['frost-ed25519', 'frost-secp256k1', 'frost-p256', 'frost-secp256k1-tr'];

export const range = (n: number): PartyId[] => Array.from({ length: n }, (_, i) => i + 1);
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Uniform integer in [lo, hi] from the CSPRNG (test parameters only). */
export function randInt(lo: number, hi: number): number {
  const b = randomBytes(4);
  const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return lo + (v % (hi - lo + 1));
}

/** A random subset of `size` elements, sorted ascending. */
export function randomSubset(xs: readonly number[], size: number): number[] {
  const pool = [...xs];
  const out: number[] = [];
  while (out.length < size) out.push(pool.splice(randInt(0, pool.length - 1), 1)[0]!);
  return out.sort((a, b) => a - b);
}

export interface DealOptions {
  /** Party identifiers (default 1..n). */
  readonly parties?: readonly PartyId[];
  /** Group secret s (default random). */
  readonly secret?: bigint;
  /** Coefficients a_1..a_{k-1} (default random). */
  readonly coefficients?: readonly bigint[];
  /** Apply `suite.adjustDkgKey` like the DKG (default true; only Taproot changes). */
  readonly adjust?: boolean;
}

/**
 * RFC 9591 Appendix C trusted dealer: f(x) = s + a_1·x + … + a_{k−1}·x^{k−1}, s_i = f(i),
 * Y_i = s_i·G, PK = s·G. For Taproot, `suite.adjustDkgKey` is applied exactly as the DKG does
 * (negate if PK has odd y, then add the TapTweak t to every share and t·G to every point).
 */
export function dealKeyShares(scheme: FrostScheme, threshold: number, n: number, opts: DealOptions = {}): KeyShare[] {
  const suite = getSuite(scheme);
  const Fn = suite.Fn;
  const parties = [...(opts.parties ?? range(n))].sort((a, b) => a - b);
  assert.equal(parties.length, n);
  const coeffs = opts.coefficients
    ? [opts.secret ?? suite.randomScalar(), ...opts.coefficients]
    : randomPolynomial(suite, opts.secret ?? suite.randomScalar(), threshold - 1);
  assert.equal(coeffs.length, threshold);
  let secrets = parties.map((p) => evalPolynomial(suite, coeffs, BigInt(p)));
  let groupSecret = coeffs[0]!;
  if (opts.adjust !== false) {
    const { negate, tweak } = suite.adjustDkgKey(suite.G.multiply(groupSecret));
    if (negate) {
      secrets = secrets.map((s) => Fn.neg(s));
      groupSecret = Fn.neg(groupSecret);
    }
    secrets = secrets.map((s) => Fn.add(s, tweak));
    groupSecret = Fn.add(groupSecret, tweak);
  }
  const PK = suite.G.multiply(groupSecret);
  const verifyingShares: Record<PartyId, Uint8Array> = {};
  parties.forEach((p, i) => (verifyingShares[p] = suite.encodePoint(suite.G.multiply(secrets[i]!))));
  const chainCode = randomBytes(32);
  return parties.map((self, i) => ({
    scheme,
    threshold,
    parties,
    self,
    secretShare: suite.encodeScalar(secrets[i]!),
    groupKey: suite.encodePoint(PK),
    publicKey: suite.encodePublicKey(PK),
    verifyingShares,
    chainCode,
  }));
}

/**
 * Verify with a verifier that is neither our code nor our suite adapter: node:crypto (OpenSSL)
 * for Ed25519, noble's BIP340 `schnorr.verify` for Taproot, noble FROST's verify for secp256k1 /
 * P-256 (no other verifier exists for those signature formats).
 */
export function verifyIndependently(scheme: Scheme, sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array): boolean {
  switch (scheme) {
    case 'frost-ed25519': {
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
      return nodeVerify(null, msg, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);
    }
    case 'frost-secp256k1-tr':
      return schnorr.verify(sig, msg, publicKey);
    default:
      return getSuite(scheme).frost.verify(sig, msg, publicKey);
  }
}

/** noble's public package for a set of key shares. */
export function noblePublic(suite: Suite, k: KeyShare): FrostPublic {
  const verifyingShares: Record<string, Uint8Array> = {};
  for (const p of k.parties) verifyingShares[suite.frost.Identifier.fromNumber(p)] = k.verifyingShares[p]!;
  return { signers: { min: Math.max(2, k.threshold), max: Math.max(2, k.parties.length) }, commitments: [k.groupKey], verifyingShares } as FrostPublic;
}

export function nobleSecret(suite: Suite, k: KeyShare): FrostSecret {
  return { identifier: suite.frost.Identifier.fromNumber(k.self), signingShare: k.secretShare } as FrostSecret;
}

/** An RNG that serves pre-drawn byte strings in order (and records nothing else). */
export function replayRng(chunks: readonly Uint8Array[]): (n?: number) => Uint8Array<ArrayBuffer> {
  const queue = chunks.map((c) => c.slice());
  return (n) => {
    const c = queue.shift();
    assert.ok(c !== undefined, 'replay RNG exhausted');
    assert.equal(c.length, n);
    return c;
  };
}

// ---------------------------------------------------------------------------------------------
// Sessions over the in-memory network.

export interface SignRun {
  readonly keys: readonly KeyShare[];
  readonly signers: readonly PartyId[];
  readonly message: Uint8Array;
  readonly res: NetworkResult<FrostSignResult>;
}

export interface SignRunOptions extends NetworkOptions {
  readonly sessionId?: Uint8Array;
  /** Per-party message override (a misconfigured or lied-to signer). */
  readonly messageFor?: Readonly<Record<PartyId, Uint8Array>>;
  /** Per-party signer-set override. */
  readonly signersFor?: Readonly<Record<PartyId, readonly PartyId[]>>;
}

/** One session per signer, run over the in-memory network. */
export function runSign(keys: readonly KeyShare[], signers: readonly PartyId[], message: Uint8Array, opts: SignRunOptions = {}): SignRun {
  const sessionId = opts.sessionId ?? randomBytes(16);
  const byParty = new Map(keys.map((k) => [k.self, k]));
  const sessions: Session<FrostSignResult>[] = signers.map((self) =>
    createFrostSignSession({
      sessionId,
      key: byParty.get(self)!,
      signers: opts.signersFor?.[self] ?? signers,
      message: opts.messageFor?.[self] ?? message,
    }),
  );
  return { keys, signers, message, res: runNetwork(sessions, opts) };
}

/** Every session finished with the same signature, which verifies independently. */
export function expectSigned(run: SignRun): Uint8Array {
  const scheme = run.keys[0]!.scheme;
  let sig: Uint8Array | undefined;
  for (const p of run.signers) {
    const s = run.res.sessions.get(p)!;
    assert.equal(s.state, 'done', `party ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
    const r = s.result!;
    assert.deepEqual(r.signers, run.signers);
    assert.deepEqual(r.publicKey, run.keys[0]!.publicKey);
    if (sig === undefined) sig = r.signature;
    else assert.deepEqual(r.signature, sig, 'all signers output the same signature');
  }
  assert.ok(sig !== undefined);
  assert.equal(sig.length, getSuite(scheme).signatureLength);
  assert.ok(verifyIndependently(scheme, sig, run.message, run.keys[0]!.publicKey), 'signature verifies independently');
  return sig;
}

/**
 * Every party in `detectors` aborted with `code`, naming exactly `culprits`; every other session
 * listed in `aborted` aborted too (code not checked: SESSION_ABORTED or its own detection).
 */
export function expectAbort(run: SignRun, code: ErrorCode, culprits: readonly PartyId[], detectors: readonly PartyId[]): void {
  assert.ok(detectors.length > 0);
  for (const d of detectors) {
    const s = run.res.sessions.get(d)!;
    assert.equal(s.state, 'aborted', `party ${d} should have aborted`);
    assert.equal(s.error?.code, code, `party ${d}: expected ${code}, got ${s.error?.code ?? 'nothing'} (${s.error?.message ?? ''})`);
    assert.deepEqual([...s.error.culprits].sort((a, b) => a - b), [...culprits].sort((a, b) => a - b), `party ${d}: culprits`);
    assert.equal(s.result, undefined);
  }
}

/** Every session aborted and none has a result (none stalled). */
export function expectAllAborted(run: SignRun): void {
  assert.equal(run.res.results.size, 0, 'no party may have a result');
  assert.deepEqual(run.res.stalled, []);
  for (const [p, s] of run.res.sessions) {
    assert.equal(s.state, 'aborted', `party ${p} is ${s.state}, expected aborted`);
    assert.equal(s.result, undefined, `party ${p} has a result`);
    assert.ok(s.error !== undefined);
  }
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
