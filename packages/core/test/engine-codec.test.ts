/**
 * Wire codec (engine/codec.ts): round trips, uniqueness of encodings and strict decoding.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEnvelope,
  encodeEnvelope,
  ErrorCode,
  MAX_PAYLOAD,
  ProtocolError,
  randomBytes,
  Reader,
  WIRE_VERSION,
  Writer,
  type Envelope,
} from '../src/index.js';
import { randInt } from './helpers/dkg.js';

const isCode = (code: ErrorCode) => (e: unknown) => e instanceof ProtocolError && e.code === code;

function randomEnvelope(): Envelope {
  const kind = (['broadcast', 'direct', 'abort'] as const)[randInt(0, 2)]!;
  return {
    kind,
    protocol: ['dkg/v1', 'frost/v1', 'x'.repeat(64)][randInt(0, 2)]!,
    sessionId: randomBytes(randInt(1, 64)),
    round: randInt(1, 255),
    from: randInt(1, 0xffff),
    to: kind === 'direct' ? randInt(1, 0xffff) : 0,
    echo: randomBytes(randInt(0, 3) * 34),
    payload: randomBytes(randInt(0, 300)),
  };
}

/** Hand-built envelope bytes (so that fields the encoder would refuse can be produced). */
function raw(f: { version?: number; kind?: number; protocol?: Uint8Array; sid?: Uint8Array; round?: number; from?: number; to?: number; echo?: Uint8Array; payloadLen?: number; payload?: Uint8Array }): Uint8Array {
  const protocol = f.protocol ?? new TextEncoder().encode('dkg/v1');
  const sid = f.sid ?? Uint8Array.of(1, 2, 3);
  const echo = f.echo ?? new Uint8Array(0);
  const payload = f.payload ?? Uint8Array.of(9, 9);
  return new Writer()
    .u8(f.version ?? WIRE_VERSION)
    .u8(f.kind ?? 0)
    .u8(protocol.length)
    .fixed(protocol)
    .u8(sid.length)
    .fixed(sid)
    .u8(f.round ?? 1)
    .u16(f.from ?? 1)
    .u16(f.to ?? 0)
    .u16(echo.length)
    .fixed(echo)
    .u32(f.payloadLen ?? payload.length)
    .fixed(payload)
    .finish();
}

