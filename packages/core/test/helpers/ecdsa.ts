/**
 * Test helpers for honest-majority ECDSA (ecdsa-hm-presign/v1, ecdsa-hm-sign/v2): keys from the
 * DKG, session runners over the in-memory network, independent verifiers (OpenSSL through
 * node:crypto, noble), and faults that model a malicious player.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  createEcdsaSignSession,
  createPresignSession,
  ErrorCode,
  randomBytes,
  transcriptHash,
  type EcdsaScheme,
  type EcdsaSignature,
  type KeyShare,
  type PartyId,
  type Presignature,
  type Session,
} from '../../src/index.js';
import { decodeEnvelope, encodeEnvelope, Reader, Writer } from '../../src/engine/codec.js';
import { nodeEcdsaHmArithmetic } from '../../src/node/index.js';
import { nobleEcdsaHmArithmetic, type EcdsaHmArithmetic } from '../../src/protocols/ecdsa-hm/arithmetic.js';
import { runDkgLocally, runNetwork, type Fault, type InFlight, type NetworkOptions, type NetworkResult } from '../../src/testing/index.js';

export const ECDSA_SCHEMES: readonly EcdsaScheme[] = ['ecdsa-secp256k1', 'ecdsa-p256'];
export const NOBLE: Record<EcdsaScheme, ECDSA> = { 'ecdsa-secp256k1': secp256k1, 'ecdsa-p256': p256 };

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

import { randInt, randomSubset } from './frost.js';

export { randInt, randomSubset };

/**
 * The curve back-end of player p unless a test says otherwise: even players use the server
 * back-end (libsecp256k1 / OpenSSL), odd players noble — so every run, positive or negative,
 * exercises both back-ends and their interoperability.
 */
export function defaultArithmetic(p: PartyId): EcdsaHmArithmetic {
  return p % 2 === 0 ? nodeEcdsaHmArithmetic : nobleEcdsaHmArithmetic;
}

const KEYS = new Map<string, KeyShare[]>();

/** k-of-n ECDSA key shares from the DKG (made once per scheme/k/n and test process). */
export function ecdsaKeys(scheme: EcdsaScheme, k: number, n: number): KeyShare[] {
  const id = `${scheme}:${k}:${n}`;
  let keys = KEYS.get(id);
  if (keys === undefined) {
    keys = runDkgLocally(scheme, k, n);
    KEYS.set(id, keys);
  }
  return keys;
}

export function shareOf(keys: readonly KeyShare[], p: PartyId): KeyShare {
  const k = keys.find((x) => x.self === p);
  assert.ok(k, `no share for player ${p}`);
  return k;
}

// ---------------------------------------------------------------------------------------------
// Presigning.

export interface PresignRunOptions extends NetworkOptions {
  readonly sessionId?: Uint8Array;
  /** Per-player override of the player list it is given. */
  readonly playersFor?: Readonly<Record<PartyId, readonly PartyId[]>>;
  /** Per-player override of the batch size. */
  readonly countFor?: Readonly<Record<PartyId, number>>;
  /** Curve back-end of every player (default: {@link defaultArithmetic}). */
  readonly arithmetic?: EcdsaHmArithmetic;
}

export interface PresignRun {
  readonly players: readonly PartyId[];
  readonly count: number;
  readonly res: NetworkResult<Presignature[]>;
}

export function runPresign(keys: readonly KeyShare[], players: readonly PartyId[], count: number, opts: PresignRunOptions = {}): PresignRun {
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions = players.map((p) =>
    createPresignSession({
      sessionId,
      key: shareOf(keys, p),
      players: opts.playersFor?.[p] ?? players,
      count: opts.countFor?.[p] ?? count,
      arithmetic: opts.arithmetic ?? defaultArithmetic(p),
    }),
  );
  return { players, count, res: runNetwork(sessions, opts) };
}

