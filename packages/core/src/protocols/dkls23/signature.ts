/**
 * The ECDSA signature output of threshold signing (shared shape with the honest-majority ECDSA
 * protocol: defined here because protocols/ecdsa-hm did not exist when DKLs23 was written).
 */
import { ErrorCode, ProtocolError } from '../../errors.js';

export interface EcdsaSignature {
  /** r ‖ s, 32 bytes each, big-endian, low-s (s ≤ q/2). */
  readonly signature: Uint8Array;
  /** The same signature, DER-encoded (SEQUENCE { INTEGER r, INTEGER s }). */
  readonly der: Uint8Array;
  /** y-parity of R after low-s normalisation (0 or 1); x(R) ≥ q never occurs in practice and aborts. */
  readonly recoveryId: 0 | 1;
  /** The public key the signature verifies under (compressed SEC1, 33 bytes; the tweaked key if a tweak was given). */
  readonly publicKey: Uint8Array;
}

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
