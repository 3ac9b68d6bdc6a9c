/**
 * Deterministic, versioned wire codec.
 *
 * Envelope (version 1), all integers big-endian:
 *   u8  version (= 1)
 *   u8  kind       0 = broadcast, 1 = direct, 2 = abort notice
 *   u8  len ‖ protocol id (ASCII, ≤ 64 bytes)
 *   u8  len ‖ session id (1..64 bytes)
 *   u8  round (1..255)
 *   u16 from (sender's player index, must equal the transport-authenticated sender — checklist A1)
 *   u16 to   (recipient for direct messages, 0 for broadcast and abort)
 *   u16 len ‖ echo (hashes of the previous round's broadcasts, see session.ts — checklist A3)
 *   u32 len ‖ payload (≤ MAX_PAYLOAD)
 * Decoding rejects trailing bytes, unknown versions/kinds and out-of-range lengths, so each
 * message has exactly one encoding.
 *
 * Payloads are built with {@link Writer} / {@link Reader}, which are equally strict.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';

export const WIRE_VERSION = 1;
export const MAX_PAYLOAD = 4 * 1024 * 1024;

export type MessageKind = 'broadcast' | 'direct' | 'abort';
const KIND_CODES: Record<MessageKind, number> = { broadcast: 0, direct: 1, abort: 2 };
const KINDS: MessageKind[] = ['broadcast', 'direct', 'abort'];

export interface Envelope {
  kind: MessageKind;
  protocol: string;
  sessionId: Uint8Array;
  round: number;
  from: PartyId;
  to: PartyId; // 0 for broadcast / abort
  echo: Uint8Array;
  payload: Uint8Array;
}

function malformed(why: string): never {
  throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, `malformed message: ${why}`);
}

/** Append-only byte writer used for envelopes and payloads. */
export class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private push(b: Uint8Array): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }
  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError('u8 out of range');
    return this.push(Uint8Array.of(n));
  }
  u16(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError('u16 out of range');
    return this.push(Uint8Array.of(n >>> 8, n & 0xff));
  }
  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('u32 out of range');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return this.push(b);
  }
  /** Fixed-length bytes (the reader must know the length). */
  fixed(b: Uint8Array): this {
    return this.push(b);
  }
  /** u32-length-prefixed bytes. */
  bytes(b: Uint8Array): this {
    return this.u32(b.length).push(b);
  }
  /** A list of fixed-length items: u16 count, then each item. */
  list(items: readonly Uint8Array[]): this {
    this.u16(items.length);
    for (const i of items) this.push(i);
    return this;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Strict reader: every read is bounds-checked, `end()` rejects trailing bytes. */
export class Reader {
  private o = 0;
  constructor(private readonly b: Uint8Array) {}
  private take(n: number): Uint8Array {
    if (n < 0 || this.o + n > this.b.length) malformed('truncated');
    const r = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return r;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u16(): number {
    const b = this.take(2);
    return (b[0]! << 8) | b[1]!;
  }
  u32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }
  fixed(n: number): Uint8Array {
    return this.take(n);
  }
  bytes(max = MAX_PAYLOAD): Uint8Array {
    const n = this.u32();
    if (n > max) malformed('field too long');
    return this.take(n);
  }
  /** A list written by Writer.list: u16 count (checked against [min, max]) of `itemLength`-byte items. */
  list(itemLength: number, min: number, max: number): Uint8Array[] {
    const n = this.u16();
    if (n < min || n > max) malformed(`list length ${n} not in [${min}, ${max}]`);
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) out.push(this.take(itemLength));
    return out;
  }
  end(): void {
    if (this.o !== this.b.length) malformed('trailing bytes');
  }
}

const ascii = new TextEncoder();
const asciiDec = new TextDecoder('utf-8', { fatal: true });

export function encodeEnvelope(e: Envelope): Uint8Array {
  const proto = ascii.encode(e.protocol);
  if (proto.length === 0 || proto.length > 64) throw new RangeError('protocol id length');
  if (e.sessionId.length === 0 || e.sessionId.length > 64) throw new RangeError('session id length');
  if (e.payload.length > MAX_PAYLOAD) throw new RangeError('payload too large');
  return new Writer()
    .u8(WIRE_VERSION)
    .u8(KIND_CODES[e.kind])
    .u8(proto.length)
    .fixed(proto)
    .u8(e.sessionId.length)
    .fixed(e.sessionId)
    .u8(e.round)
    .u16(e.from)
    .u16(e.to)
    .u16(e.echo.length)
    .fixed(e.echo)
    .bytes(e.payload)
    .finish();
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array)) malformed('not bytes');
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== WIRE_VERSION)
    throw new ProtocolError(ErrorCode.UNSUPPORTED_VERSION, `unsupported wire version ${version}`);
  const kind = KINDS[r.u8()];
  if (kind === undefined) malformed('unknown message kind');
  const plen = r.u8();
  if (plen === 0 || plen > 64) malformed('protocol id length');
  let protocol: string;
  try {
    protocol = asciiDec.decode(r.fixed(plen));
  } catch {
    malformed('protocol id is not UTF-8');
  }
  const slen = r.u8();
  if (slen === 0 || slen > 64) malformed('session id length');
  const sessionId = r.fixed(slen).slice();
  const round = r.u8();
  if (round === 0) malformed('round 0');
  const from = r.u16();
  const to = r.u16();
  const echo = r.fixed(r.u16()).slice();
  const payload = r.bytes().slice();
  r.end();
  if (from === 0) malformed('sender 0');
  if (kind === 'direct' && to === 0) malformed('direct message without recipient');
  if (kind !== 'direct' && to !== 0) malformed('broadcast with a recipient');
  return { kind, protocol, sessionId, round, from, to, echo, payload };
}
