/**
 * Authenticated, encrypted channel between the nodes of a cluster: WebSocket over TLS 1.3 with mutual
 * authentication by pinned certificate fingerprints (DESIGN §6, checklist A1 and A4).
 *
 * Model: every node runs one HTTPS/WebSocket server and dials one outbound connection to every peer. A node sends to
 * peer P over its own outbound connection to P and receives from P on the inbound connection P opened, so there is
 * no duplicate-connection arbitration. Frames that arrive on an outbound connection (the server side writing back)
 * are accepted too: that connection is authenticated just as well.
 *
 * Security properties:
 * - TLS 1.3 only (minVersion/maxVersion), both directions. No CA: each side hashes the certificate the other side
 *   presented in the handshake (which proves possession of its private key) and compares it to the fingerprint
 *   pinned in the cluster file.
 * - Server side: a client whose certificate is not pinned is dropped right after the TLS handshake, before any HTTP
 *   is parsed; the authenticated player id is derived from the certificate only, never from frame contents.
 * - Client side: the pin is checked in the TLS `secureConnect` phase, before the HTTP upgrade request is written, so
 *   nothing at all is sent to an impostor.
 * - No compression (permessage-deflate off): compression of secret-bearing frames leaks through lengths.
 * - Nothing secret is logged: no keys, no payloads; malformed frames are logged by size and reason only.
 *
 * Delivery is best-effort, in order per connection: frames sent while a peer is down are queued (bounded) and
 * flushed on reconnect; frames written to a connection that then breaks can be lost. Protocol sessions must handle
 * timeouts themselves.
 *
 * @module
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as tlsConnect, createSecureContext, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type ClientOptions, type RawData } from 'ws';
import { certFingerprint, fingerprintDer, normalizeFingerprint } from '../pki/fingerprint.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FrameError, decodeFrame, encodeChannel, encodeFrame } from './frame.js';

/** Minimal structured logger (a subset of pino's interface). Never receives secrets. */
export interface TransportLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A pinned peer of the cluster. */
export interface PeerConfig {
  /** Player index of the peer (positive integer, ≠ self). */
  player: number;
  /** `wss://host:port[/path]` of the peer's transport server. */
  url: string;
  /** SHA-256 fingerprint of the peer's certificate DER (hex; `:` separators and upper case are accepted). */
  fingerprint: string;
}

/** Options of {@link PeerTransport}. */
export interface PeerTransportOptions {
  /** This node's player index. */
  self: number;
  /** Address the transport server listens on (port 0 = chosen by the OS, see {@link PeerTransport.address}). */
  listen: { host: string; port: number };
  /** This node's certificate and private key (PEM). The key is never logged. */
  identity: { certPem: string; keyPem: string };
  /** Every other node of the cluster, with its pinned fingerprint. */
  peers: PeerConfig[];
  /** Reconnect backoff: exponential from `initialMs` (default 100) to `maxMs` (default 5000), with jitter. */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Frames queued per disconnected peer before the oldest are dropped (default 10,000). */
  maxQueue?: number;
  /** Largest frame accepted or sent, header included (default 8 MiB). Bigger incoming frames close the connection. */
  maxFrameBytes?: number;
  /** Interval of WebSocket pings; a connection that missed the previous pong is terminated (default 15,000 ms). */
  heartbeatMs?: number;
  /** Timeout of the TLS + WebSocket handshake of a connection (default 10,000 ms). */
  handshakeTimeoutMs?: number;
  /** Logger (default: silent). */
  logger?: TransportLogger;
}

/** Handler of authenticated incoming frames. `from` is the player proven by the TLS certificate. */
export type MessageHandler = (from: number, channel: string, payload: Uint8Array) => void;
/** Handler of peer up/down transitions (of the outbound connection, i.e. "can send now"). */
export type PeerHandler = (player: number) => void;

/** TLS parameters of one live connection. */
export interface TlsInfo {
  /** Negotiated protocol, e.g. `'TLSv1.3'`. */
  protocol: string | null;
  /** Negotiated cipher suite name, e.g. `'TLS_AES_256_GCM_SHA384'`. */
  cipher: string;
}

/** Counters for metrics and tests. */
export interface TransportStats {
  /** Valid frames delivered to handlers. */
  received: number;
  /** Frames written to a socket. */
  sent: number;
  /** Frames dropped because a queue was full. */
  dropped: number;
  /** Frames rejected as malformed (including text frames). */
  malformed: number;
  /** Connections refused because the presented certificate is not pinned (inbound) or not the pinned one (outbound). */
  refusedConnections: number;
}

