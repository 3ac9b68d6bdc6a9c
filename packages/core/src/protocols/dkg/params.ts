/**
 * DKG parameters, their validation (checklist D1, A6 inputs) and the session context that every
 * proof of knowledge is bound to (checklist A2, B1, B2).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { Writer } from '../../engine/codec.js';
import { utf8ToBytes } from '../../math/bytes.js';
import { checkIdentifiers } from '../../math/polynomial.js';
import { lengthPrefixed, u32be } from '../../math/transcript.js';
import { getSuite, type Scheme, type Suite } from '../../suites/index.js';

/** Protocol id carried in every envelope of a DKG run. */
export const DKG_PROTOCOL_ID = 'dkg/v1';
/** Largest supported number of parties. */
export const DKG_MAX_PARTIES = 64;
/** Party identifiers travel as u16 in the envelope (engine/codec.ts). */
export const MAX_IDENTIFIER = 0xffff;
/** Session ids are 1..64 bytes (the envelope's limit, engine/session.ts). */
export const MAX_SESSION_ID_LENGTH = 64;

export interface DkgParams {
  /** One of the FROST schemes (frost-ed25519, frost-secp256k1, frost-p256, frost-secp256k1-tr). */
  readonly scheme: string;
  /** Unique id of this run, agreed out of band before round 1 (1..64 bytes; checklist A2). */
  readonly sessionId: Uint8Array;
  /** This party's identifier (its Shamir x-coordinate). */
  readonly self: PartyId;
  /** Every party of the run, self included. */
  readonly parties: readonly PartyId[];
  /** k: number of parties needed to sign (polynomial degree k−1). */
  readonly threshold: number;
}

/** Validated parameters plus values derived from them. */
export interface DkgConfig {
  readonly suite: Suite;
  readonly scheme: Scheme;
  readonly sessionId: Uint8Array;
  readonly self: PartyId;
  /** Sorted ascending. */
  readonly parties: readonly PartyId[];
  /** Every party but self, sorted ascending. */
  readonly others: readonly PartyId[];
  readonly threshold: number;
  /** Bytes prepended to every PoK challenge input (see {@link dkgContext}). */
  readonly context: Uint8Array;
}

function badParams(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid DKG parameters: ${why}`);
}

/**
 * Checklist A2: a session id is 1..64 bytes. Shared by the DKG, refresh and reshare; `protocol`
 * names the caller in the message ("invalid <protocol> parameters: session id must be 1..64 bytes").
 * Throws INVALID_PARAMETERS.
 */
export function checkSessionId(sessionId: unknown, protocol: string): asserts sessionId is Uint8Array {
  if (!(sessionId instanceof Uint8Array) || sessionId.length === 0 || sessionId.length > MAX_SESSION_ID_LENGTH)
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid ${protocol} parameters: session id must be 1..${MAX_SESSION_ID_LENGTH} bytes`);
}

/**
 * Checklist D1 and the wire format: identifiers are safe integers, non-zero and pairwise distinct
 * mod q (checkIdentifiers) and fit the envelope's u16 (INVALID_IDENTIFIER). Shared by the DKG,
 * refresh and reshare.
 */
export function checkPartyIdentifiers(suite: Suite, ids: readonly PartyId[]): void {
  checkIdentifiers(suite, ids);
  for (const id of ids) if (id > MAX_IDENTIFIER) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, `party identifier ${id} exceeds ${MAX_IDENTIFIER}`);
}

/**
 * A party set of the DKG, refresh or reshare: 1..64 parties (`fail` gets "number of <label> must
 * be in [1, 64]" and throws the caller's INVALID_PARAMETERS), then {@link checkPartyIdentifiers}.
 */
export function checkPartySet(suite: Suite, ids: readonly PartyId[], fail: (why: string) => never, label = 'parties'): void {
  if (ids.length < 1 || ids.length > DKG_MAX_PARTIES) fail(`number of ${label} must be in [1, ${DKG_MAX_PARTIES}]`);
  checkPartyIdentifiers(suite, ids);
}

/**
 * Parameter checks done before round 1: known scheme, session id length, 1 ≤ k ≤ n ≤ 64,
 * identifiers non-zero / distinct mod q (checklist D1) and encodable on the wire, self ∈ parties.
 */
export function validateDkgParams(p: DkgParams): DkgConfig {
  if (p === null || typeof p !== 'object') badParams('missing parameters');
  const suite = getSuite(p.scheme);
  checkSessionId(p.sessionId, 'DKG');
  if (!Array.isArray(p.parties)) badParams('parties must be an array');
  const n = p.parties.length;
  // 1..64 parties; D1: non-zero, pairwise distinct (mod q), safe integers, u16.
  checkPartySet(suite, p.parties, badParams);
  if (!Number.isSafeInteger(p.threshold) || p.threshold < 1 || p.threshold > n) badParams(`threshold must be in [1, ${n}]`);
  if (!p.parties.includes(p.self)) badParams('self is not one of the parties');
  const parties = [...p.parties].sort((a, b) => a - b);
  return {
    suite,
    scheme: suite.name,
    sessionId: p.sessionId.slice(),
    self: p.self,
    parties,
    others: parties.filter((q) => q !== p.self),
    threshold: p.threshold,
    context: dkgContext(suite.name, p.sessionId, parties, p.threshold),
  };
}

/**
 * The context Φ of the FROST paper's KeyGen PoK (Komlo–Goldberg 2020, Fig. 1 step 2): it binds a
 * proof to this run (session id), scheme, party set and threshold, so a proof cannot be replayed
 * in another session (A2, B2). Every field is length-prefixed (B1):
 *   context = lengthPrefixed["opentsm/dkg/v1/pok", scheme, sessionId, u32(k), u16(p_1) ‖ … ‖ u16(p_n)]
 * An empty context gives exactly the ZF / noble challenge (used for the zf vectors).
 */
export function dkgContext(scheme: string, sessionId: Uint8Array, sortedParties: readonly PartyId[], threshold: number): Uint8Array {
  return lengthPrefixed([utf8ToBytes('opentsm/dkg/v1/pok'), utf8ToBytes(scheme), sessionId, u32be(threshold), encodeParties(sortedParties)]);
}

/** u16 big-endian of each party, in the given order. */
export function encodeParties(parties: readonly PartyId[]): Uint8Array {
  const w = new Writer();
  for (const q of parties) w.u16(q);
  return w.finish();
}
