/**
 * Session: routes wire messages into the rounds of one protocol run.
 *
 * Enforced here for every protocol (security-checklist.md):
 * - A1: the transport tells us who sent a message; an envelope whose inner `from` differs is rejected.
 * - A2: the session id and protocol id must match this session.
 * - A3: echo-broadcast consistency. Every message of round r+1 carries, for each party that
 *   broadcast in round r, the hash of the broadcast it received from that party (sorted by party).
 *   A receiver compares that with its own view; a difference aborts (ECHO_MISMATCH) naming the
 *   broadcaster whose message differs and the echoing party (one of the two equivocated).
 * - A5: round and message kind must match the state machine; exactly one message per
 *   (sender, round, kind); an identical re-delivery is ignored, a different one is equivocation
 *   (DUPLICATE_MESSAGE); senders must be in the expected set. Messages one round ahead are queued.
 * Any violation aborts the session (state `aborted`, `error` set, nothing output) and an abort
 * notice is broadcast so that the other parties stop too. Whenever the session ends (abort on any
 * path, including `abort()` on timeout, or completion), the current round's `dispose` runs, so a
 * protocol can erase its secrets (round.ts).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { equalBytes } from '../math/bytes.js';
import { transcriptHash } from '../math/transcript.js';
import { decodeEnvelope, encodeEnvelope, type Envelope, Reader, Writer } from './codec.js';
import type { InboundMessage, OutboundMessage, ProtocolStart, Round, RoundOutput } from './round.js';

/** A wire message to hand to the transport. `to: 'all'` = every other party of the session. */
export interface Outgoing {
  readonly to: PartyId | 'all';
  readonly bytes: Uint8Array;
}

export type SessionState = 'idle' | 'running' | 'done' | 'aborted';

export interface SessionOptions<Out> {
  readonly sessionId: Uint8Array;
  readonly protocol: string;
  readonly self: PartyId;
  /** Every party taking part in this run (including self). */
  readonly parties: readonly PartyId[];
  /** Builds the round-1 messages and the first round. Called by `start()`. */
  readonly start: () => ProtocolStart<Out>;
}

const ECHO_HASH_LEN = 32;

function echoHash(payload: Uint8Array): Uint8Array {
  return transcriptHash('opentsm/echo/v1', payload);
}

export class Session<Out> {
  readonly sessionId: Uint8Array;
  readonly protocol: string;
  readonly self: PartyId;
  readonly parties: readonly PartyId[];
  private _state: SessionState = 'idle';
  private _result: Out | undefined;
  private _error: ProtocolError | undefined;
  private round: Round<Out> | undefined;
  private roundNo = 0;
  private readonly startFn: () => ProtocolStart<Out>;
  /** (round:kind:from) → envelope bytes, for duplicate detection. */
  private readonly seen = new Map<string, Uint8Array>();
  /** Messages received for the next round, processed once we get there. */
  private queue: Envelope[] = [];
  /** Broadcast payloads of the current round by sender (own included). */
  private broadcasts = new Map<PartyId, Uint8Array>();
  /** Our view of the previous round's broadcasts: sorted [(party, hash)]. */
  private prevEcho: { party: PartyId; hash: Uint8Array }[] = [];
  private received = new Set<string>();