/** Rejection of {@link PeerTransport.waitForPeers}, naming the players that did not come up. */
export class PeersUnreachableError extends Error {
  constructor(
    readonly players: number[],
    timeoutMs: number,
  ) {
    super(`peer(s) not reachable within ${timeoutMs} ms: ${players.join(', ')}`);
    this.name = 'PeersUnreachableError';
  }
}

/** Inbound connections kept per peer; a newer one evicts the oldest (a restarted peer leaves half-open sockets). */
const MAX_INBOUND_PER_PEER = 4;

interface PeerState {
  readonly player: number;
  readonly url: URL;
  readonly fingerprint: string;
  /** Current outbound WebSocket (any readyState), or null between attempts. */
  out: WebSocket | null;
  /** TLS socket under `out`, once pinned. */
  outSocket: TLSSocket | null;
  /** True while `out` is OPEN and flushed: sends go straight out. */
  up: boolean;
  /** Encoded frames waiting for the outbound connection. */
  queue: Buffer[];
  /** Frames dropped since the last successful flush (for one warning per outage). */
  droppedSinceUp: number;
  attempt: number;
  reconnectTimer: NodeJS.Timeout | null;
  /** Authenticated inbound connections from this peer, oldest first. */
  inbound: Array<{ ws: WebSocket; socket: TLSSocket }>;
}

const silentLogger: TransportLogger = { info() {}, warn() {} };

/** Uniform random number in [0, 1) from the CSPRNG. */
function random01(): number {
  return (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) / 2 ** 32;
}

/** Short, secret-free description of an error for logs. */
function errInfo(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return 'unknown error';
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`PeerTransport: ${name} must be a positive integer`);
  return value;
}

/**
 * One node's peer transport. Lifecycle: `new` → {@link start} → {@link send}/{@link onMessage} → {@link close}.
 * A closed transport cannot be restarted; create a new one (same identity and port) instead.
 */
export class PeerTransport {
  readonly self: number;
  private readonly listenOpt: { host: string; port: number };
  private readonly cert: string;
  private readonly key: string;
  private readonly peers = new Map<number, PeerState>();
  private readonly byFingerprint = new Map<string, number>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxQueue: number;
  private readonly maxFrameBytes: number;
  private readonly heartbeatMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly log: TransportLogger;

  private readonly messageHandlers = new Set<MessageHandler>();
  private readonly upHandlers = new Set<PeerHandler>();
  private readonly downHandlers = new Set<PeerHandler>();
  private readonly waiters = new Set<(err: Error) => void>();
  /** Every raw socket the server accepted and every outbound TLS socket, so close() can destroy them all. */
  private readonly sockets = new Set<Socket>();
  /** WebSockets that answered the last ping (heartbeat bookkeeping). */
  private readonly alive = new WeakSet<WebSocket>();
  private readonly counters: TransportStats = { received: 0, sent: 0, dropped: 0, malformed: 0, refusedConnections: 0 };

  private server: HttpsServer | null = null;
  private wss: WebSocketServer | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private started = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private boundAddress: { host: string; port: number } | null = null;

