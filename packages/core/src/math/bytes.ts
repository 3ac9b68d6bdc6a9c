/** Byte helpers shared by every module (no secrets are ever printed by these). */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
export { bytesToHex, hexToBytes, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/** Constant-time-ish equality of two byte arrays (length leaks, contents don't). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Strict hex decoding: even length, [0-9a-fA-F] only, optional exact length check. */
export function parseHex(hex: string, expectedLength?: number): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('invalid hex string');
  const b = hexToBytes(hex.toLowerCase());
  if (expectedLength !== undefined && b.length !== expectedLength)
    throw new TypeError(`expected ${expectedLength} bytes of hex, got ${b.length}`);
  return b;
}

export function toHex(b: Uint8Array): string {
  return bytesToHex(b);
}

/** Fresh random bytes from crypto.getRandomValues (the only randomness source we use). */
export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}
