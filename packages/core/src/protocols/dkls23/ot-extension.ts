/**
 * OT extension with the block-wise (SoftSpokenOT-style) consistency check — dkls23.md §C.2.
 *
 * One extension per RVOLE and ordered pair, ξ = 512 random OTs plus one b = 128-bit padding
 * block, from the λ_c = 256 base OTs of the pair (base-ot.ts). Bob (extension receiver) holds both
 * seeds of every base OT; Alice (extension sender) holds Δ and k^{Δ_l}_l.
 *
 * Bob:   x = β ‖ ρ_pad (640 bits, fresh); t_l = PRG(k⁰_l), u_l = t_l ⊕ PRG(k¹_l) ⊕ x  (l < 256)
 *        χ_1..χ_4 = H(sid, U) ∈ GF(2^128);  x̃ = Σ_k χ_k·x[k] ⊕ x[4];  t̃_l = Σ_k χ_k·t_l[k] ⊕ t_l[4]
 *        message = U (256·80 B) ‖ x̃ (16 B) ‖ t̃ (256·16 B) = 24 592 B
 * Alice: q_l = PRG(k^{Δ_l}_l) ⊕ Δ_l·u_l (= t_l ⊕ Δ_l·x);
 *        CHECK Σ_k χ_k·q_l[k] ⊕ q_l[4] = t̃_l ⊕ Δ_l·x̃ for every l — before anything is sent
 *        (dkls23.md §B.2); failure: DKLS_OT_EXTENSION_CHECK_FAILED (ban Bob: this is the channel
 *        that would leak bits of the long-term Δ).
 * Columns j < ξ: Q_j = T_j ⊕ β_j·Δ. Random-OT pads (3 scalars each, see rvole.ts):
 *        Alice v⁰_j = RO(sid, j, Q_j), v¹_j = RO(sid, j, Q_j ⊕ Δ); Bob v^{β_j}_j = RO(sid, j, T_j).
 *
 * The check is the universal hash over GF(2^128) along the OT dimension, per base-OT row, plus one
 * random padding block (SoftSpokenOT / corrected KOS, Fig. 10) — not the original KOS check.
 * PRG(k, sid, l) = SHAKE128(H(tag, sid) ‖ u32(l) ‖ k)[0, 80); RO(sid, j, y) = SHAKE128(H(tag', sid) ‖ u32(j) ‖ y)[0, 144)
 * (DklsPrimitives.xof). `sid` is the OT-extension session id (sign/context.ts), never reused.
 */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { randomBytes } from '../../math/bytes.js';
import { getBit, transposeBits } from './bits.js';
import { Gf128Multiplier } from './gf128.js';
import { BLOCKS, COL_BYTES, KAPPA, ROW_BYTES, RVOLE_WIDTH, SCALAR_HASH_BYTES, SEED_BYTES, TAG, XI } from './params.js';
import type { DklsPrimitives } from './primitives.js';

/** Bytes of Bob's OT-extension message. */
export const OTE_MESSAGE_BYTES = KAPPA * ROW_BYTES + 16 + KAPPA * 16;
/** Bytes of one random-OT pad (3 scalars of 48 hashed bytes). */
export const PAD_BYTES = RVOLE_WIDTH * SCALAR_HASH_BYTES;
const ROW_WORDS = ROW_BYTES / 4;

function words(b: Uint8Array): Uint32Array {
  if (b.byteOffset % 4 !== 0) b = b.slice();
  return new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
}

/** χ_1..χ_m as GF(2^128) multipliers: H(sid, U) expanded to 64 bytes. */
function challenges(prims: DklsPrimitives, otSid: Uint8Array, U: Uint8Array): Gf128Multiplier[] {
  const seed = prims.hash(TAG.oteChi, otSid, U);
  const chi = prims.xof(seed, new Uint8Array(0), 0, 16 * BLOCKS, 1);
  const out: Gf128Multiplier[] = [];
  for (let k = 0; k < BLOCKS; k++) out.push(new Gf128Multiplier(chi.subarray(16 * k, 16 * k + 16)));
  return out;
}

/** acc (4 words at ao) = Σ_k χ_k·row[k] ⊕ row[m], for the row at word offset ro. */
function checkValue(chi: readonly Gf128Multiplier[], rows: Uint32Array, ro: number, acc: Uint32Array, ao: number): void {
  acc[ao] = rows[ro + 4 * BLOCKS]!;
  acc[ao + 1] = rows[ro + 4 * BLOCKS + 1]!;
  acc[ao + 2] = rows[ro + 4 * BLOCKS + 2]!;
  acc[ao + 3] = rows[ro + 4 * BLOCKS + 3]!;
  for (let k = 0; k < BLOCKS; k++) chi[k]!.mulXor(rows, ro + 4 * k, acc, ao);
}

function prgPrefix(prims: DklsPrimitives, otSid: Uint8Array): Uint8Array {
  return prims.hash(TAG.otePrg, otSid);
}

export interface OteReceiverResult {
  /** Bob's message to Alice. */
  readonly message: Uint8Array;
  /** β: the first ξ choice bits (64 bytes). SECRET. */
  readonly beta: Uint8Array;
  /** T columns j < ξ (ξ × 32 bytes). SECRET. */
  readonly tCols: Uint8Array;
}

