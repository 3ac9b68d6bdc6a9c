/**
 * The output of key generation for one player, and its storage encoding.
 *
 * Shares are Shamir shares of degree k−1 at x = player index (protocols.md §4). The secret share
 * is the only secret field; everything else is public and identical on every player (checked by
 * the DKG's confirmation round, checklist D5).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { parseHex, toHex } from '../math/bytes.js';
import { getSuite, type Scheme, type GroupPoint, type Suite } from '../suites/index.js';

export interface KeyShare {
  readonly scheme: Scheme;
  /** k: number of players needed to sign. */
  readonly threshold: number;
  /** All players holding a share (sorted ascending). */
  readonly parties: readonly PartyId[];
  /** This player's index. */
  readonly self: PartyId;
  /** This player's secret share s_i (suite scalar encoding). SECRET. */
  readonly secretShare: Uint8Array;
  /** Group public key in the suite's element encoding (33-byte compressed for secp256k1 / P-256 / Taproot, 32 for Ed25519). */
  readonly groupKey: Uint8Array;
  /** Public key in the scheme's external encoding (x-only 32 bytes for Taproot). */
  readonly publicKey: Uint8Array;
  /** Verifying share Y_j = s_j·G for every player j (element encoding). */
  readonly verifyingShares: Readonly<Record<PartyId, Uint8Array>>;
  /** 32-byte chain code every player contributed to (for BIP32 derivation). */
  readonly chainCode: Uint8Array;
  /**
   * Version of the shares (docs/protocols/refresh-reshare.md). Absent = epoch 0 (counter 0, all-zero
   * id): the output of key generation, and every key stored before epochs existed. Refresh and
   * reshare output counter + 1 and a new id; signing binds the epoch (shares of different epochs
   * cannot sign together).
   */
  readonly epoch?: KeyEpoch;
  /**
   * `frost-secp256k1-tr` only: the BIP341 internal key P (33-byte compressed, with its real parity,
   * before even-y normalisation and the TapTweak). `groupKey` holds the output key
   * Q = ±P + TapTweak(x(P))·G. BIP32 derivation works on P (docs/protocols/derivation.md). Absent
   * for keys that predate this field (they cannot be derived).
   */
  readonly taprootInternalKey?: Uint8Array;
}

/** Length of an epoch id. */
export const EPOCH_ID_LENGTH = 32;

/** A key's share version: counter and a 32-byte id chained over every refresh / reshare. */
export interface KeyEpoch {
  /** 0 for key generation output, + 1 per refresh or reshare. */
  readonly counter: number;
  /** All-zero for epoch 0; afterwards H(previous id, protocol, session id) (protocols/refresh/common.ts). */
  readonly id: Uint8Array;
}

/** The epoch of a key (absent = epoch 0). */
export function keyEpoch(k: { readonly epoch?: KeyEpoch | undefined }): KeyEpoch {
  return k.epoch ?? { counter: 0, id: new Uint8Array(EPOCH_ID_LENGTH) };
}

/** Canonical encoding of an epoch: u32be(counter) ‖ id (36 bytes). Hashed by signing, refresh and reshare. */
export function encodeEpoch(e: KeyEpoch): Uint8Array {
  if (!Number.isSafeInteger(e.counter) || e.counter < 0 || e.counter > 0xffffffff || !(e.id instanceof Uint8Array) || e.id.length !== EPOCH_ID_LENGTH)
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid key epoch');
  const out = new Uint8Array(4 + EPOCH_ID_LENGTH);
  new DataView(out.buffer).setUint32(0, e.counter);
  out.set(e.id, 4);
  return out;
}

/**
 * Taproot output key of an internal key P (protocols.md §1.10, BIP341 with an empty merkle root):
 * Q = ±P + t·G with P even-y normalised and t = TapTweak(x(P)), exactly as the DKG adjusts its
 * output (`suite.adjustDkgKey`).
 */
export function taprootOutputKey(suite: Suite, internalKey: GroupPoint): GroupPoint {
  const { negate, tweak } = suite.adjustDkgKey(internalKey);
  const P = negate ? internalKey.negate() : internalKey;
  return tweak === 0n ? P : P.add(suite.G.multiplyUnsafe(tweak));
}

/** Public part of a key (what every player and the client may see). */
export type PublicKeyPackage = Omit<KeyShare, 'secretShare' | 'self'>;

export function publicPackage(k: KeyShare): PublicKeyPackage {
  const { secretShare: _s, self: _self, ...pub } = k;
  return pub;
}

