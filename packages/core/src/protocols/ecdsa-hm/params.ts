/**
 * Parameters of the honest-majority ECDSA sessions, their validation, and the context hashes
 * every player's first message carries so that all players provably run the same thing
 * (checklist A2, A6 inputs, B1; protocols.md §2.6).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { Writer } from '../../engine/codec.js';
import { utf8ToBytes } from '../../math/bytes.js';
import { transcriptHash } from '../../math/transcript.js';
import type { KeyShare } from '../key-share.js';
import { encodeParties } from '../dkg/params.js';
import { arithmeticOf, type EcdsaHmArithmetic } from './arithmetic.js';
import { checkEcdsaHmThreshold, ecdsaHmPlayersNeeded, ecdsaKey, type EcdsaKey } from './key.js';

/** Protocol id of presigning sessions. */
export const ECDSA_HM_PRESIGN_PROTOCOL = 'ecdsa-hm-presign/v1';
/** Protocol id of signing sessions (v2: the context hash binds the presignature's R). */
export const ECDSA_HM_SIGN_PROTOCOL = 'ecdsa-hm-sign/v2';
/** Largest number of presignatures one presigning run makes. */
export const ECDSA_HM_MAX_BATCH = 256;

export function badParams(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, why);
}

/** Session id: 1..64 bytes (envelope limit, checklist A2). */
export function checkSessionId(sessionId: unknown): Uint8Array {
  if (!(sessionId instanceof Uint8Array) || sessionId.length === 0 || sessionId.length > 64) badParams('session id must be 1..64 bytes');
  return sessionId;
}

/**
 * The player set of a run: distinct identifiers of key holders, self included, exactly 2t + 1 of
 * them (protocols.md §2.6: presign and sign with exactly N = 2t + 1 players — more would allow
 * split-view key extraction, fewer cannot open the degree-2t sharings). Returned sorted.
 */
export function checkPlayers(key: EcdsaKey, self: PartyId, players: unknown): PartyId[] {
  const n = key.parties.length;
  checkEcdsaHmThreshold(key.threshold, n);
  const need = ecdsaHmPlayersNeeded(key.threshold);
  if (!Array.isArray(players)) badParams('players must be an array of player indices');
  const sorted = [...(players as unknown[])].sort((a, b) => Number(a) - Number(b)) as PartyId[];
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (!Number.isSafeInteger(p) || p < 1 || p > 0xffff) badParams('player indices must be integers in 1..65535');
    if (i > 0 && p === sorted[i - 1]) badParams(`player ${p} is listed twice`);
    if (!key.parties.includes(p)) badParams(`player ${p} holds no share of this key`);
  }
  if (sorted.length !== need)
    badParams(`a ${key.threshold}-of-${n} ECDSA key needs ${need} players online (2k−1) to presign and sign, exactly ${need} players must take part (got ${sorted.length})`);
  if (!sorted.includes(self)) badParams('this player is not one of the players of the run');
  return sorted;
}

/** Session parties for the engine before validation (validation errors then abort at start). */
export function sessionParties(self: PartyId, players: unknown): PartyId[] {
  const list = Array.isArray(players) ? (players as unknown[]).filter((p): p is number => Number.isSafeInteger(p) && (p as number) >= 1 && (p as number) <= 0xffff) : [];
  return [...new Set([...list, self])];
}

// ---------------------------------------------------------------------------------------------
// Presigning.

export interface PresignParams {
  /** Unique id of this presigning run, agreed out of band (1..64 bytes, checklist A2). */
  readonly sessionId: Uint8Array;
  /** This player's share of an ECDSA key (scheme ecdsa-secp256k1 or ecdsa-p256). */
  readonly key: KeyShare;
  /** The players of the run: exactly 2k − 1 key holders (any order), this player included. */
  readonly players: readonly PartyId[];
  /** Number of presignatures made by this run (1..ECDSA_HM_MAX_BATCH). */
  readonly count: number;
  /** Elliptic-curve back-end (default: noble; `nodeEcdsaHmArithmetic` from `@opentsm/core/node` on a server). */
  readonly arithmetic?: EcdsaHmArithmetic;
}

export interface PresignContext {
  readonly share: KeyShare;
  readonly key: EcdsaKey;
  readonly self: PartyId;
  readonly players: readonly PartyId[];
  readonly peers: readonly PartyId[];
  readonly count: number;
  readonly sessionId: Uint8Array;
  /** Context hash every round-1 message must carry. */
  readonly contextHash: Uint8Array;
  readonly arith: EcdsaHmArithmetic;
}

/**
 * Context hash of a presigning run: SHA-256 over length-prefixed ("opentsm/ecdsa-hm-presign/v1/context",
 * scheme, key digest, players (u16 each, ascending), u16(count), session id).
 */
export function presignContextHash(key: EcdsaKey, players: readonly PartyId[], count: number, sessionId: Uint8Array): Uint8Array {
  return transcriptHash(`opentsm/${ECDSA_HM_PRESIGN_PROTOCOL}/context`, utf8ToBytes(key.scheme), key.digest, encodeParties(players), new Writer().u16(count).finish(), sessionId);
}

export function presignContext(p: PresignParams): PresignContext {
  if (p === null || typeof p !== 'object') badParams('missing presigning parameters');
  const sessionId = checkSessionId(p.sessionId);
  const key = ecdsaKey(p.key);
  const self = p.key.self;
  if (!key.parties.includes(self)) badParams('the key share is not held by one of its parties');
  const players = checkPlayers(key, self, p.players);
  if (!Number.isSafeInteger(p.count) || p.count < 1 || p.count > ECDSA_HM_MAX_BATCH) badParams(`count must be an integer in 1..${ECDSA_HM_MAX_BATCH}`);
  return {
    share: p.key,
    key,
    self,
    players,
    peers: players.filter((q) => q !== self),
    count: p.count,
    sessionId,
    contextHash: presignContextHash(key, players, p.count, sessionId),
    arith: arithmeticOf(p.arithmetic),
  };
}
