/**
 * Shared helpers of the backup / export / import modules: Lagrange interpolation at any point,
 * public consistency of a key record (verifying shares on one polynomial through PK), scalar
 * conversions, and the strict JSON / hex readers used by every file format of this module.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { checkIdentifiers } from '../math/polynomial.js';
import { parseHex } from '../math/bytes.js';
import { keyEpoch, type KeyEpoch } from '../protocols/key-share.js';
import type { GroupPoint, Scheme, Suite } from '../suites/index.js';
import { isScheme } from '../suites/index.js';

/** λ_i(x) = Π_{j∈set, j≠i} (x − x_j) / (x_i − x_j): the Lagrange basis polynomial of `i` at `x`. */
export function lagrangeAt(suite: Suite, i: PartyId, set: readonly PartyId[], x: bigint): bigint {
  const Fn = suite.Fn;
  const xi = BigInt(i);
  let num = 1n;
  let den = 1n;
  for (const j of set) {
    if (j === i) continue;
    const xj = BigInt(j);
    num = Fn.mul(num, Fn.sub(Fn.create(x), xj));
    den = Fn.mul(den, Fn.sub(xi, xj));
  }
  if (den === 0n) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, 'duplicate identifiers in Lagrange set');
  return Fn.div(num, den);
}

/** Σ_{i∈set} λ_i(x)·P_i: the public image at x of the polynomial through the points (i, P_i). */
export function interpolatePoints(suite: Suite, points: ReadonlyMap<PartyId, GroupPoint>, set: readonly PartyId[], x: bigint): GroupPoint {
  let acc = suite.ZERO;
  for (const i of set) acc = acc.add(points.get(i)!.multiplyUnsafe(lagrangeAt(suite, i, set, x)));
  return acc;
}

/** Σ_{i∈set} λ_i(x)·s_i over secret scalars (the result is secret). */
export function interpolateScalars(suite: Suite, shares: ReadonlyMap<PartyId, bigint>, set: readonly PartyId[], x: bigint): bigint {
  const Fn = suite.Fn;
  let acc = 0n;
  for (const i of set) acc = Fn.add(acc, Fn.mul(shares.get(i)!, lagrangeAt(suite, i, set, x)));
  return acc;
}

/**
 * Public consistency of a key record: all verifying shares lie on one polynomial of degree k − 1
 * whose value at 0 is PK. Interpolates from the first k parties and checks PK and every other
 * X_m. Returns null or the reason.
 */
export function recordInconsistency(suite: Suite, threshold: number, parties: readonly PartyId[], groupKey: GroupPoint, verifyingShares: ReadonlyMap<PartyId, GroupPoint>): string | null {
  const basis = parties.slice(0, threshold);
  if (!interpolatePoints(suite, verifyingShares, basis, 0n).equals(groupKey)) return 'the verifying shares do not interpolate to the group key';
  for (const m of parties.slice(threshold))
    if (!interpolatePoints(suite, verifyingShares, basis, BigInt(m)).equals(verifyingShares.get(m)!))
      return `verifying share of player ${m} is not on the key's polynomial of degree k − 1`;
  return null;
}

/**
 * The epoch counter to bind for a key: `keyEpoch(key).counter`, or the caller's `epoch`, which
 * must then equal it (a backup / export of a share under another epoch than the share's own
 * would be a statement about shares that do not exist). Throws `code` on a mismatch.
 */
export function checkedEpoch(key: { readonly epoch?: KeyEpoch | undefined }, epoch: number | undefined, code: ErrorCode = ErrorCode.INVALID_PARAMETERS): number {
  const own = keyEpoch(key).counter;
  if (epoch !== undefined && epoch !== own) throw new ProtocolError(code, `epoch ${String(epoch)} is not the key's epoch (${own})`);
  return own;
}

/** Decode a private scalar (bytes in the suite's scalar encoding, or a bigint): 0 < x < q. */
export function decodePrivateScalar(suite: Suite, key: Uint8Array | bigint, code: ErrorCode): bigint {
  if (typeof key === 'bigint') {
    if (key <= 0n || key >= suite.order) throw new ProtocolError(code, 'private key must be a scalar in 1..q−1');
    return key;
  }
  if (!(key instanceof Uint8Array)) throw new TypeError('private key must be a Uint8Array or a bigint');
  try {
    return suite.decodeNonZeroScalar(key);
  } catch {
    throw new ProtocolError(code, `private key must be a canonical non-zero ${suite.scalarLength}-byte scalar`);
  }
}