/** Bob's side (receiver), from both seeds of every base OT (256 × 32 bytes each). */
export function oteReceive(prims: DklsPrimitives, otSid: Uint8Array, seeds0: Uint8Array, seeds1: Uint8Array): OteReceiverResult {
  if (seeds0.length !== KAPPA * SEED_BYTES || seeds1.length !== KAPPA * SEED_BYTES) throw new RangeError('base-OT seeds have the wrong length');
  const x = randomBytes(ROW_BYTES); // β ‖ ρ_pad
  const prefix = prgPrefix(prims, otSid);
  const t = prims.xof(prefix, seeds0, SEED_BYTES, ROW_BYTES);
  const s1 = prims.xof(prefix, seeds1, SEED_BYTES, ROW_BYTES);
  const message = new Uint8Array(OTE_MESSAGE_BYTES);
  const U = message.subarray(0, KAPPA * ROW_BYTES);
  for (let l = 0; l < KAPPA; l++) {
    const o = l * ROW_BYTES;
    for (let i = 0; i < ROW_BYTES; i++) U[o + i] = t[o + i]! ^ s1[o + i]! ^ x[i]!;
  }
  s1.fill(0);
  const chi = challenges(prims, otSid, U);
  const tail = words(message.subarray(KAPPA * ROW_BYTES)); // x̃ ‖ t̃_0 ‖ … ‖ t̃_255
  checkValue(chi, words(x), 0, tail, 0);
  const tw = words(t);
  for (let l = 0; l < KAPPA; l++) checkValue(chi, tw, l * ROW_WORDS, tail, 4 + 4 * l);
  const tCols = transposeBits(t, KAPPA, ROW_BYTES, XI);
  t.fill(0);
  const beta = x.slice(0, XI / 8);
  x.fill(0);
  return { message, beta, tCols };
}

/**
 * Alice's side (sender): recompute Q and run the consistency check. Returns the Q columns j < ξ
 * (ξ × 32 bytes, SECRET) or throws DKLS_OT_EXTENSION_CHECK_FAILED (the caller blames Bob).
 */
export function oteSend(prims: DklsPrimitives, otSid: Uint8Array, delta: Uint8Array, seeds: Uint8Array, message: Uint8Array): Uint8Array {
  if (message.length !== OTE_MESSAGE_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'OT-extension message has the wrong length');
  if (delta.length !== KAPPA / 8 || seeds.length !== KAPPA * SEED_BYTES) throw new RangeError('OT-extension sender setup has the wrong length');
  const U = message.subarray(0, KAPPA * ROW_BYTES);
  const q = prims.xof(prgPrefix(prims, otSid), seeds, SEED_BYTES, ROW_BYTES);
  for (let l = 0; l < KAPPA; l++) {
    const mask = -getBit(delta, l) & 0xff;
    const o = l * ROW_BYTES;
    for (let i = 0; i < ROW_BYTES; i++) q[o + i]! ^= U[o + i]! & mask;
  }
  const chi = challenges(prims, otSid, U);
  const tail = words(message.subarray(KAPPA * ROW_BYTES));
  const qw = words(q);
  const acc = new Uint32Array(4);
  let diff = 0;
  for (let l = 0; l < KAPPA; l++) {
    checkValue(chi, qw, l * ROW_WORDS, acc, 0);
    const mask = -getBit(delta, l);
    for (let k = 0; k < 4; k++) diff |= acc[k]! ^ tail[4 + 4 * l + k]! ^ (tail[k]! & mask);
  }
  if (diff !== 0) {
    q.fill(0);
    throw new ProtocolError(ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED, 'OT-extension consistency check failed');
  }
  const cols = transposeBits(q, KAPPA, ROW_BYTES, XI);
  q.fill(0);
  return cols;
}

function roPrefix(prims: DklsPrimitives, otSid: Uint8Array): Uint8Array {
  return prims.hash(TAG.oteRo, otSid);
}

/** Alice's pads: v⁰_j = RO(j, Q_j), v¹_j = RO(j, Q_j ⊕ Δ) (ξ × 144 bytes each). SECRET. */
export function otePadsSender(prims: DklsPrimitives, otSid: Uint8Array, qCols: Uint8Array, delta: Uint8Array): { v0: Uint8Array; v1: Uint8Array } {
  const prefix = roPrefix(prims, otSid);
  const v0 = prims.xof(prefix, qCols, COL_BYTES, PAD_BYTES);
  const qd = new Uint8Array(qCols.length);
  for (let j = 0; j < XI; j++) {
    const o = j * COL_BYTES;
    for (let i = 0; i < COL_BYTES; i++) qd[o + i] = qCols[o + i]! ^ delta[i]!;
  }
  const v1 = prims.xof(prefix, qd, COL_BYTES, PAD_BYTES);
  qd.fill(0);
  return { v0, v1 };
}

/** Bob's pads: v^{β_j}_j = RO(j, T_j) (ξ × 144 bytes). SECRET. */
export function otePadsReceiver(prims: DklsPrimitives, otSid: Uint8Array, tCols: Uint8Array): Uint8Array {
  return prims.xof(roPrefix(prims, otSid), tCols, COL_BYTES, PAD_BYTES);
}
