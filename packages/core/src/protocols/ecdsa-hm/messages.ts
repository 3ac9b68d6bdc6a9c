/**
 * Wire payloads of `ecdsa-hm-presign/v1` and `ecdsa-hm-sign/v2` (inside the engine envelope,
 * engine/codec.ts, which carries protocol id, session id, round, authenticated sender and the
 * echo of the previous round's broadcasts). Fixed lengths; Ns = 32 (scalar, big-endian, < q),
 * Ne = 65 (SEC1 uncompressed point 04 ‖ x ‖ y, canonical, on the curve — uncompressed so that
 * receivers need no square root, curve.ts `decodeWirePoint`). B = presigning batch size
 * (`count`); m = number of items of a signing run (1 for `createEcdsaSignSession`).
 *
 * ecdsa-hm-presign/v1
 *   round 1, direct j → i (dealing, RandSS / ZeroSS shares f_j(i)):
 *     context hash (32) ‖ B × ( k_ji ‖ a_ji ‖ b_ji ‖ d_ji ‖ e_ji )          32 + 160·B bytes
 *   round 2, broadcast:  B × ( R_i ‖ w_i )                                   97·B bytes
 *   round 3, broadcast:  B × ( W_i )                                         65·B bytes
 * ecdsa-hm-sign/v2
 *   round 1, broadcast:  context hash (32) ‖ ρ_i (32 fresh random bytes)     64 bytes
 *   round 2, broadcast:  m × ( s_i )   (item order)                          32·m bytes
 *
 * Every decoder rejects a wrong length (MALFORMED_MESSAGE), scalars ≥ q (INVALID_SCALAR,
 * checklist B3) and invalid points (INVALID_POINT, C1); the session blames the sender.
 */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { Reader, Writer } from '../../engine/codec.js';
import { equalBytes } from '../../math/bytes.js';
import { bigintToBytes, decodeWirePoint, encodeWirePoint, type EcdsaCurve, type Point } from './curve.js';

export const CONTEXT_HASH_LENGTH = 32;
export const RANDOMNESS_LENGTH = 32;

/** One dealer's shares for one recipient and one presignature. */
export interface Dealing {
  readonly k: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly d: bigint;
  readonly e: bigint;
}

function scalars(w: Writer, ...vs: bigint[]): void {
  for (const v of vs) w.fixed(bigintToBytes(v));
}

export function contextMismatch(what: string): ProtocolError {
  return new ProtocolError(ErrorCode.CONTEXT_MISMATCH, `the sender runs a different ${what}`);
}

export function encodeDealing(contextHash: Uint8Array, dealings: readonly Dealing[]): Uint8Array {
  const w = new Writer().fixed(contextHash);
  for (const x of dealings) scalars(w, x.k, x.a, x.b, x.d, x.e);
  return w.finish();
}

export function decodeDealing(c: EcdsaCurve, payload: Uint8Array, contextHash: Uint8Array, count: number): Dealing[] {
  const r = new Reader(payload);
  if (!equalBytes(r.fixed(CONTEXT_HASH_LENGTH), contextHash)) throw contextMismatch('presigning run (key, player set, batch size or session differ)');
  const out: Dealing[] = [];
  const s = () => c.suite.decodeScalar(r.fixed(32));
  for (let i = 0; i < count; i++) out.push({ k: s(), a: s(), b: s(), d: s(), e: s() });
  r.end();
  return out;
}

/** R must be normalised (affine) points for a cheap encoding; see `normalizeZ`. */
export function encodeNonceShares(R: readonly Point[], w: readonly bigint[]): Uint8Array {
  const wr = new Writer();
  for (let i = 0; i < R.length; i++) {
    wr.fixed(encodeWirePoint(R[i]!));
    scalars(wr, w[i]!);
  }
  return wr.finish();
}

export function decodeNonceShares(c: EcdsaCurve, payload: Uint8Array, count: number): { R: Point[]; w: bigint[] } {
  const r = new Reader(payload);
  const R: Point[] = [];
  const w: bigint[] = [];
  for (let i = 0; i < count; i++) {
    R.push(decodeWirePoint(c, r.fixed(c.wirePointLength)));
    w.push(c.suite.decodeScalar(r.fixed(32)));
  }
  r.end();
  return { R, w };
}

export function encodePoints(points: readonly Point[]): Uint8Array {
  const w = new Writer();
  for (const P of points) w.fixed(encodeWirePoint(P));
  return w.finish();
}

export function decodePoints(c: EcdsaCurve, payload: Uint8Array, count: number): Point[] {
  const r = new Reader(payload);
  const out: Point[] = [];
  for (let i = 0; i < count; i++) out.push(decodeWirePoint(c, r.fixed(c.wirePointLength)));
  r.end();
  return out;
}

export function encodeSignContext(contextHash: Uint8Array, rho: Uint8Array): Uint8Array {
  return new Writer().fixed(contextHash).fixed(rho).finish();
}

/** Returns ρ_j after checking the context hash (CONTEXT_MISMATCH otherwise). */
export function decodeSignContext(payload: Uint8Array, contextHash: Uint8Array): Uint8Array {
  const r = new Reader(payload);
  const ctx = r.fixed(CONTEXT_HASH_LENGTH);
  const rho = r.fixed(RANDOMNESS_LENGTH).slice();
  r.end();
  if (!equalBytes(ctx, contextHash)) throw contextMismatch('signing request (message hash, tweak, player set, presignature, batch items, key or session differ)');
  return rho;
}

/** The m signature shares s_i of a run, in item order (m × 32 bytes; 32 bytes for one item). */
export function encodeSignatureShares(shares: readonly bigint[]): Uint8Array {
  const w = new Writer();
  scalars(w, ...shares);
  return w.finish();
}

/** Exactly `count` canonical scalars (MALFORMED_MESSAGE for another length, INVALID_SCALAR for s ≥ q). */
export function decodeSignatureShares(c: EcdsaCurve, payload: Uint8Array, count: number): bigint[] {
  const r = new Reader(payload);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(c.suite.decodeScalar(r.fixed(32)));
  r.end();
  return out;
}
