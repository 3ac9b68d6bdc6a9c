/**
 * The ECDSA signature output of DKLs23 signing: the same `EcdsaSignature` as the honest-majority
 * protocol (protocols/ecdsa-hm), so that callers handle both alike; plus the DER helper.
 */
import { ErrorCode, ProtocolError } from '../../errors.js';

export type { EcdsaSignature } from '../ecdsa-hm/sign-round2.js';

function derInt(v: Uint8Array): Uint8Array {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let body = v.subarray(i);
  if (body[0]! & 0x80) body = Uint8Array.of(0, ...body);
  return Uint8Array.of(0x02, body.length, ...body);
}

/** DER encoding of a 64-byte r ‖ s (r, s < 2^256, so every length fits one byte). */
export function ecdsaDer(sig: Uint8Array): Uint8Array {
  if (sig.length !== 64) throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'signature must be 64 bytes');
  const r = derInt(sig.subarray(0, 32));
  const s = derInt(sig.subarray(32));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}
