/** What the node needs from the peer transport (implemented by transport/PeerTransport). */
export interface PeerChannel {
  /** Send a frame to one peer on a channel (the channel routes it to one session). */
  send(to: number, channel: string, payload: Uint8Array): void;
  /** Register the handler for every incoming frame; `from` is the TLS-authenticated player. */
  onMessage(handler: (from: number, channel: string, payload: Uint8Array) => void): void;
  /** Whether the outbound link to a peer is currently up. */
  isConnected(player: number): boolean;
}

/**
 * Splits one peer channel into several: frames whose channel starts with a registered prefix go
 * to that prefix's handler, every other frame to the default handler (protocol sessions).
 */
export class ChannelMux {
  private readonly prefixed = new Map<string, (from: number, channel: string, payload: Uint8Array) => void>();
  private fallback: ((from: number, channel: string, payload: Uint8Array) => void) | undefined;
  constructor(private readonly inner: PeerChannel) {
    inner.onMessage((from, channel, payload) => {
      for (const [prefix, h] of this.prefixed) if (channel.startsWith(prefix)) return h(from, channel, payload);
      this.fallback?.(from, channel, payload);
    });
  }
  /** A PeerChannel view for the default route. */
  get defaultChannel(): PeerChannel {
    return {
      send: (to, ch, p) => this.inner.send(to, ch, p),
      isConnected: (p) => this.inner.isConnected(p),
      onMessage: (h) => {
        this.fallback = h;
      },
    };
  }
  route(prefix: string, handler: (from: number, channel: string, payload: Uint8Array) => void): void {
    this.prefixed.set(prefix, handler);
  }
  send(to: number, channel: string, payload: Uint8Array): void {
    this.inner.send(to, channel, payload);
  }
  isConnected(p: number): boolean {
    return this.inner.isConnected(p);
  }
}
