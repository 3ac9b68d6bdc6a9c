/** Fast conversions between bigint scalars and bytes for the RVOLE hot path. */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { SCALAR_HASH_BYTES } from './params.js';

/** The 48-byte big-endian integer at `dv[o..o+48)` reduced mod q (hash → scalar, bias < 2^-128). */
export function scalarFromHash(dv: DataView, o: number, q: bigint): bigint {
  const hi = (dv.getBigUint64(o) << 64n) | dv.getBigUint64(o + 8);
  const mid = (dv.getBigUint64(o + 16) << 64n) | dv.getBigUint64(o + 24);
  const lo = (dv.getBigUint64(o + 32) << 64n) | dv.getBigUint64(o + 40);
  return ((hi << 256n) | (mid << 128n) | lo) % q;
}

/** `count` scalars from consecutive 48-byte chunks. */
export function scalarsFromHash(bytes: Uint8Array, count: number, q: bigint): bigint[] {
  if (bytes.length < count * SCALAR_HASH_BYTES) throw new RangeError('not enough hashed bytes');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: bigint[] = new Array<bigint>(count);
  for (let i = 0; i < count; i++) out[i] = scalarFromHash(dv, i * SCALAR_HASH_BYTES, q);
  return out;
}

const MASK64 = 0xffffffffffffffffn;

/** Write the 32-byte big-endian encoding of 0 ≤ s < 2^256 at dv[o..o+32). */
export function writeScalar(dv: DataView, o: number, s: bigint): void {
  dv.setBigUint64(o + 24, s & MASK64);
  dv.setBigUint64(o + 16, (s >> 64n) & MASK64);
  dv.setBigUint64(o + 8, (s >> 128n) & MASK64);
  dv.setBigUint64(o, s >> 192n);
}

/** Read a 32-byte big-endian scalar and reject values ≥ q (checklist B3). */
export function readScalar(dv: DataView, o: number, q: bigint): bigint {
  const v = (((((dv.getBigUint64(o) << 64n) | dv.getBigUint64(o + 8)) << 64n) | dv.getBigUint64(o + 16)) << 64n) | dv.getBigUint64(o + 24);
  if (v >= q) throw new ProtocolError(ErrorCode.INVALID_SCALAR, 'invalid scalar: not below the group order');
  return v;
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