/** JSON form used by stores (the caller encrypts it: it contains the secret share). */
export interface KeyShareJson {
  v: 1;
  scheme: Scheme;
  threshold: number;
  parties: PartyId[];
  self: PartyId;
  secretShare: string;
  groupKey: string;
  publicKey: string;
  verifyingShares: Record<string, string>;
  chainCode: string;
  /** Absent = epoch 0. */
  epoch?: { counter: number; id: string };
  /** frost-secp256k1-tr only (hex of KeyShare.taprootInternalKey). */
  taprootInternalKey?: string;
}

export function keyShareToJson(k: KeyShare): KeyShareJson {
  const vs: Record<string, string> = {};
  for (const p of k.parties) vs[String(p)] = toHex(k.verifyingShares[p]!);
  return {
    v: 1,
    scheme: k.scheme,
    threshold: k.threshold,
    parties: [...k.parties],
    self: k.self,
    secretShare: toHex(k.secretShare),
    groupKey: toHex(k.groupKey),
    publicKey: toHex(k.publicKey),
    verifyingShares: vs,
    chainCode: toHex(k.chainCode),
    ...(k.epoch !== undefined ? { epoch: { counter: k.epoch.counter, id: toHex(k.epoch.id) } } : {}),
    ...(k.taprootInternalKey !== undefined ? { taprootInternalKey: toHex(k.taprootInternalKey) } : {}),
  };
}

/** Parse and fully validate a stored key share (points decode, s_i·G = Y_i, sizes). */
export function keyShareFromJson(j: KeyShareJson): KeyShare {
  const bad = (why: string): never => {
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid key share: ${why}`);
  };
  if (j === null || typeof j !== 'object' || j.v !== 1) bad('unknown version');
  const suite = getSuite(j.scheme);
  if (!Array.isArray(j.parties) || !j.parties.includes(j.self)) bad('self not in parties');
  if (!Number.isInteger(j.threshold) || j.threshold < 1 || j.threshold > j.parties.length) bad('threshold');
  const verifyingShares: Record<PartyId, Uint8Array> = {};
  for (const p of j.parties) {
    const h = j.verifyingShares[String(p)];
    if (typeof h !== 'string') bad(`missing verifying share for ${p}`);
    verifyingShares[p] = parseHex(h!, suite.pointLength);
    suite.decodePoint(verifyingShares[p]);
  }
  let epoch: KeyEpoch | undefined;
  if (j.epoch !== undefined) {
    const e = j.epoch;
    if (e === null || typeof e !== 'object' || !Number.isSafeInteger(e.counter) || e.counter < 0 || e.counter > 0xffffffff || typeof e.id !== 'string') bad('epoch');
    epoch = { counter: e.counter, id: parseHex(e.id, EPOCH_ID_LENGTH) };
  }
  let taprootInternalKey: Uint8Array | undefined;
  if (j.taprootInternalKey !== undefined) {
    if (j.scheme !== 'frost-secp256k1-tr') bad('an internal key is only defined for frost-secp256k1-tr');
    taprootInternalKey = parseHex(j.taprootInternalKey, suite.pointLength);
  }
  const share: KeyShare = {
    scheme: j.scheme,
    threshold: j.threshold,
    parties: [...j.parties].sort((a, b) => a - b),
    self: j.self,
    secretShare: parseHex(j.secretShare, suite.scalarLength),
    groupKey: parseHex(j.groupKey, suite.pointLength),
    publicKey: parseHex(j.publicKey, suite.publicKeyLength),
    verifyingShares,
    chainCode: parseHex(j.chainCode, 32),
    ...(epoch !== undefined ? { epoch } : {}),
    ...(taprootInternalKey !== undefined ? { taprootInternalKey } : {}),
  };
  // The stored output key must be the TapTweak of the internal key.
  if (taprootInternalKey !== undefined && !taprootOutputKey(suite, suite.decodePoint(taprootInternalKey)).equals(suite.decodePoint(share.groupKey)))
    bad('group key is not the Taproot output key of the internal key');
  suite.decodePoint(share.groupKey);
  const s = suite.decodeNonZeroScalar(share.secretShare);
  if (!suite.G.multiply(s).equals(suite.decodePoint(verifyingShares[j.self]!))) bad('secret share does not match its verifying share');
  return share;
}

/** Decoded points of a key, computed once (signing hot path). */
export interface DecodedKey {
  readonly suite: Suite;
  readonly groupKey: GroupPoint;
  readonly verifyingShares: ReadonlyMap<PartyId, GroupPoint>;
}

export function decodeKey(k: PublicKeyPackage): DecodedKey {
  const suite = getSuite(k.scheme);
  const vs = new Map<PartyId, GroupPoint>();
  for (const p of k.parties) vs.set(p, suite.decodePoint(k.verifyingShares[p]!));
  return { suite, groupKey: suite.decodePoint(k.groupKey), verifyingShares: vs };
}
