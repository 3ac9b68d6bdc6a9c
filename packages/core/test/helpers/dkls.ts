/**
 * Shared helpers for the DKLs23 tests: fast test keys (Shamir shares from the DKG plus a dealt
 * OT setup), real key generation, signing runs over the in-memory network, independent
 * verification (OpenSSL via node:crypto, noble) and outcome assertions.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  createDklsKeygenSession,
  createDklsSignSession,
  makeDklsKeyShare,
  randomBytes,
  type DklsKeyShare,
  type DklsPeerSetup,
  type DklsPrimitives,
  type EcdsaScheme,
  type EcdsaSignature,
  type ErrorCode,
  type OtSessionGuard,
  type PartyId,
  type Session,
} from '../../src/index.js';
import { runDkgLocally, runNetwork, type NetworkOptions, type NetworkResult } from '../../src/testing/index.js';
import { nodeDklsPrimitives } from '../../src/node/index.js';

export const ECDSA: readonly EcdsaScheme[] = ['ecdsa-secp256k1', 'ecdsa-p256'];
export const NOBLE = { 'ecdsa-secp256k1': secp256k1, 'ecdsa-p256': p256 } as const;
export const NODE = nodeDklsPrimitives;

export const range = (n: number): PartyId[] => Array.from({ length: n }, (_, i) => i + 1);

import { randInt, randomSubset } from './frost.js';

export { randInt, randomSubset };

/**
 * A dealt base-OT result for one ordered pair (sender a → receiver b), with the relations the
 * real base OTs produce: a keeps both seed vectors (s0, s1), b keeps its choice bits Δ and
 * s_Δ = (s^{Δ_l}_l)_l (256 seeds of 32 bytes).
 */
export function dealSetup(): { s0: Uint8Array; s1: Uint8Array; delta: Uint8Array; sd: Uint8Array } {
  const s0 = randomBytes(8192);
  const s1 = randomBytes(8192);
  const delta = randomBytes(32);
  const sd = new Uint8Array(8192);
  for (let l = 0; l < 256; l++) sd.set(((delta[l >> 3]! >> (l & 7)) & 1 ? s1 : s0).subarray(32 * l, 32 * l + 32), 32 * l);
  return { s0, s1, delta, sd };
}

/**
 * Test keys without running the base OTs (a few ms instead of ~0.4 s per ordered pair): Shamir
 * shares from the real DKG, and for every ordered pair a dealt OT setup with exactly the
 * relations key generation produces (receiver seeds k^{Δ_l}_l of the sender's pair). The real
 * key generation is tested separately (dkls23-keygen.test.ts).
 */
export function dealtKeys(scheme: EcdsaScheme, threshold: number, n: number): DklsKeyShare[] {
  const shares = runDkgLocally(scheme, threshold, n);
  const parties = range(n);
  const setups = new Map<string, DklsPeerSetup>();
  for (const i of parties)
    for (const j of parties) {
      if (i >= j) continue;
      const setupId = randomBytes(32);
      const zeroSeed = randomBytes(32);
      const ij = dealSetup(); // i sender (i is later Bob), j receiver (Alice)
      const ji = dealSetup();
      setups.set(`${i}:${j}`, { setupId, seeds0: ij.s0, seeds1: ij.s1, delta: ji.delta, seedsDelta: ji.sd, zeroSeed });
      setups.set(`${j}:${i}`, { setupId, seeds0: ji.s0, seeds1: ji.s1, delta: ij.delta, seedsDelta: ij.sd, zeroSeed });
    }
  return shares.map((s) => {
    const ot: Record<PartyId, DklsPeerSetup> = {};
    for (const j of parties) if (j !== s.self) ot[j] = setups.get(`${s.self}:${j}`)!;
    return makeDklsKeyShare(s, ot);
  });
}

/** Real key generation over the in-memory network. */
export function runKeygen(
  scheme: EcdsaScheme,
  threshold: number,
  n: number,
  opts: NetworkOptions & { primitives?: DklsPrimitives; sessionId?: Uint8Array; replace?: ReadonlyMap<PartyId, Session<DklsKeyShare>> } = {},
): NetworkResult<DklsKeyShare> {
  const parties = range(n);
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions = parties.map((self) => opts.replace?.get(self) ?? createDklsKeygenSession({ sessionId, scheme, self, parties, threshold, primitives: opts.primitives ?? NODE }));
  return runNetwork(sessions, opts);
}

export interface SignRun {
  readonly scheme: EcdsaScheme;
  readonly signers: readonly PartyId[];
  readonly message: Uint8Array;
  readonly tweak: bigint;
  readonly groupKey: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly res: NetworkResult<EcdsaSignature>;
}

