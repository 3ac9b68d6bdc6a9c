/**
 * GF(2^128) arithmetic for the OT-extension consistency check (dkls23.md §C.2, the block-wise
 * SoftSpokenOT / corrected-KOS check over GF(2^b) with b = 128).
 *
 * Field: GF(2)[X] / (X^128 + X^7 + X^2 + X + 1). An element is 16 bytes; bit i (coefficient of
 * X^i) is bit (i mod 8) of byte ⌊i/8⌋ (least significant bit first). In memory an element is four
 * little-endian u32 words (word k holds X^{32k} … X^{32k+31}), read through Uint32Array views:
 * the module refuses to load on a big-endian platform.
 *
 * Multiplication by a fixed element c uses a 4-bit table (32 nibble positions × 16 entries):
 * 32 table lookups and XORs per product. Not constant-time with respect to the *other* factor's
 * bits in a strict sense (table index = 4 secret bits), like GHASH table implementations; the
 * inputs here are OT-extension rows, whose secrecy against timing is best-effort in JS anyway.
 */

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('@opentsm/core dkls23 requires a little-endian platform');

/** a ← a·X (in place, 4 words). */
function mulX(w: Uint32Array, o: number): void {
  const carry = w[o + 3]! >>> 31;
  w[o + 3] = (w[o + 3]! << 1) | (w[o + 2]! >>> 31);
  w[o + 2] = (w[o + 2]! << 1) | (w[o + 1]! >>> 31);
  w[o + 1] = (w[o + 1]! << 1) | (w[o]! >>> 31);
  // X^128 = X^7 + X^2 + X + 1 (0x87); -carry is 0 or all ones.
  w[o] = (w[o]! << 1) ^ (0x87 & -carry);
}

/** Multiplication by a fixed field element. */
export class Gf128Multiplier {
  /** table[(32·p + n)·4 + k]: word k of c·(n · X^{4p}), p < 32, n < 16. */
  private readonly table = new Uint32Array(32 * 16 * 4);

  /** `c`: 16 bytes (any view; copied). */
  constructor(c: Uint8Array) {
    if (c.length !== 16) throw new RangeError('GF(2^128) element must be 16 bytes');
    const pow = new Uint32Array(4); // c·X^i, advanced bit by bit
    const cb = c.slice();
    pow.set(new Uint32Array(cb.buffer, cb.byteOffset, 4));
    const t = this.table;
    for (let p = 0; p < 32; p++) {
      const base = p * 64;
      // Single-bit entries n = 1, 2, 4, 8 are c·X^{4p+b}.
      for (let b = 0; b < 4; b++) {
        const e = base + (1 << b) * 4;
        t[e] = pow[0]!;
        t[e + 1] = pow[1]!;
        t[e + 2] = pow[2]!;
        t[e + 3] = pow[3]!;
        mulX(pow, 0);
      }
      for (let n = 3; n < 16; n++) {
        if ((n & (n - 1)) === 0) continue;
        const low = n & -n;
        const e = base + n * 4;
        const a = base + low * 4;
        const r = base + (n ^ low) * 4;
        t[e] = t[a]! ^ t[r]!;
        t[e + 1] = t[a + 1]! ^ t[r + 1]!;
        t[e + 2] = t[a + 2]! ^ t[r + 2]!;
        t[e + 3] = t[a + 3]! ^ t[r + 3]!;
      }
    }
  }

  /** acc[ao..ao+4) ^= c · x where x = src[so..so+4) (u32 words). */
  mulXor(src: Uint32Array, so: number, acc: Uint32Array, ao: number): void {
    const t = this.table;
    let a0 = acc[ao]!;
    let a1 = acc[ao + 1]!;
    let a2 = acc[ao + 2]!;
    let a3 = acc[ao + 3]!;
    for (let k = 0; k < 4; k++) {
      const w = src[so + k]!;
      const pBase = k * 8 * 64;
      for (let s = 0; s < 8; s++) {
        const e = pBase + s * 64 + ((w >>> (4 * s)) & 15) * 4;
        a0 ^= t[e]!;
        a1 ^= t[e + 1]!;
        a2 ^= t[e + 2]!;
        a3 ^= t[e + 3]!;
      }
    }
    acc[ao] = a0;
    acc[ao + 1] = a1;
    acc[ao + 2] = a2;
    acc[ao + 3] = a3;
  }
}

/** Reference bit-by-bit product (tests only): schoolbook multiplication then reduction. */
export function gf128MulReference(a: Uint8Array, b: Uint8Array): Uint8Array {
  const bit = (x: Uint8Array, i: number) => (x[i >> 3]! >> (i & 7)) & 1;
  const prod = new Uint8Array(32); // degree < 255
  for (let i = 0; i < 128; i++) {
    if (!bit(a, i)) continue;
    for (let j = 0; j < 128; j++) if (bit(b, j)) prod[(i + j) >> 3]! ^= 1 << ((i + j) & 7);
  }
  for (let d = 254; d >= 128; d--) {
    if (!bit(prod, d)) continue;
    for (const e of [128, 7, 2, 1, 0]) {
      const k = d - 128 + e;
      prod[k >> 3]! ^= 1 << (k & 7);
    }
  }
  return prod.slice(0, 16);
}