  /**
   * Validates the configuration (player ids, URLs, fingerprints, certificate/key pair).
   *
   * @throws Error on any invalid or ambiguous configuration.
   */
  constructor(opts: PeerTransportOptions) {
    if (!Number.isSafeInteger(opts.self) || opts.self < 1) throw new Error('PeerTransport: self must be a positive integer');
    this.self = opts.self;
    this.listenOpt = { host: opts.listen.host, port: opts.listen.port };
    if (!Number.isInteger(opts.listen.port) || opts.listen.port < 0 || opts.listen.port > 65535) {
      throw new Error('PeerTransport: listen.port must be an integer in 0..65535');
    }
    this.cert = opts.identity.certPem;
    this.key = opts.identity.keyPem;
    try {
      // Parses both PEMs and checks that the key matches the certificate (OpenSSL "key values mismatch").
      createSecureContext({ cert: this.cert, key: this.key });
    } catch {
      throw new Error('PeerTransport: identity certificate/key are invalid or do not match');
    }
    const ownFingerprint = certFingerprint(this.cert);

    this.initialMs = positiveInt(opts.reconnect?.initialMs, 100, 'reconnect.initialMs');
    this.maxMs = Math.max(this.initialMs, positiveInt(opts.reconnect?.maxMs, 5000, 'reconnect.maxMs'));
    this.maxQueue = positiveInt(opts.maxQueue, 10_000, 'maxQueue');
    this.maxFrameBytes = positiveInt(opts.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES, 'maxFrameBytes');
    this.heartbeatMs = positiveInt(opts.heartbeatMs, 15_000, 'heartbeatMs');
    this.handshakeTimeoutMs = positiveInt(opts.handshakeTimeoutMs, 10_000, 'handshakeTimeoutMs');
    this.log = opts.logger ?? silentLogger;

    for (const p of opts.peers) {
      if (!Number.isSafeInteger(p.player) || p.player < 1) throw new Error('PeerTransport: peer player must be a positive integer');
      if (p.player === this.self) throw new Error(`PeerTransport: peer list contains self (${this.self})`);
      if (this.peers.has(p.player)) throw new Error(`PeerTransport: duplicate peer ${p.player}`);
      let url: URL;
      try {
        url = new URL(p.url);
      } catch {
        throw new Error(`PeerTransport: invalid URL for peer ${p.player}`);
      }
      if (url.protocol !== 'wss:') throw new Error(`PeerTransport: peer ${p.player} URL must use wss://`);
      if (url.username || url.password) throw new Error(`PeerTransport: peer ${p.player} URL must not carry credentials`);
      const fingerprint = normalizeFingerprint(p.fingerprint);
      if (fingerprint === ownFingerprint) throw new Error(`PeerTransport: peer ${p.player} is pinned to this node's own certificate`);
      if (this.byFingerprint.has(fingerprint)) throw new Error(`PeerTransport: peers ${this.byFingerprint.get(fingerprint)} and ${p.player} share a fingerprint`);
      this.byFingerprint.set(fingerprint, p.player);
      this.peers.set(p.player, {
        player: p.player,
        url,
        fingerprint,
        out: null,
        outSocket: null,
        up: false,
        queue: [],
        droppedSinceUp: 0,
        attempt: 0,
        reconnectTimer: null,
        inbound: [],
      });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Starts listening, then dials every peer (and keeps redialling with backoff until {@link close}).
   * Resolves once the server is listening; peers come up asynchronously (see {@link waitForPeers}).
   *
   * @throws Error if already started or closed, or if the port cannot be bound.
   */
  async start(): Promise<void> {
    if (this.closed) throw new Error('PeerTransport: closed');
    if (this.started) throw new Error('PeerTransport: already started');
    this.started = true;

    const server = createHttpsServer({
      cert: this.cert,
      key: this.key,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      requestCert: true,
      // We do the authorization ourselves by pinning; there is no CA to verify against.
      rejectUnauthorized: false,
      handshakeTimeout: this.handshakeTimeoutMs,
    });
    this.server = server;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });

    server.on('connection', (socket: Socket) => this.track(socket));
    server.on('secureConnection', (socket: TLSSocket) => {
      // Runs right after the TLS handshake, before any HTTP byte is parsed: drop unpinned clients here.
      if (this.authenticate(socket) === undefined) {
        this.counters.refusedConnections++;
        this.log.warn({ remote: socket.remoteAddress, fingerprint: this.peerFingerprint(socket) }, 'peer transport: refused inbound connection with an unpinned certificate');
        socket.destroy();
      }
    });
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      this.log.warn({ remote: socket.remoteAddress, err: errInfo(err) }, 'peer transport: inbound TLS handshake failed');
      socket.destroy();
    });
    server.on('request', (_req: IncomingMessage, res) => {
      res.writeHead(426, { connection: 'close', upgrade: 'websocket' }).end();
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));

    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(this.listenOpt.port, this.listenOpt.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err: Error) => this.log.warn({ err: errInfo(err) }, 'peer transport: server error'));
    if (this.closed) {
      // close() ran while we were binding and could not close a server that was not listening yet.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return;
    }
    const addr = server.address();
    this.boundAddress = addr !== null && typeof addr === 'object' ? { host: addr.address, port: addr.port } : { ...this.listenOpt };
    this.log.info({ self: this.self, host: this.boundAddress.host, port: this.boundAddress.port }, 'peer transport listening');

    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    for (const peer of this.peers.values()) this.dial(peer);
  }

  /** The bound address once {@link start} resolved (useful with `listen.port = 0`), else null. */
  address(): { host: string; port: number } | null {
    return this.boundAddress === null ? null : { ...this.boundAddress };
  }

  /**
   * Closes every connection and the server, stops reconnecting and heartbeats, and rejects pending
   * {@link waitForPeers} calls. Leaves no timers or handles behind. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    for (const reject of [...this.waiters]) reject(new Error('PeerTransport: closed'));
    this.waiters.clear();
    for (const peer of this.peers.values()) {
      if (peer.reconnectTimer) clearTimeout(peer.reconnectTimer);
      peer.reconnectTimer = null;
      const out = peer.out;
      peer.out = null;
      peer.outSocket = null;
      out?.terminate();
      for (const { ws } of peer.inbound) ws.terminate();
      peer.inbound = [];
      if (peer.up) {
        peer.up = false;
        this.emitPeer(this.downHandlers, peer.player);
      }
    }
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    const wss = this.wss;
    this.server = null;
    this.wss = null;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (server?.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Public messaging API

  /**
   * Sends one frame to a peer over this node's outbound connection to it. If the peer is not connected, the frame
   * is queued (bounded by `maxQueue`, oldest dropped with a warning) and flushed on reconnect. The payload is copied.
   *
   * @throws Error for an unknown peer or self; RangeError for an invalid channel or an oversized frame.
   */
  send(to: number, channel: string, payload: Uint8Array): void {
    if (this.closed) throw new Error('PeerTransport: closed');
    const peer = this.peers.get(to);
    if (!peer) throw new Error(to === this.self ? 'PeerTransport: cannot send to self' : `PeerTransport: unknown peer ${to}`);
    const size = FRAME_HEADER_BYTES + encodeChannel(channel).length + payload.length;
    if (size > this.maxFrameBytes) throw new RangeError(`PeerTransport: frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes}`);
    const frame = encodeFrame(channel, payload);
    if (peer.up && peer.out?.readyState === WebSocket.OPEN && peer.queue.length === 0) {
      peer.out.send(frame);
      this.counters.sent++;
      return;
    }
    this.enqueue(peer, frame);
  }

  /** Registers a handler of incoming frames; returns a function that unregisters it. Handler errors are caught and logged. */
  onMessage(handler: MessageHandler): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** Registers a handler called when the outbound connection to a peer comes up; returns an unsubscribe function. */
  onPeerUp(handler: PeerHandler): () => void {
    this.upHandlers.add(handler);
    return () => this.upHandlers.delete(handler);
  }

  /** Registers a handler called when the outbound connection to a peer goes down; returns an unsubscribe function. */
  onPeerDown(handler: PeerHandler): () => void {
    this.downHandlers.add(handler);
    return () => this.downHandlers.delete(handler);
  }

  /** True while the outbound, pinned connection to `player` is open (a send goes out immediately). */
  isConnected(player: number): boolean {
    return this.peers.get(player)?.up ?? false;
  }

  /** True while at least one authenticated inbound connection from `player` is open. */
  hasInbound(player: number): boolean {
    return (this.peers.get(player)?.inbound.length ?? 0) > 0;
  }

  /** `'up'`/`'down'` of the outbound connection to every peer. */
  peerStatus(): Record<number, 'up' | 'down'> {
    const status: Record<number, 'up' | 'down'> = {};
    for (const peer of this.peers.values()) status[peer.player] = peer.up ? 'up' : 'down';
    return status;
  }

  /** Number of frames queued for `player` (0 for unknown players). */
  queued(player: number): number {
    return this.peers.get(player)?.queue.length ?? 0;
  }

  /** TLS protocol and cipher of the live outbound and newest inbound connection with `player`. */
  connectionInfo(player: number): { outbound: TlsInfo | null; inbound: TlsInfo | null } {
    const peer = this.peers.get(player);
    const info = (s: TLSSocket | null | undefined): TlsInfo | null =>
      s && !s.destroyed ? { protocol: s.getProtocol(), cipher: s.getCipher().name } : null;
    return { outbound: info(peer?.up ? peer.outSocket : null), inbound: info(peer?.inbound.at(-1)?.socket) };
  }

  /** A snapshot of the transport counters. */
  stats(): TransportStats {
    return { ...this.counters };
  }

  /**
   * Resolves once the outbound connections to all `players` are up.
   *
   * @throws PeersUnreachableError naming the players still down after `timeoutMs`; Error for unknown players or if
   * the transport is closed meanwhile.
   */
  waitForPeers(players: number[], timeoutMs: number): Promise<void> {
    const unknown = players.filter((p) => !this.peers.has(p));
    if (unknown.length > 0) return Promise.reject(new Error(`PeerTransport: unknown peer(s): ${unknown.join(', ')}`));
    if (this.closed) return Promise.reject(new Error('PeerTransport: closed'));
    const missing = (): number[] => players.filter((p) => !this.isConnected(p));
    if (missing().length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        off();
        this.waiters.delete(fail);
        if (err) reject(err);
        else resolve();
      };
      const fail = (err: Error): void => finish(err);
      const off = this.onPeerUp(() => {
        if (missing().length === 0) finish();
      });
      const timer = setTimeout(() => finish(new PeersUnreachableError(missing(), timeoutMs)), timeoutMs);
      this.waiters.add(fail);
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Inbound side

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Lower-case hex fingerprint of the certificate the remote side presented, or null if none. */
  private peerFingerprint(socket: TLSSocket): string | null {
    const raw = socket.getPeerCertificate(true)?.raw;
    return raw && raw.length > 0 ? fingerprintDer(raw) : null;
  }

  /** The pinned player whose certificate this TLS 1.3 socket presented, or undefined. */
  private authenticate(socket: TLSSocket): number | undefined {
    if (socket.getProtocol() !== 'TLSv1.3') return undefined;
    const fp = this.peerFingerprint(socket);
    return fp === null ? undefined : this.byFingerprint.get(fp);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const tlsSocket = req.socket as TLSSocket;
    // Re-checked here (defence in depth): the player id comes from the certificate, nothing else.
    const player = this.authenticate(tlsSocket);
    if (player === undefined || this.closed || !this.wss) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.acceptInbound(player, ws, tlsSocket));
  }

  private acceptInbound(player: number, ws: WebSocket, socket: TLSSocket): void {
    const peer = this.peers.get(player);
    if (!peer || this.closed) {
      ws.terminate();
      return;
    }
    peer.inbound.push({ ws, socket });
    while (peer.inbound.length > MAX_INBOUND_PER_PEER) peer.inbound.shift()?.ws.terminate();
    this.alive.add(ws);
    this.log.info({ peer: player }, 'peer transport: inbound connection authenticated');
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(player, data, isBinary));
    ws.on('pong', () => this.alive.add(ws));
    ws.on('error', (err: Error) => {
      if (!this.closed) this.log.warn({ peer: player, err: errInfo(err) }, 'peer transport: inbound connection error');
    });
    ws.on('close', () => {
      peer.inbound = peer.inbound.filter((c) => c.ws !== ws);
    });
  }

  /** Decodes and dispatches one received WebSocket message; malformed frames are dropped, the connection stays up. */
  private receive(from: number, data: RawData, isBinary: boolean): void {
    if (!isBinary) {
      this.counters.malformed++;
      this.log.warn({ peer: from, reason: 'text-frame' }, 'peer transport: dropped malformed frame');
      return;
    }
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    let frame;
    try {
      frame = decodeFrame(buf);
    } catch (err) {
      this.counters.malformed++;
      const reason = err instanceof FrameError ? err.reason : 'decode-error';
      this.log.warn({ peer: from, bytes: buf.length, reason }, 'peer transport: dropped malformed frame');
      return;
    }
    this.counters.received++;
    for (const handler of this.messageHandlers) {
      try {
        handler(from, frame.channel, frame.payload);
      } catch (err) {
        // Only the error class: a handler's message could quote protocol data.
        this.log.warn({ peer: from, channel: frame.channel, err: err instanceof Error ? err.name : typeof err }, 'peer transport: message handler threw');
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Outbound side

  /**
   * ws `createConnection` hook: opens the TLS 1.3 connection and verifies the pinned server certificate in the
   * `secureConnect` phase, before handing the socket to the HTTP client. On mismatch the socket is destroyed and the
   * upgrade request is never written.
   */
  private dialTls(peer: PeerState, callback: (err: Error | null, socket?: TLSSocket) => void): void {
    const host = peer.url.hostname.startsWith('[') ? peer.url.hostname.slice(1, -1) : peer.url.hostname;
    const port = peer.url.port === '' ? 443 : Number(peer.url.port);
    let done = false;
    const finish = (err: Error | null, socket?: TLSSocket): void => {
      if (done) return;
      done = true;
      callback(err, socket);
    };
    const socket = tlsConnect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      cert: this.cert,
      key: this.key,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      // Verification is the pin check below; there is no CA.
      rejectUnauthorized: false,
    });
    this.track(socket);
    // Permanent listener: errors after the hand-over are also reported through ws, never unhandled.
    socket.on('error', (err: Error) => finish(err));
    socket.once('close', () => finish(new Error('connection closed during TLS handshake')));
    socket.setTimeout(this.handshakeTimeoutMs, () => socket.destroy(new Error('TLS handshake timeout')));
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      const fp = this.peerFingerprint(socket);
      if (this.closed || socket.getProtocol() !== 'TLSv1.3' || fp !== peer.fingerprint) {
        if (!this.closed) {
          this.counters.refusedConnections++;
          this.log.warn({ peer: peer.player, expected: peer.fingerprint, got: fp }, 'peer transport: server certificate does not match the pinned fingerprint');
        }
        socket.destroy();
        finish(new Error(`peer ${peer.player}: server certificate does not match the pinned fingerprint`));
        return;
      }
      peer.outSocket = socket;
      finish(null, socket);
    });
  }

  private dial(peer: PeerState): void {
    if (this.closed) return;
    peer.reconnectTimer = null;
    const createConnection = ((_opts: unknown, cb: (err: Error | null, socket?: TLSSocket) => void): undefined => {
      this.dialTls(peer, cb);
      return undefined;
    }) as unknown as ClientOptions['createConnection'];
    const ws = new WebSocket(peer.url, {
      createConnection,
      perMessageDeflate: false,
      maxPayload: this.maxFrameBytes,
      handshakeTimeout: this.handshakeTimeoutMs,
      followRedirects: false,
    });
    peer.out = ws;
    ws.on('open', () => {
      if (peer.out !== ws || this.closed) return;
      peer.attempt = 0;
      this.alive.add(ws);
      this.flush(peer, ws);
      peer.up = true;
      this.log.info({ peer: peer.player }, 'peer transport: peer up');
      this.emitPeer(this.upHandlers, peer.player);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(peer.player, data, isBinary));
    ws.on('pong', () => this.alive.add(ws));
    ws.on('error', (err: Error) => {
      if (!this.closed) this.log.warn({ peer: peer.player, err: errInfo(err) }, 'peer transport: outbound connection error');
    });
    ws.on('close', () => {
      if (peer.out !== ws) return;
      peer.out = null;
      peer.outSocket = null;
      if (peer.up) {
        peer.up = false;
        this.log.info({ peer: peer.player }, 'peer transport: peer down');
        this.emitPeer(this.downHandlers, peer.player);
      }
      this.scheduleReconnect(peer);
    });
  }

  private scheduleReconnect(peer: PeerState): void {
    if (this.closed || peer.reconnectTimer) return;
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(peer.attempt, 30));
    peer.attempt++;
    // "Equal jitter": half fixed, half random, so peers restarted together do not redial in lockstep.
    const delay = Math.round(base / 2 + (base / 2) * random01());
    peer.reconnectTimer = setTimeout(() => this.dial(peer), delay);
  }

  private enqueue(peer: PeerState, frame: Buffer): void {
    peer.queue.push(frame);
    if (peer.queue.length > this.maxQueue) {
      peer.queue.shift();
      this.counters.dropped++;
      if (peer.droppedSinceUp++ === 0) {
        this.log.warn({ peer: peer.player, maxQueue: this.maxQueue }, 'peer transport: queue full, dropping oldest frames');
      }
    }
  }

  private flush(peer: PeerState, ws: WebSocket): void {
    if (peer.droppedSinceUp > 0) {
      this.log.warn({ peer: peer.player, dropped: peer.droppedSinceUp }, 'peer transport: frames dropped while peer was down');
      peer.droppedSinceUp = 0;
    }
    const queue = peer.queue;
    peer.queue = [];
    for (const frame of queue) ws.send(frame);
    this.counters.sent += queue.length;
  }

  private heartbeat(): void {
    const check = (ws: WebSocket): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!this.alive.has(ws)) {
        ws.terminate();
        return;
      }
      this.alive.delete(ws);
      ws.ping();
    };
    for (const peer of this.peers.values()) {
      if (peer.out && peer.up) check(peer.out);
      for (const { ws } of peer.inbound) check(ws);
    }
  }

  private emitPeer(handlers: Set<PeerHandler>, player: number): void {
    for (const handler of handlers) {
      try {
        handler(player);
      } catch (err) {
        this.log.warn({ peer: player, err: err instanceof Error ? err.name : typeof err }, 'peer transport: peer handler threw');
      }
    }
  }
}
