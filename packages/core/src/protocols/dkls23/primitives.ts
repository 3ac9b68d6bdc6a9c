/**
 * The bulk hashing of DKLs23 behind one interface (issue 6 item 3).
 *
 * Every PRG expansion and random-oracle call of the OT extension and the RVOLE (and the few
 * transcript hashes around them) goes through a {@link DklsPrimitives}. Two implementations exist
 * and MUST produce byte-identical outputs (tested):
 * - {@link nobleDklsPrimitives} (default, here): @noble/hashes, browser-safe.
 * - `nodeDklsPrimitives` in `@opentsm/core/node`: node:crypto (OpenSSL), several times faster.
 *
 * Both functions are fully specified below, so a third implementation (WebAssembly, a worker, …)
 * can be checked against them with the same test.
 */
import { shake128 } from '@noble/hashes/sha3.js';
import { transcriptHash } from '../../math/transcript.js';

export interface DklsPrimitives {
  /** Short name, for logs and benchmarks. */
  readonly name: string;
  /**
   * Batched XOF. For i in [0, count):
   *   out[i·outLen, (i+1)·outLen) = SHAKE128(prefix ‖ u32be(i) ‖ inputs[i·inLen, (i+1)·inLen))[0, outLen)
   * `count` = inputs.length / inLen when inLen > 0; it must be given when inLen = 0.
   * Callers pass a fixed-length prefix (a 32-byte hash of tag and session), so the framing is injective.
   */
  xof(prefix: Uint8Array, inputs: Uint8Array, inLen: number, outLen: number, count?: number): Uint8Array;
  /**
   * SHA-256 over the length-prefixed sequence (tag, ...parts): every element is preceded by its
   * u32 big-endian length (exactly math/transcript.ts `transcriptHash`). 32 bytes.
   */
  hash(tag: string, ...parts: readonly Uint8Array[]): Uint8Array;
}

/** Number of items of a batched call, checked. */
export function xofCount(inputs: Uint8Array, inLen: number, outLen: number, count?: number): number {
  if (!Number.isInteger(outLen) || outLen <= 0 || outLen > 168) throw new RangeError('xof output length must be in 1..168');
  if (inLen > 0) {
    if (inputs.length % inLen !== 0) throw new RangeError('xof inputs are not a whole number of items');
    const n = inputs.length / inLen;
    if (count !== undefined && count !== n) throw new RangeError('xof count does not match the inputs');
    return n;
  }
  if (count === undefined || !Number.isInteger(count) || count < 0) throw new RangeError('xof count required');
  return count;
}

/** u16 big-endian (party indices and counters inside DKLs23 hash inputs). */
export function u16(n: number): Uint8Array {
  return Uint8Array.of(n >>> 8, n & 0xff);
}

/** Default implementation: @noble/hashes (pure JS, works in browsers). */
export const nobleDklsPrimitives: DklsPrimitives = {
  name: 'noble',
  xof(prefix, inputs, inLen, outLen, count) {
    const n = xofCount(inputs, inLen, outLen, count);
    const out = new Uint8Array(n * outLen);
    const buf = new Uint8Array(prefix.length + 4 + inLen);
    const dv = new DataView(buf.buffer);
    buf.set(prefix, 0);
    const io = prefix.length + 4;
    for (let i = 0; i < n; i++) {
      dv.setUint32(prefix.length, i);
      if (inLen > 0) buf.set(inputs.subarray(i * inLen, (i + 1) * inLen), io);
      out.set(shake128(buf, { dkLen: outLen }), i * outLen);
    }
    buf.fill(0); // the inputs are often secret (OT seeds, pads)
    return out;
  },
  hash(tag, ...parts) {
    return transcriptHash(tag, ...parts);
  },
};
