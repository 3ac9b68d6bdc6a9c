/**
 * Peer transport: WebSocket over mutually authenticated TLS 1.3 with pinned certificates.
 *
 * @module
 */
export {
  PeerTransport,
  PeersUnreachableError,
  type PeerTransportOptions,
  type PeerConfig,
  type MessageHandler,
  type PeerHandler,
  type TlsInfo,
  type TransportLogger,
  type TransportStats,
} from './peer-transport.js';
export {
  FRAME_VERSION,
  FRAME_HEADER_BYTES,
  MAX_CHANNEL_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  FrameError,
  decodeFrame,
  encodeFrame,
  encodeChannel,
  type Frame,
} from './frame.js';