export interface SignOptions extends NetworkOptions {
  message?: Uint8Array;
  tweak?: bigint;
  sessionId?: Uint8Array;
  /** Primitives per party (default: node for odd ids, noble for even — both must interoperate). */
  primitives?: (p: PartyId) => DklsPrimitives | undefined;
  guard?: (p: PartyId) => OtSessionGuard | undefined;
  /** Per-party overrides of the signer set / message (misconfiguration tests). */
  signersFor?: Record<PartyId, readonly PartyId[]>;
  messageFor?: Record<PartyId, Uint8Array>;
  /** Replace a party's session (a misbehaving party). */
  replace?: ReadonlyMap<PartyId, Session<EcdsaSignature>>;
}

/** keys[p − 1] is party p's key. */
export function sign(keys: readonly DklsKeyShare[], signers: readonly PartyId[], opts: SignOptions = {}): SignRun {
  const message = opts.message ?? randomBytes(randInt(0, 80));
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions = signers.map(
    (p) =>
      opts.replace?.get(p) ??
      createDklsSignSession({
        sessionId,
        key: keys[p - 1]!,
        signers: opts.signersFor?.[p] ?? signers,
        message: opts.messageFor?.[p] ?? message,
        tweak: opts.tweak,
        primitives: opts.primitives ? opts.primitives(p) : p % 2 === 1 ? NODE : undefined,
        otSessionGuard: opts.guard?.(p),
      }),
  );
  return { scheme: keys[0]!.scheme, signers, message, tweak: opts.tweak ?? 0n, groupKey: keys[0]!.groupKey, sessionId, res: runNetwork(sessions, opts) };
}

/** SubjectPublicKeyInfo DER of a SEC1 point on the scheme's curve. */
export function spki(scheme: EcdsaScheme, point: Uint8Array): Buffer {
  const alg = scheme === 'ecdsa-secp256k1' ? '301006072a8648ce3d020106052b8104000a' : '301306072a8648ce3d020106082a8648ce3d030107';
  const bitString = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
  const body = Buffer.concat([Buffer.from(alg, 'hex'), bitString]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/**
 * Every signer finished with the same signature; it verifies with OpenSSL (P1363 and DER, key
 * compressed and uncompressed) and noble (low-s) under y + ε·G computed independently; the
 * recovery id recovers that key.
 */
export function expectSigned(run: SignRun): EcdsaSignature {
  let sig: EcdsaSignature | undefined;
  for (const p of run.signers) {
    const s = run.res.sessions.get(p)!;
    assert.equal(s.state, 'done', `party ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
    if (sig === undefined) sig = s.result!;
    else assert.deepEqual(s.result, sig, 'every signer outputs the same signature');
  }
  assert.ok(sig !== undefined);
  const curve = NOBLE[run.scheme];
  const Y = curve.Point.fromBytes(run.groupKey);
  const expected = run.tweak === 0n ? Y : Y.add(curve.Point.BASE.multiply(run.tweak));
  assert.deepEqual(sig.publicKey, expected.toBytes(true), 'publicKey = y + ε·G');
  assert.equal(sig.signature.length, 64);
  for (const pt of [sig.publicKey, expected.toBytes(false)]) {
    const key = createPublicKey({ key: spki(run.scheme, pt), format: 'der', type: 'spki' });
    assert.ok(nodeVerify('sha256', run.message, { key, dsaEncoding: 'ieee-p1363' }, sig.signature), 'OpenSSL verifies r‖s');
    assert.ok(nodeVerify('sha256', run.message, { key, dsaEncoding: 'der' }, sig.der), 'OpenSSL verifies DER');
  }
  assert.ok(curve.verify(sig.signature, run.message, sig.publicKey, { prehash: true, lowS: true }), 'noble verifies (low s)');
  const parsed = curve.Signature.fromBytes(sig.signature, 'compact');
  assert.equal(parsed.hasHighS(), false, 'low s');
  assert.deepEqual(parsed.toBytes('der'), sig.der, 'DER encoding matches noble');
  const recovered = parsed.addRecoveryBit(sig.recoveryId).recoverPublicKey(sha256(run.message));
  assert.deepEqual(recovered.toBytes(true), sig.publicKey, 'recovery id recovers the public key');
  return sig;
}

/** Nobody has a result, nobody stalled. */
export function expectNoSignature<T>(res: NetworkResult<T>): void {
  assert.equal(res.results.size, 0, 'no party may output a result');
  assert.deepEqual(res.stalled, [], 'no party may be left waiting');
  for (const [p, s] of res.sessions) {
    assert.equal(s.state, 'aborted', `party ${p} is ${s.state}, expected aborted`);
    assert.equal(s.result, undefined);
  }
}

/** Each detector aborted with `code` naming exactly `culprits`. */
export function expectAbort<T>(res: NetworkResult<T>, code: ErrorCode, detectors: readonly PartyId[], culprits: readonly PartyId[]): void {
  assert.ok(detectors.length > 0);
  for (const d of detectors) {
    const e = res.sessions.get(d)!.error;
    assert.ok(e, `party ${d} has no error`);
    assert.equal(e.code, code, `party ${d}: got ${e.code} (${e.message})`);
    assert.deepEqual([...e.culprits].sort(), [...culprits].sort(), `party ${d}: culprits`);
  }
}