/** Sorted, validated party list (D1: non-zero, distinct, ≤ 65535 for the u16 encodings). */
export function checkParties(suite: Suite, parties: readonly PartyId[], code: ErrorCode): PartyId[] {
  if (!Array.isArray(parties) || parties.length === 0 || parties.length > 0xffff) throw new ProtocolError(code, 'parties must be a non-empty list');
  for (const p of parties) if (!Number.isInteger(p) || p < 1 || p > 0xffff) throw new ProtocolError(code, `invalid party index ${String(p)}`);
  checkIdentifiers(suite, parties);
  const sorted = [...parties].sort((a, b) => a - b);
  return sorted;
}

// ---------------------------------------------------------------------------------------------
// Strict JSON readers (file formats)

/** A reader over a parsed JSON object that rejects unknown or ill-typed fields. */
export class JsonReader {
  private readonly seen = new Set<string>();
  constructor(
    private readonly o: Record<string, unknown>,
    private readonly what: string,
    private readonly code: ErrorCode,
  ) {}

  static parse(text: string, what: string, code: ErrorCode): JsonReader {
    if (typeof text !== 'string') throw new TypeError(`${what} must be a JSON string`);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new ProtocolError(code, `${what}: not valid JSON`);
    }
    return JsonReader.of(v, what, code);
  }

  static of(v: unknown, what: string, code: ErrorCode): JsonReader {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ProtocolError(code, `${what}: expected a JSON object`);
    return new JsonReader(v as Record<string, unknown>, what, code);
  }

  fail(why: string): never {
    throw new ProtocolError(this.code, `${this.what}: ${why}`);
  }

  has(k: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.o, k);
  }

  raw(k: string): unknown {
    this.seen.add(k);
    return this.o[k];
  }

  string(k: string, max = 1024): string {
    const v = this.raw(k);
    if (typeof v !== 'string' || v.length === 0 || v.length > max) this.fail(`field '${k}' must be a non-empty string`);
    return v;
  }

  int(k: string, min: number, max: number): number {
    const v = this.raw(k);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(`field '${k}' must be an integer in ${min}..${max}`);
    return v;
  }

  hex(k: string, length?: number): Uint8Array {
    return this.hexValue(this.raw(k), k, length);
  }

  hexValue(v: unknown, k: string, length?: number): Uint8Array {
    if (typeof v !== 'string') this.fail(`field '${k}' must be a hex string`);
    try {
      return parseHex(v, length);
    } catch {
      return this.fail(`field '${k}' must be ${length !== undefined ? `${length} bytes of ` : ''}hex`);
    }
  }

  scheme(k = 'scheme'): Scheme {
    const v = this.raw(k);
    if (typeof v !== 'string' || !isScheme(v)) this.fail(`unknown scheme '${String(v)}'`);
    return v;
  }

  version(expected: number, type: string): void {
    const v = this.raw('version');
    if (v !== expected) this.fail(`unsupported version ${JSON.stringify(v)} (expected ${expected})`);
    const t = this.raw('type');
    if (t !== type) this.fail(`expected type '${type}', got ${JSON.stringify(t)}`);
  }

  array(k: string, max = 0xffff): unknown[] {
    const v = this.raw(k);
    if (!Array.isArray(v) || v.length > max) this.fail(`field '${k}' must be an array`);
    return v;
  }

  object(k: string): JsonReader {
    return JsonReader.of(this.raw(k), `${this.what}.${k}`, this.code);
  }

  /** Party list: strictly ascending integers in 1..65535. */
  parties(k: string): PartyId[] {
    const a = this.array(k);
    if (a.length === 0) this.fail(`field '${k}' must not be empty`);
    let prev = 0;
    for (const p of a) {
      if (typeof p !== 'number' || !Number.isInteger(p) || p <= prev || p > 0xffff) this.fail(`field '${k}' must list party indices in strictly ascending order`);
      prev = p;
    }
    return a as PartyId[];
  }

  /** Map keyed by decimal party index with exactly the keys of `parties`. */
  partyMap(k: string, parties: readonly PartyId[]): Map<PartyId, unknown> {
    const obj = this.object(k);
    const out = new Map<PartyId, unknown>();
    for (const p of parties) {
      if (!obj.has(String(p))) this.fail(`field '${k}' has no entry for party ${p}`);
      out.set(p, obj.raw(String(p)));
    }
    obj.end();
    return out;
  }

  /** Reject fields that were not read. */
  end(): void {
    for (const k of Object.keys(this.o)) if (!this.seen.has(k)) this.fail(`unknown field '${k}'`);
  }
}
