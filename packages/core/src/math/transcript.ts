/**
 * Injective transcript hashing (checklist B1/B2): every element is prefixed with its 4-byte
 * big-endian length, the whole is prefixed with a domain-separation tag, so two different
 * sequences of fields can never hash to the same input.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

export function lengthPrefixed(fields: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const f of fields) total += 4 + f.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const f of fields) {
    dv.setUint32(o, f.length);
    out.set(f, o + 4);
    o += 4 + f.length;
  }
  return out;
}

/** SHA-256 over (tag, ...fields), each length-prefixed. */
export function transcriptHash(tag: string, ...fields: readonly Uint8Array[]): Uint8Array {
  return sha256(lengthPrefixed([utf8ToBytes(tag), ...fields]));
}

export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/** One byte (n mod 256, like `u32be`'s DataView conversion). */
export function u8(n: number): Uint8Array {
  const b = new Uint8Array(1);
  new DataView(b.buffer).setUint8(0, n);
  return b;
}

/** Two bytes big-endian (n mod 2^16, like `u32be`'s DataView conversion). */
export function u16be(n: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n);
  return b;
}
