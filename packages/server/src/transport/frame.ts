/**
 * Wire frame of the peer transport (one WebSocket binary message = one frame):
 *
 * ```
 * u8  version      (FRAME_VERSION = 1)
 * u16 channelLen   big-endian, 1..MAX_CHANNEL_BYTES
 * channelLen bytes channel, UTF-8 (the session routing key)
 * rest             payload (opaque bytes)
 * ```
 *
 * The sender's identity is deliberately NOT a field of the frame: the receiver takes it from the TLS client
 * certificate of the connection the frame arrived on (checklist A1).
 *
 * @module
 */

/** Current frame format version. */
export const FRAME_VERSION = 1;
/** Fixed header length: version (1) + channel length (2). */
export const FRAME_HEADER_BYTES = 3;
/** Maximum channel length in UTF-8 bytes. */
export const MAX_CHANNEL_BYTES = 128;
/** Default maximum size of a whole frame (header + channel + payload): 8 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** A decoded frame. */
export interface Frame {
  channel: string;
  payload: Uint8Array;
}

/** A received frame that does not parse. `reason` is a short, stable, secret-free code. */
export class FrameError extends Error {
  constructor(readonly reason: 'empty' | 'bad-version' | 'truncated' | 'bad-channel-length' | 'bad-channel-utf8') {
    super(`malformed peer frame: ${reason}`);
    this.name = 'FrameError';
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 bytes of a channel name.
 *
 * @throws RangeError if the channel is empty, longer than {@link MAX_CHANNEL_BYTES} bytes, or not well-formed
 * Unicode (lone surrogates would be silently replaced by U+FFFD and change the routing key).
 */
export function encodeChannel(channel: string): Uint8Array {
  if (typeof channel !== 'string') throw new RangeError('channel must be a string');
  const bytes = encoder.encode(channel);
  if (bytes.length === 0 || bytes.length > MAX_CHANNEL_BYTES) {
    throw new RangeError(`channel must be 1..${MAX_CHANNEL_BYTES} UTF-8 bytes, got ${bytes.length}`);
  }
  if (strictDecoder.decode(bytes) !== channel) throw new RangeError('channel is not well-formed Unicode');
  return bytes;
}

/**
 * Encodes one frame. The payload is copied, so the caller may reuse its buffer.
 *
 * @throws RangeError on an invalid channel (see {@link encodeChannel}).
 */
export function encodeFrame(channel: string, payload: Uint8Array): Buffer {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  const ch = encodeChannel(channel);
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + ch.length + payload.length);
  out[0] = FRAME_VERSION;
  out.writeUInt16BE(ch.length, 1);
  out.set(ch, FRAME_HEADER_BYTES);
  out.set(payload, FRAME_HEADER_BYTES + ch.length);
  return out;
}

/**
 * Decodes one frame. The returned payload is a fresh copy (a plain `Uint8Array`, not a view into `frame`).
 *
 * @throws FrameError if the frame is malformed.
 */
export function decodeFrame(frame: Uint8Array): Frame {
  if (frame.length === 0) throw new FrameError('empty');
  if (frame[0] !== FRAME_VERSION) throw new FrameError('bad-version');
  if (frame.length < FRAME_HEADER_BYTES) throw new FrameError('truncated');
  const len = ((frame[1] ?? 0) << 8) | (frame[2] ?? 0);
  if (len === 0 || len > MAX_CHANNEL_BYTES) throw new FrameError('bad-channel-length');
  if (frame.length < FRAME_HEADER_BYTES + len) throw new FrameError('truncated');
  let channel: string;
  try {
    channel = strictDecoder.decode(frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + len));
  } catch {
    throw new FrameError('bad-channel-utf8');
  }
  // new Uint8Array(view) copies; Buffer#slice would NOT copy (it aliases like subarray).
  return { channel, payload: new Uint8Array(frame.subarray(FRAME_HEADER_BYTES + len)) };
}
