import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_VERSION, FrameError, MAX_CHANNEL_BYTES, decodeFrame, encodeFrame } from '../src/transport/frame.js';

void test('frame: round trip, exact bytes, payload copied', () => {
  const payload = crypto.getRandomValues(new Uint8Array(1000));
  const frame = encodeFrame('sess/κλειδί-1', payload);
  assert.equal(frame[0], FRAME_VERSION);
  const ch = new TextEncoder().encode('sess/κλειδί-1');
  assert.equal(frame.readUInt16BE(1), ch.length);
  const back = decodeFrame(frame);
  assert.equal(back.channel, 'sess/κλειδί-1');
  assert.deepEqual(back.payload, payload);
  assert.equal(Object.getPrototypeOf(back.payload), Uint8Array.prototype);
  frame.writeUInt8(frame.readUInt8(frame.length - 1) ^ 0xff, frame.length - 1); // decoded payload is a copy, not a view
  assert.deepEqual(back.payload, payload);
  assert.deepEqual(decodeFrame(encodeFrame('x', new Uint8Array(0))).payload, new Uint8Array(0));
  assert.equal(decodeFrame(encodeFrame('c'.repeat(MAX_CHANNEL_BYTES), new Uint8Array([1]))).channel.length, MAX_CHANNEL_BYTES);
});

void test('frame: encode rejects bad channels', () => {
  assert.throws(() => encodeFrame('', new Uint8Array(1)), RangeError);
  assert.throws(() => encodeFrame('c'.repeat(MAX_CHANNEL_BYTES + 1), new Uint8Array(1)), RangeError);
  assert.throws(() => encodeFrame('é'.repeat(65), new Uint8Array(1)), RangeError); // 130 UTF-8 bytes
  assert.throws(() => encodeFrame('bad\ud800', new Uint8Array(1)), RangeError); // lone surrogate
});

void test('frame: decode rejects malformed frames with a reason', () => {
  const reason = (bytes: number[]): string => {
    try {
      decodeFrame(Uint8Array.from(bytes));
    } catch (err) {
      assert.ok(err instanceof FrameError);
      return err.reason;
    }
    return 'ok';
  };
  assert.equal(reason([]), 'empty');
  assert.equal(reason([2, 0, 1, 0x61]), 'bad-version');
  assert.equal(reason([1, 0]), 'truncated');
  assert.equal(reason([1, 0, 0]), 'bad-channel-length');
  assert.equal(reason([1, 0, 129, ...new Array<number>(129).fill(0x61)]), 'bad-channel-length');
  assert.equal(reason([1, 0, 5, 0x61]), 'truncated');
  assert.equal(reason([1, 0, 2, 0xc3, 0x28]), 'bad-channel-utf8');
  assert.equal(reason([1, 0, 1, 0x61]), 'ok');
});
