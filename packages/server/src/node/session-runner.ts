/**
 * Runs core protocol sessions over the peer channel.
 *
 * The core sessions are pure state machines; this module only moves their messages: it routes
 * incoming frames by channel (= protocol session id), buffers frames that arrive before the local
 * session exists (a peer may receive the client's request first), and enforces the session
 * timeout: a session whose peers stop answering fails with QUORUM_UNAVAILABLE (a peer is down) or
 * TIMEOUT instead of hanging.
 */
import type { Outgoing, ProtocolError, Session } from '@opentsm/core';
import { toHex } from '@opentsm/core';
import type { PeerChannel } from './peer-channel.js';

export class SessionFailure extends Error {
  override readonly name = 'SessionFailure';
  constructor(
    readonly code: 'PROTOCOL_ABORTED' | 'QUORUM_UNAVAILABLE' | 'TIMEOUT' | 'SESSION_CONFLICT',
    message: string,
    readonly culprits: readonly number[] = [],
    readonly protocolCode?: string,
  ) {
    super(message);
  }
}

interface Buffered {
  frames: { from: number; payload: Uint8Array }[];
  at: number;
}

interface Active {
  deliver(from: number, payload: Uint8Array): void;
}

export interface SessionRunnerOptions {
  timeoutMs: number;
  /** Limits on frames buffered for sessions that do not exist (yet). */
  maxBufferedSessions?: number;
  maxBufferedFramesPerSession?: number;
  onProtocolError?: (info: { channel: string; error: ProtocolError }) => void;
  now?: () => number;
}

export class SessionRunner {
  private readonly active = new Map<string, Active>();
  private readonly buffered = new Map<string, Buffered>();
  private readonly finished = new Map<string, number>();
  private readonly opts: Required<Omit<SessionRunnerOptions, 'onProtocolError'>> & Pick<SessionRunnerOptions, 'onProtocolError'>;

  constructor(
    private readonly channel: PeerChannel,
    opts: SessionRunnerOptions,
  ) {
    this.opts = {
      maxBufferedSessions: 10_000,
      maxBufferedFramesPerSession: 256,
      now: () => Date.now(),
      ...opts,
    };
    channel.onMessage((from, ch, payload) => this.onFrame(from, ch, payload));
  }

  get activeCount(): number {
    return this.active.size;
  }

  private onFrame(from: number, ch: string, payload: Uint8Array): void {
    const a = this.active.get(ch);
    if (a) {
      a.deliver(from, payload);
      return;
    }
    if (this.finished.has(ch)) return; // late frame of a finished session
    this.gc();
    let b = this.buffered.get(ch);
    if (!b) {
      if (this.buffered.size >= this.opts.maxBufferedSessions) return;
      b = { frames: [], at: this.opts.now() };
      this.buffered.set(ch, b);
    }
    if (b.frames.length < this.opts.maxBufferedFramesPerSession) b.frames.push({ from, payload });
  }

  private gc(): void {
    const now = this.opts.now();
    for (const [k, b] of this.buffered) if (now - b.at > this.opts.timeoutMs) this.buffered.delete(k);
    for (const [k, t] of this.finished) if (now - t > 10 * this.opts.timeoutMs) this.finished.delete(k);
  }

  /** Run a session to completion. Resolves with its result; rejects with SessionFailure. */
  run<Out>(session: Session<Out>, timeoutMs = this.opts.timeoutMs): Promise<Out> {
    const ch = toHex(session.sessionId);
    if (this.active.has(ch) || this.finished.has(ch)) return Promise.reject(new SessionFailure('SESSION_CONFLICT', 'a session with this id already ran on this node'));
    const peers = session.parties.filter((p) => p !== session.self);
    return new Promise<Out>((resolve, reject) => {
      let settled = false;
      const send = (out: Outgoing[]) => {
        for (const o of out) {
          const targets = o.to === 'all' ? peers : [o.to];
          for (const t of targets) this.channel.send(t, ch, o.bytes);
        }
      };
      const settle = () => {
        if (settled) return;
        if (session.state === 'done') {
          settled = true;
          cleanup();
          resolve(session.result as Out);
        } else if (session.state === 'aborted') {
          settled = true;
          cleanup();
          const e = session.error!;
          this.opts.onProtocolError?.({ channel: ch, error: e });
          reject(new SessionFailure('PROTOCOL_ABORTED', `protocol aborted: ${e.code}: ${e.message}`, e.culprits, e.code));
        }
      };
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const round = session.currentRound;
        // End the session (its rounds erase their secrets) and tell the peers that still listen.
        send(session.abort('timed out'));
        cleanup();
        const down = peers.filter((p) => !this.channel.isConnected(p));
        if (down.length > 0)
          reject(new SessionFailure('QUORUM_UNAVAILABLE', `quorum unavailable: player(s) ${down.join(', ')} not reachable`, []));
        else reject(new SessionFailure('TIMEOUT', `session timed out after ${timeoutMs} ms in round ${round}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.active.delete(ch);
        this.finished.set(ch, this.opts.now());
      };
      this.active.set(ch, {
        deliver: (from, payload) => {
          if (settled) return;
          send(session.receive(from, payload));
          settle();
        },
      });
      send(session.start());
      const early = this.buffered.get(ch);
      this.buffered.delete(ch);
      for (const f of early?.frames ?? []) {
        if (settled) break;
        send(session.receive(f.from, f.payload));
        settle();
      }
      settle();
    });
  }
}
