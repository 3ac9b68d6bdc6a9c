/**
 * node:crypto (OpenSSL) implementation of the DKLs23 hashing interface. Byte-identical to
 * `nobleDklsPrimitives` (tested on random inputs); several times faster, which matters because
 * signing makes ~2 300 XOF calls per ordered pair of signers.
 */
import { createHash } from 'node:crypto';
import { xofCount, type DklsPrimitives } from '../protocols/dkls23/primitives.js';

const utf8 = new TextEncoder();

function u32be(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export const nodeDklsPrimitives: DklsPrimitives = {
  name: 'node:crypto',
  xof(prefix, inputs, inLen, outLen, count) {
    const n = xofCount(inputs, inLen, outLen, count);
    const out = new Uint8Array(n * outLen);
    // One contiguous buffer per call (prefix ‖ u32(i) ‖ input_i): a single update() per item.
    const buf = Buffer.alloc(prefix.length + 4 + inLen);
    buf.set(prefix, 0);
    const io = prefix.length + 4;
    for (let i = 0; i < n; i++) {
      buf.writeUInt32BE(i, prefix.length);
      if (inLen > 0) buf.set(inputs.subarray(i * inLen, (i + 1) * inLen), io);
      out.set(createHash('shake128', { outputLength: outLen }).update(buf).digest(), i * outLen);
    }
    buf.fill(0);
    return out;
  },
  hash(tag, ...parts) {
    const h = createHash('sha256');
    const t = utf8.encode(tag);
    h.update(u32be(t.length)).update(t);
    for (const p of parts) h.update(u32be(p.length)).update(p);
    return new Uint8Array(h.digest());
  },
};
