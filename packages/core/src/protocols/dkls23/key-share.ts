/**
 * The DKLs23 key share: a Shamir key share (protocols/key-share.ts) plus, for every other party,
 * the pairwise OT setup (dkls23.md §C.1), and its strict binary storage encoding.
 *
 * SECRET: `secretShare` and everything in `ot`. The `ot` property is non-enumerable, so that
 * `publicPackage()`, `keyShareToJson()`, JSON.stringify and object spread never copy the OT
 * seeds by accident; store a DKLs key with {@link dklsKeyShareToBytes} (and encrypt it at rest).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { Reader, Writer } from '../../engine/codec.js';
import { equalBytes } from '../../math/bytes.js';
import { lagrangeAtZero } from '../../math/polynomial.js';
import { getSuite, isEcdsaScheme, type EcdsaScheme } from '../../suites/index.js';
import { EPOCH_ID_LENGTH, encodeEpoch, keyEpoch, publicPackage, type KeyEpoch, type KeyShare, type PublicKeyPackage } from '../key-share.js';
import { DKLS_MAX_PARTIES, KAPPA, SEED_BYTES } from './params.js';

/** The OT setup with one peer. Every field is SECRET except `setupId`. */
export interface DklsPeerSetup {
  /** Id of the OT setup this pair's data comes from (key generation or the last OT refresh). */
  readonly setupId: Uint8Array;
  /** Base-OT sender seeds k⁰_l, k¹_l (256 × 32 B each): we are the OT-extension receiver (Bob) toward the peer. */
  readonly seeds0: Uint8Array;
  readonly seeds1: Uint8Array;
  /** Base-OT receiver output: choice bits Δ (32 B) and k^{Δ_l}_l (256 × 32 B): we are the OT-extension sender (Alice). */
  readonly delta: Uint8Array;
  readonly seedsDelta: Uint8Array;
  /** Zero-share seed shared with the peer (32 B). */
  readonly zeroSeed: Uint8Array;
}

export interface DklsKeyShare extends KeyShare {
  readonly scheme: EcdsaScheme;
  /** Per-peer OT setup (every party of the key except self). Non-enumerable, SECRET. */
  readonly ot: Readonly<Record<PartyId, DklsPeerSetup>>;
}

function validSetup(s: DklsPeerSetup | undefined): boolean {
  const is = (b: unknown, n: number) => b instanceof Uint8Array && b.length === n;
  return (
    s !== undefined &&
    s !== null &&
    is(s.setupId, 32) &&
    is(s.seeds0, KAPPA * SEED_BYTES) &&
    is(s.seeds1, KAPPA * SEED_BYTES) &&
    is(s.delta, KAPPA / 8) &&
    is(s.seedsDelta, KAPPA * SEED_BYTES) &&
    is(s.zeroSeed, 32)
  );
}

/**
 * Attach the OT setup to a key share (as a non-enumerable property). `ot` must hold a setup of
 * the right sizes for every other party of the key (INVALID_PARAMETERS otherwise).
 */
export function makeDklsKeyShare(share: KeyShare, ot: Readonly<Record<PartyId, DklsPeerSetup>>): DklsKeyShare {
  if (!isEcdsaScheme(share.scheme)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'DKLs23 keys use an ECDSA scheme');
  for (const p of share.parties) if (p !== share.self && !validSetup(ot[p])) bad(`missing or malformed OT setup for party ${p}`);
  const k = { ...share };
  Object.defineProperty(k, 'ot', { value: Object.freeze({ ...ot }), enumerable: false, writable: false, configurable: false });
  return k as DklsKeyShare;
}

/** True when `k` carries a well-formed OT setup for every other party. */
export function isDklsKeyShare(k: KeyShare): k is DklsKeyShare {
  const ot = (k as Partial<DklsKeyShare>).ot;
  return isEcdsaScheme(k.scheme) && ot !== undefined && k.parties.every((p) => p === k.self || validSetup(ot[p]));
}

/** The public part of a DKLs key (no share, no OT setup). */
export function dklsPublicPackage(k: DklsKeyShare): PublicKeyPackage {
  return publicPackage(k);
}

const MAGIC = Uint8Array.of(0x44, 0x4b, 0x4c, 0x53); // "DKLS"
const VERSION = 1;
const SCHEME_CODES: Record<EcdsaScheme, number> = { 'ecdsa-secp256k1': 1, 'ecdsa-p256': 2 };

