/**
 * Parameters of one `ecdsa-hm-sign/v2` run, validated once at start, and the values every player
 * must agree on before releasing a signature share (protocols.md §2.6: (h, ε, player set), plus
 * the presignature (its id and its R), the key and the session).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { equalBytes, utf8ToBytes } from '../../math/bytes.js';
import { transcriptHash } from '../../math/transcript.js';
import type { KeyShare } from '../key-share.js';
import { bigintToBytes, messageHash, type Point } from './curve.js';
import { arithmeticOf, type EcdsaHmArithmetic } from './arithmetic.js';
import { ecdsaKey, type EcdsaKey } from './key.js';
import { encodeParties } from '../dkg/params.js';
import { badParams, checkPlayers, checkSessionId, ECDSA_HM_SIGN_PROTOCOL } from './params.js';
import type { Presignature } from './presignature.js';

export interface EcdsaSignParams {
  /** Unique id of this signing run, agreed out of band (1..64 bytes, checklist A2). */
  readonly sessionId: Uint8Array;
  /** This player's share of the key the presignature was made for. */
  readonly key: KeyShare;
  /** This player's presignature (consumed by `createEcdsaSignSession`, even if the run fails). */
  readonly presignature: Presignature;
  /** The message; it is hashed here, h = bits2int(SHA-256(message)) mod q (checklist F4). */
  readonly message: Uint8Array;
  /**
   * Additive key tweak ε (BIP32-style non-hardened derivation, protocols.md §5): the signature
   * verifies under y + ε·G. 0 ≤ ε < q; default 0. A non-zero tweak re-randomises the
   * presignature (§2.6).
   */
  readonly tweak?: bigint;
  /** The players: exactly the presignature's 2k − 1 players (any order). */
  readonly players: readonly PartyId[];
  /** Elliptic-curve back-end (default: noble; `nodeEcdsaHmArithmetic` from `@opentsm/core/node` on a server). */
  readonly arithmetic?: EcdsaHmArithmetic;
}

export interface SignContext {
  readonly key: EcdsaKey;
  readonly self: PartyId;
  readonly players: readonly PartyId[];
  readonly peers: readonly PartyId[];
  readonly sessionId: Uint8Array;
  readonly presignature: Presignature;
  /** The message m (verification on some back-ends hashes it again). */
  readonly message: Uint8Array;
  /** h = bits2int(SHA-256(m)) mod q, non-zero. */
  readonly h: bigint;
  readonly tweak: bigint;
  /** The verification key y' = y + ε·G. */
  readonly publicKey: Point;
  /** SEC1 compressed y'. */
  readonly publicKeyBytes: Uint8Array;
  /** Hash every round-1 broadcast must carry. */
  readonly contextHash: Uint8Array;
  readonly arith: EcdsaHmArithmetic;
}

/**
 * Context hash of a signing run: SHA-256 over length-prefixed
 * ("opentsm/ecdsa-hm-sign/v2/context", scheme, key digest, players (u16 each, ascending),
 *  presignature id, R (33-byte SEC1 compressed), h (32 bytes), ε (32 bytes), session id).
 *
 * R is bound explicitly: the presignature id covers only the public parameters of the presigning
 * run (key, players, session, count, index), not its output. Two players holding presignatures
 * with the same id but different R (a corrupted store, an aborted run that finished on some
 * players — docs "Abort behaviour") therefore abort with CONTEXT_MISMATCH before any signature
 * share leaves, instead of releasing shares computed with different r.
 */
export function signContextHash(
  key: EcdsaKey,
  players: readonly PartyId[],
  presignatureId: Uint8Array,
  R: Uint8Array,
  h: bigint,
  tweak: bigint,
  sessionId: Uint8Array,
): Uint8Array {
  return transcriptHash(
    `opentsm/${ECDSA_HM_SIGN_PROTOCOL}/context`,
    utf8ToBytes(key.scheme),
    key.digest,
    encodeParties(players),
    presignatureId,
    R,
    bigintToBytes(h),
    bigintToBytes(tweak),
    sessionId,
  );
}

/** Validate the parameters against the key and the presignature (already consumed by the caller). */
export function signContext(p: EcdsaSignParams): SignContext {
  const sessionId = checkSessionId(p.sessionId);
  if (!(p.message instanceof Uint8Array)) badParams('message must be bytes');
  const key = ecdsaKey(p.key);
  const self = p.key.self;
  const pre = p.presignature;
  // §2.6: bind the presignature to its key, player set and holder.
  if (pre.scheme !== key.scheme) badParams(`the presignature is for scheme ${pre.scheme}, the key is ${key.scheme}`);
  if (!equalBytes(pre.keyDigest, key.digest)) badParams('the presignature was made for another key (or another epoch of this key)');
  if (pre.self !== self) badParams(`the presignature belongs to player ${pre.self}, not to this player (${self})`);
  const players = checkPlayers(key, self, p.players);
  if (players.length !== pre.players.length || players.some((q, i) => q !== pre.players[i]))
    badParams(`the presignature was made by players ${pre.players.join(',')}; it can only be used by exactly those players (got ${players.join(',')})`);
  const c = key.curve;
  const tweak = p.tweak ?? 0n;
  if (typeof tweak !== 'bigint' || tweak < 0n || tweak >= c.q) badParams('tweak must be a bigint in [0, q)');
  const arith = arithmeticOf(p.arithmetic);
  const publicKey = tweak === 0n ? key.groupKey : key.groupKey.add(arith.mulBase(c, tweak));
  if (publicKey.is0()) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'the tweaked public key is the identity');
  const h = messageHash(c, p.message);
  // §2.6: refuse h = 0 (the message-dependent mask h·[d] would vanish).
  if (h === 0n) badParams('the message hash is zero mod q');
  return {
    key,
    self,
    players,
    peers: players.filter((q) => q !== self),
    sessionId,
    presignature: pre,
    message: p.message,
    h,
    tweak,
    publicKey,
    publicKeyBytes: tweak === 0n ? key.groupKeyBytes : publicKey.toBytes(true),
    contextHash: signContextHash(key, players, pre.id, pre.R, h, tweak, sessionId),
    arith,
  };
}
