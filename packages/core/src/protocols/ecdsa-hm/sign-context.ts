/**
 * Parameters of one `ecdsa-hm-sign/v2` run — one item or a batch of items — validated once at
 * start, and the values every player must agree on before releasing a signature share
 * (protocols.md §2.6: (h, ε, player set), plus the presignature (its id and its R), the key and
 * the session), per item and, for a batch, over the ordered list of items.
 */
import type { PartyId } from '../../errors.js';
import { equalBytes, utf8ToBytes } from '../../math/bytes.js';
import { transcriptHash } from '../../math/transcript.js';
import type { KeyShare } from '../key-share.js';
import { bigintToBytes, messageHash, type Point } from './curve.js';
import { arithmeticOf, type EcdsaHmArithmetic } from './arithmetic.js';
import { ecdsaKey, type EcdsaKey } from './key.js';
import { encodeParties } from '../dkg/params.js';
import { badParams, checkPlayers, checkSessionId, ECDSA_HM_SIGN_PROTOCOL } from './params.js';
import type { Presignature } from './presignature.js';

/** Largest number of items one batch signing session signs. */
export const ECDSA_HM_MAX_SIGN_BATCH = 64;

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

/** One item of a batch: its own presignature, message and tweak (as in {@link EcdsaSignParams}). */
export interface EcdsaBatchSignItem {
  /** This player's presignature for this item (consumed by `createEcdsaBatchSignSession`, even if the run fails). */
  readonly presignature: Presignature;
  /** The message; hashed here, h = bits2int(SHA-256(message)) mod q (checklist F4). */
  readonly message: Uint8Array;
  /** Additive key tweak ε of this item, 0 ≤ ε < q; default 0 (re-randomised when ≠ 0, §2.6). */
  readonly tweak?: bigint;
}

export interface EcdsaBatchSignParams {
  /** Unique id of this signing run, agreed out of band (1..64 bytes, checklist A2). */
  readonly sessionId: Uint8Array;
  /** This player's share of the key every presignature was made for. */
  readonly key: KeyShare;
  /** 1..ECDSA_HM_MAX_SIGN_BATCH items, in the same order on every player; distinct presignatures. */
  readonly items: readonly EcdsaBatchSignItem[];
  /** The players: exactly the presignatures' 2k − 1 players (any order), the same for every item. */
  readonly players: readonly PartyId[];
  /** Elliptic-curve back-end (default: noble; `nodeEcdsaHmArithmetic` from `@opentsm/core/node` on a server). */
  readonly arithmetic?: EcdsaHmArithmetic;
}

/** One validated item of a run. */
export interface SignItem {
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
}

export interface SignContext {
  readonly key: EcdsaKey;
  readonly self: PartyId;
  readonly players: readonly PartyId[];
  readonly peers: readonly PartyId[];
  readonly sessionId: Uint8Array;
  /** The items, in the agreed order (m ≥ 1). */
  readonly items: readonly SignItem[];
  /** Hash every round-1 broadcast must carry: signContextHash (m = 1) or signBatchContextHash. */
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

/**
 * Context hash of a batch of m ≥ 2 items: SHA-256 over length-prefixed
 * ("opentsm/ecdsa-hm-sign/v2/batch-context", itemHash_1, …, itemHash_m), itemHash_j =
 * {@link signContextHash} of item j. Binds every item and their order; a batch of one uses
 * signContextHash itself (the single-item wire format).
 */
export function signBatchContextHash(itemHashes: readonly Uint8Array[]): Uint8Array {
  return transcriptHash(`opentsm/${ECDSA_HM_SIGN_PROTOCOL}/batch-context`, ...itemHashes);
}

/**
 * Validate the parameters against the key and every presignature (already consumed by the
 * caller): 1 ≤ m ≤ ECDSA_HM_MAX_SIGN_BATCH, distinct presignature ids, and per item the §2.6
 * bindings, the tweak range, y + ε·G ≠ O and h ≠ 0.
 */
export function signContext(p: EcdsaBatchSignParams): SignContext {
  const sessionId = checkSessionId(p.sessionId);
  const key = ecdsaKey(p.key);
  const self = p.key.self;
  const players = checkPlayers(key, self, p.players);
  const m = p.items.length;
  if (m < 1 || m > ECDSA_HM_MAX_SIGN_BATCH) badParams(`a signing batch has 1..${ECDSA_HM_MAX_SIGN_BATCH} items (got ${m})`);
  if (new Set(p.items.map((it) => it.presignature.idHex)).size !== m) badParams('the same presignature appears twice in the batch');
  const arith = arithmeticOf(p.arithmetic);
  const c = key.curve;
  const items = p.items.map((it, j): SignItem => {
    const bad = (why: string): never => badParams(m === 1 ? why : `item ${j}: ${why}`);
    if (!(it.message instanceof Uint8Array)) bad('message must be bytes');
    const pre = it.presignature;
    // §2.6: bind the presignature to its key, player set and holder.
    if (pre.scheme !== key.scheme) bad(`the presignature is for scheme ${pre.scheme}, the key is ${key.scheme}`);
    if (!equalBytes(pre.keyDigest, key.digest)) bad('the presignature was made for another key (or another epoch of this key)');
    if (pre.self !== self) bad(`the presignature belongs to player ${pre.self}, not to this player (${self})`);
    if (players.length !== pre.players.length || players.some((q, i) => q !== pre.players[i]))
      bad(`the presignature was made by players ${pre.players.join(',')}; it can only be used by exactly those players (got ${players.join(',')})`);
    const tweak = it.tweak ?? 0n;
    if (typeof tweak !== 'bigint' || tweak < 0n || tweak >= c.q) bad('tweak must be a bigint in [0, q)');
    const publicKey = tweak === 0n ? key.groupKey : key.groupKey.add(arith.mulBase(c, tweak));
    if (publicKey.is0()) bad('the tweaked public key is the identity');
    const h = messageHash(c, it.message);
    // §2.6: refuse h = 0 (the message-dependent mask h·[d] would vanish).
    if (h === 0n) bad('the message hash is zero mod q');
    return { presignature: pre, message: it.message, h, tweak, publicKey, publicKeyBytes: tweak === 0n ? key.groupKeyBytes : publicKey.toBytes(true) };
  });
  const hashes = items.map((it) => signContextHash(key, players, it.presignature.id, it.presignature.R, it.h, it.tweak, sessionId));
  return {
    key,
    self,
    players,
    peers: players.filter((q) => q !== self),
    sessionId,
    items,
    contextHash: m === 1 ? hashes[0]! : signBatchContextHash(hashes),
    arith,
  };
}