function bad(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid DKLs23 key share: ${why}`);
}

/**
 * Storage encoding (SECRET — encrypt at rest). All integers big-endian:
 *   "DKLS" ‖ u8 version=1 ‖ u8 scheme (1 = ecdsa-secp256k1, 2 = ecdsa-p256) ‖ u16 threshold ‖
 *   u16 n ‖ u16 party_1 … u16 party_n (ascending) ‖ u16 self ‖ secretShare (32) ‖ groupKey (33) ‖
 *   Y_{party_1} … Y_{party_n} (33 each) ‖ chainCode (32) ‖ epoch: u32 counter ‖ id (32) ‖
 *   for every party p ≠ self, ascending: u16 p ‖ setupId (32) ‖ seeds0 (8192) ‖ seeds1 (8192) ‖
 *   delta (32) ‖ seedsDelta (8192) ‖ zeroSeed (32)
 * publicKey is the compressed group key (not stored separately). Epoch 0 (counter 0, zero id)
 * decodes as an absent `epoch` (protocols/key-share.ts semantics).
 */
export function dklsKeyShareToBytes(k: DklsKeyShare): Uint8Array {
  if (!isDklsKeyShare(k)) bad('missing OT setup');
  const w = new Writer().fixed(MAGIC).u8(VERSION).u8(SCHEME_CODES[k.scheme]).u16(k.threshold).u16(k.parties.length);
  for (const p of k.parties) w.u16(p);
  w.u16(k.self).fixed(k.secretShare).fixed(k.groupKey);
  for (const p of k.parties) w.fixed(k.verifyingShares[p]!);
  w.fixed(k.chainCode).fixed(encodeEpoch(keyEpoch(k)));
  for (const p of k.parties) {
    if (p === k.self) continue;
    const s = k.ot[p]!;
    w.u16(p).fixed(s.setupId).fixed(s.seeds0).fixed(s.seeds1).fixed(s.delta).fixed(s.seedsDelta).fixed(s.zeroSeed);
  }
  return w.finish();
}

/**
 * Parse and fully validate a stored DKLs23 key share: exact layout and lengths, known scheme,
 * sorted distinct parties, 1 ≤ k ≤ n, every point decodes (C1), s_i < q and ≠ 0, s_i·G = Y_i,
 * any k verifying shares interpolate to the group key, and the OT setup has the right sizes.
 */
export function dklsKeyShareFromBytes(bytes: Uint8Array): DklsKeyShare {
  if (!(bytes instanceof Uint8Array)) bad('not bytes');
  let share: KeyShare;
  const ot: Record<PartyId, DklsPeerSetup> = {};
  try {
    const r = new Reader(bytes);
    if (!equalBytes(r.fixed(4), MAGIC)) bad('not a DKLs23 key share');
    if (r.u8() !== VERSION) bad('unsupported version');
    const code = r.u8();
    const scheme = (Object.keys(SCHEME_CODES) as EcdsaScheme[]).find((s) => SCHEME_CODES[s] === code);
    if (scheme === undefined) bad('unknown scheme');
    const suite = getSuite(scheme);
    const threshold = r.u16();
    const n = r.u16();
    if (n < 1 || n > DKLS_MAX_PARTIES) bad('number of parties');
    if (threshold < 1 || threshold > n) bad('threshold');
    const parties: PartyId[] = [];
    for (let i = 0; i < n; i++) {
      const p = r.u16();
      if (p === 0 || (i > 0 && p <= parties[i - 1]!)) bad('parties must be non-zero, ascending and distinct');
      parties.push(p);
    }
    const self = r.u16();
    if (!parties.includes(self)) bad('self is not a party');
    const secretShare = r.fixed(suite.scalarLength).slice();
    const groupKey = r.fixed(suite.pointLength).slice();
    const verifyingShares: Record<PartyId, Uint8Array> = {};
    for (const p of parties) verifyingShares[p] = r.fixed(suite.pointLength).slice();
    const chainCode = r.fixed(32).slice();
    const counter = r.u32();
    const id = r.fixed(EPOCH_ID_LENGTH).slice();
    const epoch: KeyEpoch | undefined = counter === 0 && id.every((b) => b === 0) ? undefined : { counter, id };
    for (const p of parties) {
      if (p === self) continue;
      if (r.u16() !== p) bad('OT setups out of order');
      ot[p] = {
        setupId: r.fixed(32).slice(),
        seeds0: r.fixed(KAPPA * SEED_BYTES).slice(),
        seeds1: r.fixed(KAPPA * SEED_BYTES).slice(),
        delta: r.fixed(KAPPA / 8).slice(),
        seedsDelta: r.fixed(KAPPA * SEED_BYTES).slice(),
        zeroSeed: r.fixed(32).slice(),
      };
    }
    r.end();
    const PK = suite.decodePoint(groupKey);
    const Y = new Map(parties.map((p) => [p, suite.decodePoint(verifyingShares[p]!)] as const));
    const s = suite.decodeNonZeroScalar(secretShare);
    if (!suite.G.multiply(s).equals(Y.get(self)!)) bad('secret share does not match its verifying share');
    // Consistency of the public data: the first k verifying shares interpolate to the group key.
    const first = parties.slice(0, threshold);
    let acc = suite.ZERO;
    for (const p of first) acc = acc.add(Y.get(p)!.multiplyUnsafe(lagrangeAtZero(suite, p, first)));
    if (!acc.equals(PK)) bad('verifying shares do not interpolate to the group key');
    share = { scheme, threshold, parties, self, secretShare, groupKey, publicKey: suite.encodePublicKey(PK), verifyingShares, chainCode, ...(epoch !== undefined ? { epoch } : {}) };
  } catch (e) {
    if (e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS) throw e;
    bad(e instanceof ProtocolError ? e.message : 'malformed encoding');
  }
  return makeDklsKeyShare(share, ot);
}
