/**
 * Parameters of one `dkls23-sign/v1` run, validated once at start, and the values derived from
 * them: h, the Lagrange coefficient, the tweaked key, the context hash every signer must agree on,
 * and the OT-extension session ids of every ordered pair (dkls23.md §C.5).
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import { toHex, utf8ToBytes } from '../../../math/bytes.js';
import { lagrangeAtZero } from '../../../math/polynomial.js';
import type { GroupPoint, Suite } from '../../../suites/index.js';
import { getSuite } from '../../../suites/index.js';
import { encodeEpoch, keyEpoch } from '../../key-share.js';
import { defaultOtSessionGuard, type OtSessionGuard } from '../guard.js';
import { isDklsKeyShare, type DklsKeyShare, type DklsPeerSetup } from '../key-share.js';
import { TAG } from '../params.js';
import { nobleDklsPrimitives, u16, type DklsPrimitives } from '../primitives.js';
import { gadgetVector } from '../rvole.js';
import { encodeParties } from '../keygen/config.js';

export interface DklsSignParams {
  /** Unique id of this signing run, agreed out of band (1..64 bytes, checklist A2). NEVER reuse one. */
  readonly sessionId: Uint8Array;
  /** This party's DKLs23 key share. */
  readonly key: DklsKeyShare;
  /** The signers: exactly `key.threshold` distinct parties of the key, self included (any order). */
  readonly signers: readonly PartyId[];
  /** The message; hashed inside with SHA-256 (h = bits2int(SHA-256(message)) mod q; checklist F4). */
  readonly message: Uint8Array;
  /** Additive tweak ε (0 ≤ ε < q, e.g. a BIP32 non-hardened offset): the signature verifies under PK + ε·G. */
  readonly tweak?: bigint;
  /** Hash implementation (default noble; in Node pass `nodeDklsPrimitives` from `@opentsm/core/node`). */
  readonly primitives?: DklsPrimitives;
  /**
   * OT-extension session-id guard (guard.ts): called once per OT extension (two per peer: as sender
   * and as receiver) before anything is sent; `false` aborts with DKLS_OT_SESSION_REUSED. Nodes MUST
   * back it with a persistent record. Default: an in-memory record per key (this process only).
   */
  readonly otSessionGuard?: OtSessionGuard;
}

export interface PairContext {
  readonly setup: DklsPeerSetup;
  /** OT extension in which we are the sender (Alice) and the peer the receiver. */
  readonly sidAsSender: Uint8Array;
  /** OT extension in which the peer is the sender and we are the receiver (Bob). */
  readonly sidAsReceiver: Uint8Array;
  /** Gadget vectors of both ordered pairs. */
  readonly gAsSender: readonly bigint[];
  readonly gAsReceiver: readonly bigint[];
}

export interface SignContext {
  readonly suite: Suite;
  readonly prims: DklsPrimitives;
  readonly self: PartyId;
  /** The other signers, ascending. */
  readonly peers: readonly PartyId[];
  readonly message: Uint8Array;
  /** h = int(SHA-256(message)) mod q. */
  readonly h: bigint;
  readonly tweak: bigint;
  /** PK' = PK + ε·G and its compressed encoding. */
  readonly publicKey: GroupPoint;
  readonly publicKeyBytes: Uint8Array;
  /** λ_i for the signer set. */
  readonly lambda: bigint;
  /** s_i (the Shamir share). SECRET. */
  readonly share: bigint;
  /** Hash of everything the signers must agree on (round-1 broadcast). */
  readonly contextHash: Uint8Array;
  readonly pairs: ReadonlyMap<PartyId, PairContext>;
  readonly guard: OtSessionGuard;
}

function bad(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid DKLs23 signing parameters: ${why}`);
}

/** Validate the parameters and derive the run context (called when the session starts). */
export function signContext(p: DklsSignParams): SignContext {
  if (p === null || typeof p !== 'object') bad('missing parameters');
  if (!(p.message instanceof Uint8Array)) bad('message must be bytes');
  if (!(p.sessionId instanceof Uint8Array) || p.sessionId.length === 0 || p.sessionId.length > 64) bad('session id must be 1..64 bytes');
  const key = p.key;
  if (key === null || typeof key !== 'object' || !isDklsKeyShare(key)) bad('key is not a DKLs23 key share (missing OT setup)');
  const suite = getSuite(key.scheme);
  const prims = p.primitives ?? nobleDklsPrimitives;
  if (!Array.isArray(p.signers)) bad('signers must be an array');
  const signers = [...p.signers].sort((a, b) => a - b);
  for (let i = 0; i < signers.length; i++) {
    const id = signers[i]!;
    if (!Number.isSafeInteger(id) || id < 1 || id > 0xffff) bad('signer identifiers must be integers in 1..65535');
    if (i > 0 && id === signers[i - 1]) bad('duplicate signer');
    if (!key.parties.includes(id)) bad(`party ${id} holds no share of this key`);
  }
  if (!signers.includes(key.self)) bad('this party is not one of the signers');
  if (signers.length < key.threshold) throw new ProtocolError(ErrorCode.NOT_ENOUGH_SIGNERS, `${signers.length} signers, the key needs ${key.threshold}`);
  if (signers.length > key.threshold) bad(`exactly ${key.threshold} signers sign (got ${signers.length})`);
  const tweak = p.tweak ?? 0n;
  if (typeof tweak !== 'bigint' || tweak < 0n || tweak >= suite.order) bad('tweak must be a bigint in [0, q)');
  const PK = suite.decodePoint(key.groupKey);
  const publicKey = tweak === 0n ? PK : PK.add(suite.G.multiplyUnsafe(tweak));
  if (publicKey.is0()) bad('the tweaked key is the identity');
  const publicKeyBytes = suite.encodePoint(publicKey);
  const share = suite.decodeNonZeroScalar(key.secretShare);
  const h = bytesToNumberBE(sha256(p.message)) % suite.order; // bits2int for 256-bit curves
  const contextHash = prims.hash(
    TAG.signContext,
    utf8ToBytes(suite.name),
    p.sessionId,
    key.groupKey,
    u16(key.threshold),
    encodeParties(signers),
    suite.encodeScalar(h),
    suite.encodeScalar(tweak),
    key.chainCode,
    encodeEpoch(keyEpoch(key)),
  );
  const self = key.self;
  const peers = signers.filter((j) => j !== self);
  const pairs = new Map<PartyId, PairContext>();
  for (const j of peers) {
    const setup = key.ot[j]!;
    const oteSid = (alice: PartyId, bob: PartyId) => prims.hash(TAG.oteSid, contextHash, setup.setupId, u16(alice), u16(bob));
    pairs.set(j, {
      setup,
      sidAsSender: oteSid(self, j),
      sidAsReceiver: oteSid(j, self),
      gAsSender: gadgetVector(prims, suite, setup.setupId, self, j),
      gAsReceiver: gadgetVector(prims, suite, setup.setupId, j, self),
    });
  }
  return {
    suite,
    prims,
    self,
    peers,
    message: p.message,
    h,
    tweak,
    publicKey,
    publicKeyBytes,
    lambda: lagrangeAtZero(suite, self, signers),
    share,
    contextHash,
    pairs,
    guard: p.otSessionGuard ?? defaultOtSessionGuard(`${suite.name}:${toHex(key.groupKey)}:${self}`),
  };
}