/** Every player finished; ids, R, indices and bindings agree across players. Returns presignatures by player. */
export function expectPresigned(run: PresignRun): Map<PartyId, Presignature[]> {
  const out = new Map<PartyId, Presignature[]>();
  for (const p of run.players) {
    const s = run.res.sessions.get(p)!;
    assert.equal(s.state, 'done', `player ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
    const ps = s.result!;
    assert.equal(ps.length, run.count);
    ps.forEach((x, i) => {
      assert.equal(x.index, i);
      assert.equal(x.self, p);
      assert.deepEqual([...x.players], [...run.players].sort((a, b) => a - b));
      assert.equal(x.used, false);
    });
    out.set(p, ps);
  }
  const first = out.get(run.players[0]!)!;
  for (const [, ps] of out) {
    ps.forEach((x, i) => {
      assert.equal(x.idHex, first[i]!.idHex, 'same presignature id on every player');
      assert.deepEqual(x.R, first[i]!.R, 'same R on every player');
    });
  }
  assert.equal(new Set(first.map((x) => x.idHex)).size, first.length, 'ids are unique');
  assert.equal(new Set(first.map((x) => hex(x.R))).size, first.length, 'nonces are distinct');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Signing.

export interface SignRunOptions extends NetworkOptions {
  readonly sessionId?: Uint8Array;
  readonly tweak?: bigint;
  readonly messageFor?: Readonly<Record<PartyId, Uint8Array>>;
  readonly tweakFor?: Readonly<Record<PartyId, bigint>>;
  readonly playersFor?: Readonly<Record<PartyId, readonly PartyId[]>>;
  /** Curve back-end of every player (default: {@link defaultArithmetic}). */
  readonly arithmetic?: EcdsaHmArithmetic;
}

export interface SignRun {
  readonly scheme: EcdsaScheme;
  readonly players: readonly PartyId[];
  readonly message: Uint8Array;
  readonly tweak: bigint;
  readonly groupKey: Uint8Array;
  readonly res: NetworkResult<EcdsaSignature>;
}

/** One signing session per player, each with its own presignature. */
export function runSign(keys: readonly KeyShare[], presignatures: ReadonlyMap<PartyId, Presignature>, players: readonly PartyId[], message: Uint8Array, opts: SignRunOptions = {}): SignRun {
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions: Session<EcdsaSignature>[] = players.map((p) =>
    createEcdsaSignSession({
      sessionId,
      key: shareOf(keys, p),
      presignature: presignatures.get(p)!,
      message: opts.messageFor?.[p] ?? message,
      tweak: opts.tweakFor?.[p] ?? opts.tweak ?? 0n,
      players: opts.playersFor?.[p] ?? players,
      arithmetic: opts.arithmetic ?? defaultArithmetic(p),
    }),
  );
  return { scheme: keys[0]!.scheme as EcdsaScheme, players, message, tweak: opts.tweak ?? 0n, groupKey: keys[0]!.groupKey, res: runNetwork(sessions, opts) };
}

/** The i-th presignature of every player. */
export function pick(presigs: ReadonlyMap<PartyId, readonly Presignature[]>, i: number): Map<PartyId, Presignature> {
  return new Map([...presigs].map(([p, ps]) => [p, ps[i]!]));
}

/** SubjectPublicKeyInfo DER of a SEC1 point (compressed or uncompressed) on the scheme's curve. */
export function spki(scheme: EcdsaScheme, point: Uint8Array): Buffer {
  const alg =
    scheme === 'ecdsa-secp256k1'
      ? '301006072a8648ce3d020106052b8104000a' // ecPublicKey, secp256k1
      : '301306072a8648ce3d020106082a8648ce3d030107'; // ecPublicKey, prime256v1
  const bitString = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
  const body = Buffer.concat([Buffer.from(alg, 'hex'), bitString]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** OpenSSL (node:crypto) verification, r‖s (IEEE P1363) and DER, with the key given compressed and uncompressed. */
export function verifyWithOpenSsl(scheme: EcdsaScheme, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, der: Uint8Array): boolean {
  const uncompressed = NOBLE[scheme].Point.fromBytes(publicKey).toBytes(false);
  let ok = true;
  for (const pt of [publicKey, uncompressed]) {
    const key = createPublicKey({ key: spki(scheme, pt), format: 'der', type: 'spki' });
    ok &&= nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
    ok &&= nodeVerify('sha256', message, { key, dsaEncoding: 'der' }, der);
  }
  return ok;
}

/**
 * Every player finished with the same signature; it verifies with OpenSSL (P1363 and DER) and
 * noble (low-s), under the group key plus the tweak; the recovery id recovers that key.
 */
export function expectSigned(run: SignRun): EcdsaSignature {
  let sig: EcdsaSignature | undefined;
  for (const p of run.players) {
    const s = run.res.sessions.get(p)!;
    assert.equal(s.state, 'done', `player ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
    if (sig === undefined) sig = s.result!;
    else assert.deepEqual(s.result, sig, 'every player outputs the same signature');
  }
  assert.ok(sig !== undefined);
  const curve = NOBLE[run.scheme];
  // The expected public key, computed independently: y + ε·G with noble.
  const Y = curve.Point.fromBytes(run.groupKey);
  const expectedKey = run.tweak === 0n ? Y : Y.add(curve.Point.BASE.multiply(run.tweak));
  assert.deepEqual(sig.publicKey, expectedKey.toBytes(true), 'publicKey = y + ε·G');
  assert.equal(sig.signature.length, 64);
  assert.ok(verifyWithOpenSsl(run.scheme, sig.publicKey, run.message, sig.signature, sig.der), 'OpenSSL verifies');
  assert.ok(curve.verify(sig.signature, run.message, sig.publicKey, { prehash: true, lowS: true }), 'noble verifies (low s)');
  assert.ok(curve.verify(sig.der, run.message, sig.publicKey, { prehash: true, lowS: true, format: 'der' }), 'noble verifies DER');
  const parsed = curve.Signature.fromBytes(sig.signature, 'compact');
  assert.equal(parsed.hasHighS(), false);
  const recovered = parsed.addRecoveryBit(sig.recoveryId).recoverPublicKey(sha256(run.message));
  assert.deepEqual(recovered.toBytes(true), sig.publicKey, 'recovery id recovers the public key');
  return sig;
}

// ---------------------------------------------------------------------------------------------
// Outcomes.

/** Every session aborted, none has a result, none stalled. */
export function expectAllAborted<T>(res: NetworkResult<T>): void {
  assert.equal(res.results.size, 0, 'no player may have a result');
  assert.deepEqual(res.stalled, []);
  for (const [p, s] of res.sessions) {
    assert.equal(s.state, 'aborted', `player ${p} is ${s.state}, expected aborted`);
    assert.equal(s.result, undefined);
  }
}

/** Each of `detectors` aborted with `code` naming exactly `culprits`. */
export function expectAbort<T>(res: NetworkResult<T>, code: ErrorCode, detectors: readonly PartyId[], culprits: readonly PartyId[] = []): void {
  assert.ok(detectors.length > 0);
  for (const d of detectors) {
    const s = res.sessions.get(d)!;
    assert.equal(s.state, 'aborted', `player ${d} should have aborted`);
    assert.equal(s.error?.code, code, `player ${d}: expected ${code}, got ${s.error?.code ?? 'nothing'} (${s.error?.message ?? ''})`);
    assert.deepEqual([...s.error.culprits].sort((a, b) => a - b), [...culprits].sort((a, b) => a - b), `player ${d}: culprits`);
  }
}

// ---------------------------------------------------------------------------------------------
// Faults.

/** Records every message put on the wire (after the other faults listed before it). */
export function recorder(): { fault: Fault; sent: InFlight[] } {
  const sent: InFlight[] = [];
  return { sent, fault: { onSend: (m) => (sent.push(m), [m]) } };
}

export const isBroadcast = (m: InFlight): boolean => m.env.kind === 'broadcast';

/**
 * A malicious `party` that broadcasts `fn(payload)` instead of its round-`round` broadcast, to
 * everyone, and is consistent about it: the echo its round-(round+1) messages carry lists the
 * hash of the altered payload (so only the protocol's own checks can catch it, not the echo).
 */
export function maliciousBroadcast(party: PartyId, round: number, fn: (payload: Uint8Array) => Uint8Array): Fault {
  let altered: Uint8Array | undefined;
  return {
    onSend(m) {
      if (m.from !== party) return [m];
      const env = decodeEnvelope(m.bytes);
      if (env.kind === 'broadcast' && env.round === round) {
        altered ??= fn(env.payload);
        return [{ ...m, bytes: encodeEnvelope({ ...env, payload: altered }) }];
      }
      if (env.round === round + 1 && altered !== undefined && env.kind !== 'abort') {
        const r = new Reader(env.echo);
        const w = new Writer();
        for (let i = 0; i < env.echo.length / 34; i++) {
          const p = r.u16();
          const h = r.fixed(32);
          w.u16(p).fixed(p === party ? transcriptHash('opentsm/echo/v1', altered) : h);
        }
        return [{ ...m, bytes: encodeEnvelope({ ...env, echo: w.finish() }) }];
      }
      return [m];
    },
  };
}

/** Add `delta` (mod 2^256, big-endian) to the 32-byte scalar at `offset`; callers keep it < q. */
export function addToScalar(payload: Uint8Array, offset: number, delta = 1n): Uint8Array {
  const out = payload.slice();
  let v = 0n;
  for (let i = 0; i < 32; i++) v = (v << 8n) | BigInt(out[offset + i]!);
  v += delta;
  for (let i = 31; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Length of a point inside protocol messages (SEC1 uncompressed). */
export const WIRE_POINT = 65;

/** Replace the wire point (65-byte uncompressed) at `offset` with P + G (a different valid point). */
export function shiftPoint(scheme: EcdsaScheme, payload: Uint8Array, offset: number): Uint8Array {
  const P = NOBLE[scheme].Point;
  const out = payload.slice();
  out.set(P.fromBytes(payload.subarray(offset, offset + WIRE_POINT)).add(P.BASE).toBytes(false), offset);
  return out;
}

export const SCALAR_OF_Q: Record<EcdsaScheme, bigint> = { 'ecdsa-secp256k1': secp256k1.Point.Fn.ORDER, 'ecdsa-p256': p256.Point.Fn.ORDER };
export { ErrorCode };