describe('envelope codec', () => {
  it('round-trips random envelopes, and the encoding is unique', () => {
    for (let i = 0; i < 200; i++) {
      const e = randomEnvelope();
      const bytes = encodeEnvelope(e);
      const d = decodeEnvelope(bytes);
      assert.deepEqual(d, e);
      assert.deepEqual(encodeEnvelope(d), bytes);
    }
  });

  it('the hand-built layout matches the encoder (documented format)', () => {
    const e: Envelope = { kind: 'direct', protocol: 'dkg/v1', sessionId: Uint8Array.of(1, 2, 3), round: 2, from: 1, to: 3, echo: new Uint8Array(0), payload: Uint8Array.of(9, 9) };
    assert.deepEqual(encodeEnvelope(e), raw({ kind: 1, round: 2, to: 3 }));
    assert.deepEqual(decodeEnvelope(raw({ kind: 1, round: 2, to: 3 })), e);
  });

  it('rejects trailing bytes', () => {
    const b = encodeEnvelope(randomEnvelope());
    assert.throws(() => decodeEnvelope(Uint8Array.of(...b, 0)), isCode(ErrorCode.MALFORMED_MESSAGE));
  });

  it('rejects every truncation', () => {
    const b = encodeEnvelope({ ...randomEnvelope(), payload: randomBytes(5) });
    for (let n = 0; n < b.length; n++) assert.throws(() => decodeEnvelope(b.subarray(0, n)), isCode(ErrorCode.MALFORMED_MESSAGE), `length ${n}`);
  });

  it('rejects unknown versions and kinds', () => {
    for (const version of [0, 2, 255]) assert.throws(() => decodeEnvelope(raw({ version })), isCode(ErrorCode.UNSUPPORTED_VERSION));
    for (const kind of [3, 4, 255]) assert.throws(() => decodeEnvelope(raw({ kind })), isCode(ErrorCode.MALFORMED_MESSAGE));
  });

  it('rejects zero round and zero sender', () => {
    assert.throws(() => decodeEnvelope(raw({ round: 0 })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ from: 0 })), isCode(ErrorCode.MALFORMED_MESSAGE));
  });

  it('rejects a broadcast or abort with a recipient and a direct message without one', () => {
    assert.throws(() => decodeEnvelope(raw({ kind: 0, to: 2 })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ kind: 2, to: 2 })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ kind: 1, to: 0 })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.equal(decodeEnvelope(raw({ kind: 1, to: 2 })).to, 2);
  });

  it('rejects bad protocol id and session id lengths and non-UTF-8 protocol ids', () => {
    assert.throws(() => decodeEnvelope(raw({ protocol: new Uint8Array(0) })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ protocol: new Uint8Array(65).fill(0x61) })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ protocol: Uint8Array.of(0xff, 0xfe) })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ sid: new Uint8Array(0) })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ sid: new Uint8Array(65) })), isCode(ErrorCode.MALFORMED_MESSAGE));
  });

  it('rejects payload lengths beyond the limit or beyond the message', () => {
    assert.throws(() => decodeEnvelope(raw({ payloadLen: MAX_PAYLOAD + 1, payload: new Uint8Array(0) })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ payloadLen: 3, payload: Uint8Array.of(1, 2) })), isCode(ErrorCode.MALFORMED_MESSAGE));
    assert.throws(() => decodeEnvelope(raw({ payloadLen: 1, payload: Uint8Array.of(1, 2) })), isCode(ErrorCode.MALFORMED_MESSAGE));
  });

  it('rejects non-bytes input', () => {
    assert.throws(() => decodeEnvelope('hello' as unknown as Uint8Array), isCode(ErrorCode.MALFORMED_MESSAGE));
  });

  it('the encoder refuses out-of-range fields', () => {
    const e = randomEnvelope();
    assert.throws(() => encodeEnvelope({ ...e, protocol: '' }), RangeError);
    assert.throws(() => encodeEnvelope({ ...e, protocol: 'x'.repeat(65) }), RangeError);
    assert.throws(() => encodeEnvelope({ ...e, sessionId: new Uint8Array(0) }), RangeError);
    assert.throws(() => encodeEnvelope({ ...e, sessionId: new Uint8Array(65) }), RangeError);
    assert.throws(() => encodeEnvelope({ ...e, round: 256 }), RangeError);
    assert.throws(() => encodeEnvelope({ ...e, from: 0x10000 }), RangeError);
    assert.throws(() => encodeEnvelope({ ...e, payload: new Uint8Array(MAX_PAYLOAD + 1) }), RangeError);
  });
});

describe('payload Writer / Reader', () => {
  it('round-trips every field type', () => {
    const items = [randomBytes(3), randomBytes(3)];
    const b = new Writer().u8(7).u16(0xabcd).u32(0xdeadbeef).fixed(Uint8Array.of(1, 2)).bytes(Uint8Array.of(5, 6, 7)).list(items).finish();
    const r = new Reader(b);
    assert.equal(r.u8(), 7);
    assert.equal(r.u16(), 0xabcd);
    assert.equal(r.u32(), 0xdeadbeef);
    assert.deepEqual(r.fixed(2), Uint8Array.of(1, 2));
    assert.deepEqual(r.bytes(), Uint8Array.of(5, 6, 7));
    assert.deepEqual(r.list(3, 2, 2), items);
    r.end();
  });

  it('Writer rejects out-of-range integers', () => {
    assert.throws(() => new Writer().u8(256), RangeError);
    assert.throws(() => new Writer().u8(-1), RangeError);
    assert.throws(() => new Writer().u16(0x10000), RangeError);
    assert.throws(() => new Writer().u32(2 ** 32), RangeError);
    assert.throws(() => new Writer().u32(1.5), RangeError);
  });

  it('Reader: end() rejects trailing bytes, reads past the end fail, limits are enforced', () => {
    const bad = isCode(ErrorCode.MALFORMED_MESSAGE);
    assert.throws(() => new Reader(Uint8Array.of(1, 2)).end(), bad);
    assert.throws(() => new Reader(Uint8Array.of(1)).u16(), bad);
    assert.throws(() => new Reader(Uint8Array.of(0, 0, 0)).u32(), bad);
    assert.throws(() => new Reader(Uint8Array.of(1, 2)).fixed(3), bad);
    assert.throws(() => new Reader(new Writer().bytes(new Uint8Array(10)).finish()).bytes(9), bad);
    const list = new Writer().list([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]).finish();
    assert.throws(() => new Reader(list).list(1, 0, 2), bad);
    assert.throws(() => new Reader(list).list(1, 4, 8), bad);
    assert.throws(() => new Reader(list).list(2, 0, 8), bad);
    const r = new Reader(Uint8Array.of());
    r.end();
  });
});
