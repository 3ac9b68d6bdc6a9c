/** What the node needs from the peer transport (implemented by transport/PeerTransport). */
export interface PeerChannel {
  /** Send a frame to one peer on a channel (the channel routes it to one session). */
  send(to: number, channel: string, payload: Uint8Array): void;
  /** Register the handler for every incoming frame; `from` is the TLS-authenticated player. */
  onMessage(handler: (from: number, channel: string, payload: Uint8Array) => void): void;
  /** Whether the outbound link to a peer is currently up. */
  isConnected(player: number): boolean;
}
