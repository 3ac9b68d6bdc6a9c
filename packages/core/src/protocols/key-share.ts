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
  };
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
