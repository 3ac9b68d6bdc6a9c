/**
 * In-process FROST signing with several shares held by one caller (demo, benchmarks, tests):
 * RFC 9591 §5.1–§5.3 end to end, every share verified and the signature checked. Production
 * signing runs `createFrostSignSession` on each player instead; this helper exists so that the
 * math can be exercised without the network.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { KeyShare } from '../key-share.js';
import { commit } from './nonces.js';
import type { FrostSignResult } from './round2.js';
import { aggregate, signShare } from './sign.js';
import { signingKey } from './signing-key.js';
import { SigningPackage } from './signing-package.js';

/** Sign `message` with the given shares of one key (at least `threshold` of them, one per player). */
export function signWithShares(shares: readonly KeyShare[], message: Uint8Array): FrostSignResult {
  if (shares.length === 0) throw new ProtocolError(ErrorCode.NOT_ENOUGH_SIGNERS, 'no shares given');
  const sorted = [...shares].sort((a, b) => a.self - b.self);
  const key = signingKey(sorted[0]!);
  for (const s of sorted) {
    if (!(signingKey(s).packageDigest.every((b, i) => b === key.packageDigest[i])))
      throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'shares of different keys');
  }
  const nonces = sorted.map((s) => commit(s));
  const pkg = SigningPackage.create(key, message, nonces.map((n) => n.commitment));
  const zs = new Map<PartyId, Uint8Array>();
  sorted.forEach((s, i) => zs.set(s.self, signShare(s, nonces[i]!, pkg)));
  const signature = aggregate(pkg, zs);
  return { signature, publicKey: key.publicKey, signers: pkg.signers };
}
