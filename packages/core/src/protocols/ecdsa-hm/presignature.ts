/**
 * Presignatures of the honest-majority ECDSA protocol (protocols.md §2.3 output) and their
 * storage encoding.
 *
 * SECURITY (protocols.md §2.6, checklist F3): a presignature is SINGLE USE. Releasing two
 * signature shares from the same (R, α_i, β_i, e_i) for two different (message, tweak) pairs
 * reveals the key from two linear equations. The in-process API enforces this: the secrets sit in
 * a private field of {@link Presignature}, and the one call that consumes them
 * (`createEcdsaSignSession`) erases them before anything else, so a second use throws
 * PRESIGNATURE_USED — also when the first session aborted or never started.
 * `presignatureToBytes` is for the store's encrypted pool only: every decoded copy is a new
 * object, so the store must make the copy single use itself (delete it in the transaction that
 * hands it to a signing session, before the session runs, and never restore or replicate it).
 *
 * A presignature is bound (§2.6) to the key (digest of its public package and epoch), to the
 * exact player set of exactly 2t + 1 players that created it, to the presigning session id and
 * to its index in that run; its id is a hash of all of these, the same on every player.
 *
 * Storage encoding, version 1 (SECRET: encrypt at rest), all integers big-endian:
 *   u8  version (= 1)
 *   u8  len ‖ scheme (ASCII)
 *   u16 self
 *   u16 n ‖ n × u16 players (strictly ascending)
 *   32  key digest
 *   u8  len ‖ presign session id (1..64 bytes)
 *   u16 count (batch size of the run) ‖ u16 index (< count)
 *   33  R (SEC1 compressed)
 *   32  α_i ‖ 32 β_i ‖ 32 e_i ‖ 32 c_i   (scalars < q)
 *   32  id
 * Decoding rejects anything else (lengths, order, trailing bytes, invalid R, scalars ≥ q, a
 * stored id that differs from the recomputed one).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { Reader, Writer } from '../../engine/codec.js';
import { equalBytes, toHex, utf8ToBytes } from '../../math/bytes.js';
import { transcriptHash } from '../../math/transcript.js';
import { isEcdsaScheme, type EcdsaScheme } from '../../suites/index.js';
import { arithmeticOf, decodeCompressedPoint, type EcdsaHmArithmetic } from './arithmetic.js';
import { bigintToBytes, ecdsaCurve, type EcdsaCurve } from './curve.js';
import { encodeParties } from '../dkg/params.js';
import { ECDSA_HM_MAX_BATCH, ECDSA_HM_PRESIGN_PROTOCOL } from './params.js';

export const PRESIGNATURE_ENCODING_VERSION = 1;

/** The secret part of player i's presignature. SECRET. */
export interface PresignatureSecrets {
  /** α_i: degree-2t share of k⁻¹ (c_i + d_i). */
  readonly alpha: bigint;
  /** β_i: degree-2t share of k⁻¹·x (c_i·x_i). */
  readonly beta: bigint;
  /** e_i: degree-2t share of 0. */
  readonly e: bigint;
  /** c_i: degree-t share of k⁻¹ (tweak re-randomisation, §2.6). */
  readonly c: bigint;
}

/** Public fields of a presignature (identical on every player except `self`). */
export interface PresignatureInfo {
  readonly scheme: EcdsaScheme;
  readonly self: PartyId;
  readonly players: readonly PartyId[];
  readonly keyDigest: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly count: number;
  readonly index: number;
  /** The nonce point R = k·G, SEC1 compressed. */
  readonly R: Uint8Array;
}

/**
 * The id of presignature `index` of a presigning run: SHA-256 over length-prefixed
 * ("opentsm/ecdsa-hm-presign/v1/id", scheme, key digest, players (u16 each), session id,
 * u16(count), u16(index)). Public and the same on every player.
 */
export function presignatureId(scheme: EcdsaScheme, keyDigest: Uint8Array, players: readonly PartyId[], sessionId: Uint8Array, count: number, index: number): Uint8Array {
  const w = new Writer().u16(count).u16(index).finish();
  return transcriptHash(`opentsm/${ECDSA_HM_PRESIGN_PROTOCOL}/id`, utf8ToBytes(scheme), keyDigest, encodeParties(players), sessionId, w);
}

