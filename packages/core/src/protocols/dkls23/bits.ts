/** Bit-matrix helpers for the OT extension (bit i of a byte string = bit (i mod 8) of byte ⌊i/8⌋). */

/** Bit `i` of `b` (0 or 1). */
export function getBit(b: Uint8Array, i: number): number {
  return (b[i >>> 3]! >>> (i & 7)) & 1;
}

/**
 * Transpose the first `nCols` bit columns of a `nRows`-row matrix (rows of `rowBytes` bytes) into
 * `nCols` rows of nRows/8 bytes: column c, bit l = bit c of row l. nRows and nCols multiples of 8.
 *
 * Works on 8×8 bit blocks held as a 64-bit value x (bit 8k + t = row k, column t) split into
 * lo (rows 0–3) and hi (rows 4–7), with the three swap stages of Hacker's Delight `transpose8`
 * (2×2, 4×4 and 8×8 sub-block swaps). Afterwards bit 8t + k = row k, column t, i.e. byte t of
 * (lo, hi) is column t.
 */
export function transposeBits(rows: Uint8Array, nRows: number, rowBytes: number, nCols: number): Uint8Array {
  const colBytes = nRows >>> 3;
  const out = new Uint8Array(nCols * colBytes);
  for (let rb = 0; rb < colBytes; rb++) {
    const r0 = rb * 8 * rowBytes;
    for (let cb = 0; cb < nCols >>> 3; cb++) {
      let lo = rows[r0 + cb]! | (rows[r0 + rowBytes + cb]! << 8) | (rows[r0 + 2 * rowBytes + cb]! << 16) | (rows[r0 + 3 * rowBytes + cb]! << 24);
      let hi = rows[r0 + 4 * rowBytes + cb]! | (rows[r0 + 5 * rowBytes + cb]! << 8) | (rows[r0 + 6 * rowBytes + cb]! << 16) | (rows[r0 + 7 * rowBytes + cb]! << 24);
      // Stage 1: (row 2a, col 2b+1) <-> (row 2a+1, col 2b), within each half.
      let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
      lo = lo ^ t ^ (t << 7);
      t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
      hi = hi ^ t ^ (t << 7);
      // Stage 2: 2×2 sub-blocks, shift 14, within each half.
      t = (lo ^ (lo >>> 14)) & 0x0000cccc;
      lo = lo ^ t ^ (t << 14);
      t = (hi ^ (hi >>> 14)) & 0x0000cccc;
      hi = hi ^ t ^ (t << 14);
      // Stage 3: rows 0–3 / columns 4–7 <-> rows 4–7 / columns 0–3 (64-bit shift by 28).
      t = (lo ^ (hi << 4)) & 0xf0f0f0f0;
      lo ^= t;
      hi ^= t >>> 4;
      const base = cb * 8 * colBytes + rb;
      out[base] = lo & 0xff;
      out[base + colBytes] = (lo >>> 8) & 0xff;
      out[base + 2 * colBytes] = (lo >>> 16) & 0xff;
      out[base + 3 * colBytes] = lo >>> 24;
      out[base + 4 * colBytes] = hi & 0xff;
      out[base + 5 * colBytes] = (hi >>> 8) & 0xff;
      out[base + 6 * colBytes] = (hi >>> 16) & 0xff;
      out[base + 7 * colBytes] = hi >>> 24;
    }
  }
  return out;
}

/** Reference transpose (tests only). */
export function transposeBitsReference(rows: Uint8Array, nRows: number, rowBytes: number, nCols: number): Uint8Array {
  const colBytes = nRows >>> 3;
  const out = new Uint8Array(nCols * colBytes);
  for (let l = 0; l < nRows; l++)
    for (let c = 0; c < nCols; c++) if (getBit(rows.subarray(l * rowBytes), c)) out[c * colBytes + (l >>> 3)]! |= 1 << (l & 7);
  return out;
}