  constructor(opts: SessionOptions<Out>) {
    if (!opts.parties.includes(opts.self)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'self is not a party of the session');
    if (new Set(opts.parties).size !== opts.parties.length) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, 'duplicate party in session');
    if (opts.sessionId.length === 0 || opts.sessionId.length > 64) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'session id must be 1..64 bytes');
    this.sessionId = opts.sessionId;
    this.protocol = opts.protocol;
    this.self = opts.self;
    this.parties = [...opts.parties].sort((a, b) => a - b);
    this.startFn = opts.start;
  }

  get state(): SessionState {
    return this._state;
  }
  /** The protocol output; set only when state is `done`. */
  get result(): Out | undefined {
    return this._result;
  }
  /** Why the session aborted; set only when state is `aborted`. */
  get error(): ProtocolError | undefined {
    return this._error;
  }
  /** The round currently waiting for messages (0 before start). */
  get currentRound(): number {
    return this.roundNo;
  }

  /** Produce the round-1 messages. */
  start(): Outgoing[] {
    if (this._state !== 'idle') throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'session already started');
    this._state = 'running';
    const out: Outgoing[] = [];
    try {
      this.advance(this.startFn(), out);
      this.drainQueue(out);
    } catch (e) {
      return this.fail(e, undefined);
    }
    return out;
  }

  /**
   * Abort a running session locally (timeout, caller cancellation): state `aborted` with
   * SESSION_ABORTED, the current round's secrets disposed. Returns the abort notice to send to
   * the other parties (none if the session had already ended or never started).
   */
  abort(reason = 'cancelled'): Outgoing[] {
    if (this._state === 'done' || this._state === 'aborted') return [];
    const started = this._state === 'running';
    this.end('aborted');
    this._error = new ProtocolError(ErrorCode.SESSION_ABORTED, `session aborted locally: ${reason}`, [], this.roundNo);
    return started ? [this.abortNotice(ErrorCode.SESSION_ABORTED)] : [];
  }

  /**
   * Feed one wire message. `from` is the sender as authenticated by the transport.
   * Returns the messages to send (possibly none). Never throws for bad input: a bad message
   * aborts the session (see `state` / `error`).
   */
  receive(from: PartyId, bytes: Uint8Array): Outgoing[] {
    if (this._state === 'done' || this._state === 'aborted') return [];
    let env: Envelope;
    // Envelope-level checks: a failure here is the (authenticated) sender's fault.
    try {
      env = decodeEnvelope(bytes);
      if (env.from !== from) throw new ProtocolError(ErrorCode.SENDER_MISMATCH, `inner sender ${env.from} differs from authenticated sender ${from}`);
      if (env.protocol !== this.protocol) throw new ProtocolError(ErrorCode.WRONG_PROTOCOL, `message for protocol '${env.protocol}', expected '${this.protocol}'`);
      if (!equalBytes(env.sessionId, this.sessionId)) throw new ProtocolError(ErrorCode.WRONG_SESSION, 'message for another session');
      if (from === this.self || !this.parties.includes(from)) throw new ProtocolError(ErrorCode.UNEXPECTED_SENDER, `party ${from} is not a peer in this session`);
      if (env.kind === 'abort') {
        const r = new Reader(env.payload);
        const code = new TextDecoder().decode(r.bytes(64));
        r.end();
        throw new ProtocolError(ErrorCode.SESSION_ABORTED, `party ${from} aborted the session (${code})`, [], env.round);
      }
      if (env.kind === 'direct' && env.to !== this.self) throw new ProtocolError(ErrorCode.WRONG_RECIPIENT, `direct message for party ${env.to}`);
      const key = `${env.round}:${env.kind}:${from}`;
      const prior = this.seen.get(key);
      if (prior !== undefined) {
        if (equalBytes(prior, bytes)) return []; // network re-delivery of the same message
        throw new ProtocolError(ErrorCode.DUPLICATE_MESSAGE, `party ${from} sent two different round-${env.round} ${env.kind} messages`);
      }
      if (env.round < this.roundNo || env.round > this.roundNo + 1)
        throw new ProtocolError(ErrorCode.UNEXPECTED_ROUND, `round-${env.round} message while in round ${this.roundNo}`);
      this.seen.set(key, bytes);
      if (this._state === 'idle' || env.round === this.roundNo + 1) {
        this.queue.push(env);
        return [];
      }
    } catch (e) {
      return this.fail(e, from);
    }
    // Round processing: `process` attributes errors itself (the sender of the message being
    // verified, or nobody for a failure in a round's finalize). Blaming `from` here would be
    // wrong when a queued message from another party, or finalize, is what failed.
    const out: Outgoing[] = [];
    try {
      this.process(env, out);
      this.drainQueue(out);
    } catch (e) {
      return this.fail(e, undefined);
    }
    return out;
  }

  private drainQueue(out: Outgoing[]): void {
    for (;;) {
      if (this._state !== 'running') return;
      const idx = this.queue.findIndex((m) => m.round === this.roundNo);
      if (idx < 0) return;
      const [env] = this.queue.splice(idx, 1);
      this.process(env!, out);
    }
  }

  private process(env: Envelope, out: Outgoing[]): void {
    const round = this.round!;
    const from = env.from;
    const kind = env.kind as 'broadcast' | 'direct';
    const expected = kind === 'broadcast' ? round.expectsBroadcastFrom : round.expectsDirectFrom;
    if (!expected.includes(from))
      throw new ProtocolError(ErrorCode.UNEXPECTED_MESSAGE_KIND, `no ${kind} message expected from party ${from} in round ${round.number}`, [from], round.number);
    this.checkEcho(env);
    const msg: InboundMessage = { from, kind, payload: env.payload };
    try {
      round.verify(msg);
      round.store(msg);
    } catch (e) {
      if (e instanceof ProtocolError) throw e.blame(from).inRound(round.number);
      throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, `invalid round-${round.number} message`, [from], round.number);
    }
    if (kind === 'broadcast') this.broadcasts.set(from, env.payload);
    this.received.add(`${kind}:${from}`);
    const complete =
      round.expectsBroadcastFrom.every((p) => this.received.has(`broadcast:${p}`)) &&
      round.expectsDirectFrom.every((p) => this.received.has(`direct:${p}`));
    if (complete) this.advance(round.finalize(), out);
  }

  /** Checklist A3: compare the sender's view of last round's broadcasts with ours. */
  private checkEcho(env: Envelope): void {
    const expectedLen = this.prevEcho.length * (2 + ECHO_HASH_LEN);
    if (env.echo.length !== expectedLen)
      throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'echo of the previous round has the wrong length', [env.from], env.round);
    const r = new Reader(env.echo);
    for (const mine of this.prevEcho) {
      const party = r.u16();
      const hash = r.fixed(ECHO_HASH_LEN);
      if (party !== mine.party) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'echo lists the wrong parties', [env.from], env.round);
      if (!equalBytes(hash, mine.hash)) {
        // Either `party` equivocated (sent different broadcasts) or `env.from` lies about it.
        const culprits = party === env.from || party === this.self ? [env.from] : [party, env.from];
        throw new ProtocolError(
          ErrorCode.ECHO_MISMATCH,
          `party ${env.from} saw a different round-${env.round - 1} broadcast from party ${party}`,
          culprits,
          env.round,
        );
      }
    }
  }

  private advance(output: RoundOutput<Out>, out: Outgoing[]): void {
    // Our view of this round's broadcasts becomes the echo carried by the next round's messages.
    const echoEntries = [...this.broadcasts.entries()].sort((a, b) => a[0] - b[0]).map(([party, p]) => ({ party, hash: echoHash(p) }));
    const nextRound = this.roundNo + 1;
    const echoW = new Writer();
    for (const e of echoEntries) echoW.u16(e.party).fixed(e.hash);
    const echo = echoW.finish();
    this.broadcasts = new Map();
    this.received = new Set();
    if ('result' in output) {
      if (output.out.length > 0) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'a final round must not send messages');
      this._result = output.result;
      this.end('done');
      return;
    }
    this.prevEcho = echoEntries;
    this.round = output.next;
    this.roundNo = nextRound;
    if (output.next.number !== nextRound) throw new Error(`protocol bug: round ${output.next.number} follows round ${nextRound - 1}`);
    for (const m of output.out) out.push(this.wrap(m, nextRound, echo));
    // A round that expects no message (e.g. every round of a 1-party run) completes at once.
    if (output.next.expectsBroadcastFrom.length === 0 && output.next.expectsDirectFrom.length === 0) this.advance(output.next.finalize(), out);
  }

  private wrap(m: OutboundMessage, round: number, echo: Uint8Array): Outgoing {
    const kind = m.to === 'all' ? 'broadcast' : 'direct';
    if (kind === 'broadcast') this.broadcasts.set(this.self, m.payload);
    const env: Envelope = {
      kind,
      protocol: this.protocol,
      sessionId: this.sessionId,
      round,
      from: this.self,
      to: m.to === 'all' ? 0 : m.to,
      echo,
      payload: m.payload,
    };
    return { to: m.to, bytes: encodeEnvelope(env) };
  }

  /** End the session: dispose the current round (round.ts `dispose`), drop queued messages. */
  private end(state: 'done' | 'aborted'): void {
    this._state = state;
    const round = this.round;
    this.round = undefined;
    this.queue = [];
    try {
      round?.dispose?.();
    } catch {
      // Best-effort erasure must never turn an outcome into an exception.
    }
  }

  private abortNotice(code: string): Outgoing {
    const payload = new Writer().bytes(new TextEncoder().encode(code)).finish();
    const env: Envelope = { kind: 'abort', protocol: this.protocol, sessionId: this.sessionId, round: Math.max(1, this.roundNo), from: this.self, to: 0, echo: new Uint8Array(0), payload };
    return { to: 'all', bytes: encodeEnvelope(env) };
  }

  private fail(e: unknown, from: PartyId | undefined): Outgoing[] {
    let err: ProtocolError;
    if (e instanceof ProtocolError) err = e;
    else err = new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'invalid message', from !== undefined ? [from] : []);
    if (from !== undefined && err.code !== ErrorCode.SESSION_ABORTED) err = err.blame(from);
    this._error = err.inRound(this.roundNo);
    this._result = undefined;
    this.end('aborted');
    // Tell the others (they stop instead of waiting for a timeout). Not sent when we were told.
    if (err.code === ErrorCode.SESSION_ABORTED) return [];
    return [this.abortNotice(err.code)];
  }
}