const CREATE: unique symbol = Symbol('Presignature.create');
let take: (p: Presignature) => PresignatureSecrets;
let peek: (p: Presignature) => PresignatureSecrets;

/**
 * One player's presignature. Made by a presigning session (or decoded from storage); consumed
 * by exactly one `createEcdsaSignSession`. The secrets have no accessor. SECRET: never log it;
 * `toJSON` shows only public fields.
 */
export class Presignature implements PresignatureInfo {
  /** 32-byte presignature id (see {@link presignatureId}). */
  readonly id: Uint8Array;
  /** The id as 64 lowercase hex characters (store key). */
  readonly idHex: string;
  readonly scheme: EcdsaScheme;
  readonly self: PartyId;
  readonly players: readonly PartyId[];
  readonly keyDigest: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly count: number;
  readonly index: number;
  readonly R: Uint8Array;
  /** r = x(R) mod q (the r of an untweaked signature). */
  readonly r: bigint;
  #secrets: PresignatureSecrets | undefined;

  static {
    take = (p) => {
      const s = p.#secrets;
      if (s === undefined) throw new ProtocolError(ErrorCode.PRESIGNATURE_USED, `presignature ${p.idHex} was already used`);
      p.#secrets = undefined;
      return s;
    };
    peek = (p) => {
      const s = p.#secrets;
      if (s === undefined) throw new ProtocolError(ErrorCode.PRESIGNATURE_USED, `presignature ${p.idHex} was already used`);
      return s;
    };
  }

  /** @internal Presignatures come from a presigning session or {@link presignatureFromBytes}. */
  constructor(token: typeof CREATE, info: PresignatureInfo, r: bigint, secrets: PresignatureSecrets) {
    if (token !== CREATE) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'presignatures are created by a presigning session');
    this.scheme = info.scheme;
    this.self = info.self;
    this.players = Object.freeze([...info.players]);
    this.keyDigest = info.keyDigest.slice();
    this.sessionId = info.sessionId.slice();
    this.count = info.count;
    this.index = info.index;
    this.R = info.R.slice();
    this.r = r;
    this.id = presignatureId(info.scheme, info.keyDigest, info.players, info.sessionId, info.count, info.index);
    this.idHex = toHex(this.id);
    this.#secrets = secrets;
  }

  /** True once consumed by a signing session (or discarded). */
  get used(): boolean {
    return this.#secrets === undefined;
  }

  /** Drop the secrets without signing (e.g. the pool is flushed after a refresh). */
  discard(): void {
    this.#secrets = undefined;
  }

  /** Printing never shows the secrets. */
  toJSON(): { id: string; scheme: EcdsaScheme; self: PartyId; players: PartyId[]; index: number; used: boolean } {
    return { id: this.idHex, scheme: this.scheme, self: this.self, players: [...this.players], index: this.index, used: this.used };
  }
}

/** @internal Build a presignature (presigning session output). */
export function makePresignature(info: PresignatureInfo, r: bigint, secrets: PresignatureSecrets): Presignature {
  return new Presignature(CREATE, info, r, secrets);
}

/** @internal Take the secrets: erases them first, so this succeeds at most once per object. */
export function takePresignatureSecrets(p: Presignature): PresignatureSecrets {
  if (!(p instanceof Presignature)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'not a presignature');
  return take(p);
}

/** x(R) mod q from a compressed encoding (R already validated). */
export function rFromCompressed(c: EcdsaCurve, R: Uint8Array): bigint {
  let v = 0n;
  for (let i = 1; i < R.length; i++) v = (v << 8n) | BigInt(R[i]!);
  return v % c.q;
}

/**
 * Storage encoding (module comment). SECRET output: the caller encrypts it. Throws
 * PRESIGNATURE_USED for a consumed presignature (a used one must never be stored again).
 */
export function presignatureToBytes(p: Presignature): Uint8Array {
  if (!(p instanceof Presignature)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'not a presignature');
  const s = peek(p);
  const scheme = utf8ToBytes(p.scheme);
  const w = new Writer().u8(PRESIGNATURE_ENCODING_VERSION).u8(scheme.length).fixed(scheme).u16(p.self).u16(p.players.length);
  for (const q of p.players) w.u16(q);
  w.fixed(p.keyDigest).u8(p.sessionId.length).fixed(p.sessionId).u16(p.count).u16(p.index).fixed(p.R);
  for (const v of [s.alpha, s.beta, s.e, s.c]) w.fixed(bigintToBytes(v));
  return w.fixed(p.id).finish();
}

/**
 * Strict decoding of {@link presignatureToBytes}. Throws INVALID_PARAMETERS ("invalid
 * presignature: ...") for any malformed input; never includes secret bytes in the message.
 * `arithmetic`: a curve back-end whose `decodePoint` checks R faster (same checks).
 */
export function presignatureFromBytes(bytes: Uint8Array, options: { readonly arithmetic?: EcdsaHmArithmetic } = {}): Presignature {
  const bad = (why: string): never => {
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid presignature: ${why}`);
  };
  if (!(bytes instanceof Uint8Array)) bad('not bytes');
  try {
    const rd = new Reader(bytes);
    if (rd.u8() !== PRESIGNATURE_ENCODING_VERSION) bad('unknown encoding version');
    const schemeName = new TextDecoder('utf-8', { fatal: true }).decode(rd.fixed(rd.u8()));
    if (!isEcdsaScheme(schemeName)) return bad('not an ECDSA scheme');
    const scheme: EcdsaScheme = schemeName;
    const c = ecdsaCurve(scheme);
    const self = rd.u16();
    const n = rd.u16();
    if (n === 0 || n % 2 !== 1) bad('the player set must have 2t+1 players');
    const players: PartyId[] = [];
    for (let i = 0; i < n; i++) {
      const q = rd.u16();
      if (q === 0 || (i > 0 && q <= players[i - 1]!)) bad('players must be non-zero and strictly ascending');
      players.push(q);
    }
    if (!players.includes(self)) bad('self is not one of the players');
    const keyDigest = rd.fixed(32).slice();
    const sidLen = rd.u8();
    if (sidLen === 0 || sidLen > 64) bad('session id must be 1..64 bytes');
    const sessionId = rd.fixed(sidLen).slice();
    const count = rd.u16();
    const index = rd.u16();
    if (count < 1 || count > ECDSA_HM_MAX_BATCH || index >= count) bad('index / count out of range');
    const R = rd.fixed(c.suite.pointLength).slice();
    decodeCompressedPoint(arithmeticOf(options.arithmetic), c, R); // B3/C1: canonical, on the curve, not the identity
    const r = rFromCompressed(c, R);
    if (r === 0n) bad('r = 0');
    const [alpha, beta, e, cc] = [0, 1, 2, 3].map(() => c.suite.decodeScalar(rd.fixed(32))) as [bigint, bigint, bigint, bigint];
    const id = rd.fixed(32);
    rd.end();
    const p = new Presignature(CREATE, { scheme, self, players, keyDigest, sessionId, count, index, R }, r, { alpha, beta, e, c: cc });
    if (!equalBytes(p.id, id)) {
      p.discard();
      bad('stored id does not match its fields');
    }
    return p;
  } catch (err) {
    if (err instanceof ProtocolError && err.code === ErrorCode.INVALID_PARAMETERS) throw err;
    if (err instanceof ProtocolError) return bad(err.code === ErrorCode.MALFORMED_MESSAGE ? 'truncated or trailing bytes' : err.message);
    return bad('malformed encoding');
  }
}

/**
 * Digest of the public part of a batch of presignatures (ids and R, in the given order):
 * SHA-256 over length-prefixed ("opentsm/ecdsa-hm-presign/v1/batch", id_1, R_1, …). Every player
 * of a successful run computes the same value; a cluster can confirm it among the players before
 * adding the batch to its pool, so that a run that finished on some players and aborted on others
 * (possible when a last-round broadcast was equivocated) never enters a pool.
 */
export function presignatureBatchDigest(presignatures: readonly Presignature[]): Uint8Array {
  const fields: Uint8Array[] = [];
  for (const p of presignatures) fields.push(p.id, p.R);
  return transcriptHash(`opentsm/${ECDSA_HM_PRESIGN_PROTOCOL}/batch`, ...fields);
}
