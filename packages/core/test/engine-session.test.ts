/**
 * Session engine (engine/session.ts) with a toy two-round protocol, driven message by message:
 * queueing, duplicates, round/kind/sender checks (A1–A5), echo consistency (A3), attribution of
 * errors, abort notices and the life cycle.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEnvelope,
  encodeEnvelope,
  ErrorCode,
  ProtocolError,
  Reader,
  Session,
  Writer,
  type InboundMessage,
  type Outgoing,
  type PartyId,
  type Round,
  type RoundOutput,
} from '../src/index.js';
import { runNetwork } from '../src/testing/index.js';

/**
 * Toy protocol: round 1 everyone broadcasts a u32 value; round 2 everyone sends each peer
 * (own value + peer id) directly; the result is Σ values (checked against the directs).
 * A broadcast of 0xdead is rejected in verify (to test blame); `failFinalize` makes the last
 * round fail in finalize (no culprit).
 */
interface ToyOpts {
  value: number;
  failFinalize?: boolean;
  /** Receives 'r1' / 'r2' when the session disposes that round. */
  disposed?: string[];
  /** dispose throws (after logging). */
  throwOnDispose?: boolean;
}

function logDispose(opts: ToyOpts, name: string): void {
  opts.disposed?.push(name);
  if (opts.throwOnDispose) throw new Error('dispose failed');
}

class ToyRound1 implements Round<number> {
  readonly number = 1;
  readonly expectsDirectFrom: PartyId[] = [];
  readonly values = new Map<PartyId, number>();
  constructor(
    readonly expectsBroadcastFrom: PartyId[],
    private readonly self: PartyId,
    private readonly opts: ToyOpts,
  ) {
    this.values.set(self, opts.value);
  }
  verify(msg: InboundMessage): void {
    const r = new Reader(msg.payload);
    const v = r.u32();
    r.end();
    if (v === 0xdead) throw new ProtocolError(ErrorCode.INVALID_SHARE, 'bad value');
  }
  store(msg: InboundMessage): void {
    this.values.set(msg.from, new Reader(msg.payload).u32());
  }
  finalize(): RoundOutput<number> {
    const out = this.expectsBroadcastFrom.map((p) => ({ to: p, payload: new Writer().u32(this.opts.value + p).finish() }));
    return { out, next: new ToyRound2(this.expectsBroadcastFrom, this.self, this.values, this.opts) };
  }
  dispose(): void {
    logDispose(this.opts, 'r1');
  }
}

class ToyRound2 implements Round<number> {
  readonly number = 2;
  readonly expectsBroadcastFrom: PartyId[] = [];
  constructor(
    readonly expectsDirectFrom: PartyId[],
    private readonly self: PartyId,
    private readonly values: Map<PartyId, number>,
    private readonly opts: ToyOpts,
  ) {}
  verify(msg: InboundMessage): void {
    const r = new Reader(msg.payload);
    const v = r.u32();
    r.end();
    if (v !== this.values.get(msg.from)! + this.self) throw new ProtocolError(ErrorCode.INVALID_SHARE, 'inconsistent direct value');
  }
  store(): void {}
  finalize(): RoundOutput<number> {
    if (this.opts.failFinalize) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, 'finalize failed');
    return { out: [], result: [...this.values.values()].reduce((a, b) => a + b, 0) };
  }
  dispose(): void {
    logDispose(this.opts, 'r2');
  }
}

const SID = Uint8Array.of(7, 7, 7);

function toy(self: PartyId, parties: PartyId[], opts: ToyOpts, sessionId = SID): Session<number> {
  const others = parties.filter((p) => p !== self);
  return new Session<number>({
    sessionId,
    protocol: 'toy/v1',
    self,
    parties,
    start: () => ({ out: [{ to: 'all', payload: new Writer().u32(opts.value).finish() }], next: new ToyRound1(others, self, opts) }),
  });
}

/** Messages from `from` for `to` among a batch of outgoing messages. */
function pick(out: Outgoing[], to: PartyId): Uint8Array[] {
  return out.filter((o) => o.to === 'all' || o.to === to).map((o) => o.bytes);
}

describe('engine: happy path', () => {
  it('runs the toy protocol over the network', () => {
    const parties = [1, 2, 3, 4];
    const sessions = parties.map((p) => toy(p, parties, { value: p * 10 }));
    const res = runNetwork(sessions);
    assert.equal(res.results.size, 4);
    for (const p of parties) assert.equal(res.results.get(p), 100);
  });

  it('a one-party session completes at start (rounds that expect nothing finish at once)', () => {
    const s = toy(5, [5], { value: 42 });
    const out = s.start();
    assert.equal(s.state, 'done');
    assert.equal(s.result, 42);
    // The broadcast has no recipient; nothing else is sent.
    assert.equal(out.length, 1);
  });
});

describe('engine: ordering, queueing and duplicates (A5)', () => {
  it('queues a message for the next round and processes it once the round is reached', () => {
    const parties = [1, 2, 3];
    const [a, b, c] = parties.map((p) => toy(p, parties, { value: p })) as [Session<number>, Session<number>, Session<number>];
    const oa = a.start();
    const ob = b.start();
    const oc = c.start();
    // B completes round 1 and sends its round-2 messages.
    b.receive(1, pick(oa, 2)[0]!);
    const b2 = b.receive(3, pick(oc, 2)[0]!);
    assert.equal(b.currentRound, 2);
    // C gets B's round-2 message before A's round-1 broadcast: queued, nothing happens.
    assert.deepEqual(c.receive(2, pick(ob, 3)[0]!), []);
    assert.deepEqual(c.receive(2, pick(b2, 3)[0]!), []);
    assert.equal(c.currentRound, 1);
    assert.equal(c.state, 'running');
    // A's broadcast completes round 1; the queued round-2 message is processed right away.
    const c2 = c.receive(1, pick(oa, 3)[0]!);
    assert.equal(c.currentRound, 2);
    // Deliver the rest; everyone finishes.
    const a2 = [...a.receive(2, pick(ob, 1)[0]!), ...a.receive(3, pick(oc, 1)[0]!)];
    c.receive(1, pick(a2, 3)[0]!);
    b.receive(1, pick(a2, 2)[0]!);
    b.receive(3, pick(c2, 2)[0]!);
    a.receive(2, pick(b2, 1)[0]!);
    a.receive(3, pick(c2, 1)[0]!);
    for (const s of [a, b, c]) {
      assert.equal(s.state, 'done');
      assert.equal(s.result, 6);
    }
  });

  it('ignores identical re-deliveries, also of messages of a finished round', () => {
    const parties = [1, 2];
    const [a, b] = parties.map((p) => toy(p, parties, { value: p })) as [Session<number>, Session<number>];
    const oa = a.start();
    b.start();
    const m = pick(oa, 2)[0]!;
    b.receive(1, m);
    assert.equal(b.currentRound, 2);
    assert.deepEqual(b.receive(1, m), []);
    assert.equal(b.state, 'running');
    assert.equal(b.error, undefined);
  });

  it('a different second message for the same round → DUPLICATE_MESSAGE blaming the sender', () => {
    const parties = [1, 2, 3];
    const a = toy(1, parties, { value: 1 });
    const b = toy(2, parties, { value: 2 });
    const a2 = toy(1, parties, { value: 99 });
    b.start();
    b.receive(1, pick(a.start(), 2)[0]!);
    const notice = b.receive(1, pick(a2.start(), 2)[0]!);
    assert.equal(b.state, 'aborted');
    assert.equal(b.error?.code, ErrorCode.DUPLICATE_MESSAGE);
    assert.deepEqual(b.error?.culprits, [1]);
    assert.equal(b.result, undefined);
    // An abort notice goes to everybody.
    assert.equal(notice.length, 1);
    assert.equal(notice[0]!.to, 'all');
    assert.equal(decodeEnvelope(notice[0]!.bytes).kind, 'abort');
  });

  it('a message two rounds ahead or of a past round → UNEXPECTED_ROUND', () => {
    const parties = [1, 2];
    const b = toy(2, parties, { value: 2 });
    b.start();
    const env = decodeEnvelope(pick(toy(1, parties, { value: 1 }).start(), 2)[0]!);
    b.receive(1, encodeEnvelope({ ...env, round: 3 }));
    assert.equal(b.error?.code, ErrorCode.UNEXPECTED_ROUND);
    assert.deepEqual(b.error?.culprits, [1]);
  });
});

describe('engine: envelope checks (A1, A2, A5)', () => {
  const parties = [1, 2, 3];
  const setup = () => {
    const b = toy(2, parties, { value: 2 });
    b.start();
    const env = decodeEnvelope(pick(toy(1, parties, { value: 1 }).start(), 2)[0]!);
    return { b, env };
  };
  const cases: [string, (env: ReturnType<typeof setup>['env']) => [PartyId, Uint8Array], ErrorCode, PartyId][] = [
    ['A1 inner sender ≠ transport sender', (e) => [3, encodeEnvelope(e)], ErrorCode.SENDER_MISMATCH, 3],
    ['A2 other session', (e) => [1, encodeEnvelope({ ...e, sessionId: Uint8Array.of(8) })], ErrorCode.WRONG_SESSION, 1],
    ['A2 other protocol', (e) => [1, encodeEnvelope({ ...e, protocol: 'toy/v2' })], ErrorCode.WRONG_PROTOCOL, 1],
    ['A5 sender not in the session', (e) => [9, encodeEnvelope({ ...e, from: 9 })], ErrorCode.UNEXPECTED_SENDER, 9],
    ['A5 message claiming to come from ourselves', (e) => [2, encodeEnvelope({ ...e, from: 2 })], ErrorCode.UNEXPECTED_SENDER, 2],
    ['A5 direct message for someone else', (e) => [1, encodeEnvelope({ ...e, kind: 'direct', to: 3 })], ErrorCode.WRONG_RECIPIENT, 1],
    ['A5 unexpected kind', (e) => [1, encodeEnvelope({ ...e, kind: 'direct', to: 2 })], ErrorCode.UNEXPECTED_MESSAGE_KIND, 1],
    ['A3 echo of the wrong length', (e) => [1, encodeEnvelope({ ...e, echo: new Uint8Array(34) })], ErrorCode.MALFORMED_MESSAGE, 1],
    ['malformed bytes', () => [1, Uint8Array.of(1, 2, 3)], ErrorCode.MALFORMED_MESSAGE, 1],
    ['payload rejected by the round', (e) => [1, encodeEnvelope({ ...e, payload: new Writer().u32(0xdead).finish() })], ErrorCode.INVALID_SHARE, 1],
  ];
  for (const [name, make, code, culprit] of cases) {
    it(`${name} → ${code}`, () => {
      const { b, env } = setup();
      const [from, bytes] = make(env);
      b.receive(from, bytes);
      assert.equal(b.state, 'aborted');
      assert.equal(b.error?.code, code);
      assert.deepEqual(b.error?.culprits, [culprit]);
      assert.equal(b.error?.round, 1);
      assert.equal(b.result, undefined);
    });
  }
});

describe('engine: echo consistency (A3)', () => {
  it('a broadcaster sending different round-1 values to different parties is caught in round 2', () => {
    const parties = [1, 2, 3];
    const sessions = parties.map((p) => toy(p, parties, { value: p }));
    const res = runNetwork(sessions, {
      faults: [
        {
          onSend: (m) => {
            if (m.from !== 1 || m.to !== 3 || m.env.round !== 1) return [m];
            const env = { ...m.env, payload: new Writer().u32(77).finish() };
            return [{ ...m, env, bytes: encodeEnvelope(env) }];
          },
        },
      ],
    });
    assert.equal(res.results.size, 0);
    const e3 = res.sessions.get(3)!.error!;
    assert.equal(e3.code, ErrorCode.ECHO_MISMATCH);
    assert.ok(e3.culprits.includes(1));
  });
});

describe('engine: attribution of errors', () => {
  it('an invalid queued message is blamed on its sender, not on the message that released it', () => {
    const parties = [1, 2, 3];
    const a = toy(1, parties, { value: 1 });
    const b = toy(2, parties, { value: 2 });
    const c = toy(3, parties, { value: 3 });
    const oa = a.start();
    const ob = b.start();
    const oc = c.start();
    // B's round-2 message to C is inconsistent with B's broadcast (valid echo, bad payload);
    // it reaches C early and is queued.
    b.receive(1, pick(oa, 2)[0]!);
    const b2 = decodeEnvelope(pick(b.receive(3, pick(oc, 2)[0]!), 3)[0]!);
    const badRound2 = encodeEnvelope({ ...b2, payload: new Writer().u32(12345).finish() });
    c.receive(2, pick(ob, 3)[0]!);
    c.receive(2, badRound2);
    assert.equal(c.state, 'running');
    // A's broadcast completes round 1 of C, which then processes B's queued message.
    c.receive(1, pick(oa, 3)[0]!);
    assert.equal(c.state, 'aborted');
    assert.equal(c.error?.code, ErrorCode.INVALID_SHARE);
    assert.deepEqual(c.error?.culprits, [2]);
  });

  it('a failure in finalize blames nobody (not the sender of the last message)', () => {
    const parties = [1, 2];
    const sessions = [toy(1, parties, { value: 1, failFinalize: true }), toy(2, parties, { value: 2 })];
    const res = runNetwork(sessions);
    const e = res.sessions.get(1)!.error!;
    assert.equal(e.code, ErrorCode.INVALID_GROUP_KEY);
    assert.deepEqual(e.culprits, []);
    assert.equal(e.round, 2);
    assert.equal(res.sessions.get(1)!.result, undefined);
  });
});

describe('engine: life cycle', () => {
  it('rejects bad constructor parameters', () => {
    const start = () => {
      throw new Error('unused');
    };
    const mk = (self: PartyId, parties: PartyId[], sessionId = SID) => () => new Session<number>({ sessionId, protocol: 'toy/v1', self, parties, start });
    assert.throws(mk(4, [1, 2, 3]), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS);
    assert.throws(mk(1, [1, 2, 2]), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_IDENTIFIER);
    assert.throws(mk(1, [1, 2], new Uint8Array(0)), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS);
    assert.throws(mk(1, [1, 2], new Uint8Array(65)), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS);
  });

  it('start() twice throws; a failing start aborts without culprit', () => {
    const s = toy(1, [1, 2], { value: 1 });
    s.start();
    assert.throws(() => s.start(), ProtocolError);
    const bad = new Session<number>({
      sessionId: SID,
      protocol: 'toy/v1',
      self: 1,
      parties: [1, 2],
      start: () => {
        throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'no');
      },
    });
    const out = bad.start();
    assert.equal(bad.state, 'aborted');
    assert.deepEqual(bad.error?.culprits, []);
    assert.equal(decodeEnvelope(out[0]!.bytes).kind, 'abort');
  });

  it('an abort notice aborts with SESSION_ABORTED and is not echoed back; later messages are ignored', () => {
    const parties = [1, 2];
    const a = toy(1, parties, { value: 1 });
    const b = toy(2, parties, { value: 2 });
    const oa = a.start();
    b.start();
    const notice = encodeEnvelope({ kind: 'abort', protocol: 'toy/v1', sessionId: SID, round: 1, from: 1, to: 0, echo: new Uint8Array(0), payload: new Writer().bytes(new TextEncoder().encode('INVALID_SHARE')).finish() });
    assert.deepEqual(b.receive(1, notice), []);
    assert.equal(b.state, 'aborted');
    assert.equal(b.error?.code, ErrorCode.SESSION_ABORTED);
    assert.deepEqual(b.error?.culprits, []);
    assert.deepEqual(b.receive(1, pick(oa, 2)[0]!), []);
    assert.equal(b.state, 'aborted');
  });

  it('messages after completion are ignored and the result is kept', () => {
    const parties = [1, 2];
    const res = runNetwork(parties.map((p) => toy(p, parties, { value: p })));
    const a = res.sessions.get(1)!;
    assert.equal(a.state, 'done');
    assert.deepEqual(a.receive(2, Uint8Array.of(1, 2, 3)), []);
    assert.equal(a.state, 'done');
    assert.equal(a.result, 3);
  });
});

describe('engine: dispose (a round erases its secrets when the session ends)', () => {
  it('completion disposes the final round only; a round handing over to the next is not disposed', () => {
    const parties = [1, 2, 3];
    const logs = new Map(parties.map((p) => [p, [] as string[]]));
    const res = runNetwork(parties.map((p) => toy(p, parties, { value: p, disposed: logs.get(p)! })));
    assert.equal(res.results.size, 3);
    for (const p of parties) assert.deepEqual(logs.get(p), ['r2']);
  });

  it('a failed check in verify disposes the current round; the peer told by the abort notice disposes too', () => {
    const la: string[] = [];
    const lb: string[] = [];
    const res = runNetwork([toy(1, [1, 2], { value: 0xdead, disposed: la }), toy(2, [1, 2], { value: 2, disposed: lb })]);
    assert.equal(res.sessions.get(2)!.error?.code, ErrorCode.INVALID_SHARE);
    assert.equal(res.sessions.get(1)!.error?.code, ErrorCode.SESSION_ABORTED);
    assert.deepEqual(lb, ['r1']);
    assert.equal(la.length, 1, 'the notified party disposes the round it was in, once');
  });

  it('a failing finalize disposes the round whose finalize failed', () => {
    const logs = [[], []] as string[][];
    const res = runNetwork([1, 2].map((p) => toy(p, [1, 2], { value: p, failFinalize: true, disposed: logs[p - 1]! })));
    assert.equal(res.results.size, 0);
    for (const l of logs) assert.deepEqual(l, ['r2']);
  });

  it('abort() (timeout, cancellation) disposes once, aborts with SESSION_ABORTED and returns the abort notice', () => {
    const log: string[] = [];
    const s = toy(1, [1, 2], { value: 1, disposed: log });
    s.start();
    const out = s.abort('timeout');
    assert.equal(s.state, 'aborted');
    assert.equal(s.error?.code, ErrorCode.SESSION_ABORTED);
    assert.deepEqual(s.error?.culprits, []);
    assert.match(s.error?.message ?? '', /timeout/);
    assert.deepEqual(log, ['r1']);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.to, 'all');
    assert.equal(decodeEnvelope(out[0]!.bytes).kind, 'abort');
    // The peer stops on the notice.
    const b = toy(2, [1, 2], { value: 2 });
    b.start();
    b.receive(1, out[0]!.bytes);
    assert.equal(b.state, 'aborted');
    assert.equal(b.error?.code, ErrorCode.SESSION_ABORTED);
    // Idempotent; nothing more is disposed or sent.
    assert.deepEqual(s.abort(), []);
    assert.deepEqual(log, ['r1']);
  });

  it('abort() after completion or before start sends nothing; a throwing dispose does not break the abort', () => {
    const parties = [1, 2];
    const res = runNetwork(parties.map((p) => toy(p, parties, { value: p })));
    const done = res.sessions.get(1)!;
    assert.deepEqual(done.abort(), []);
    assert.equal(done.state, 'done');
    assert.equal(done.result, 3);
    const idle = toy(1, parties, { value: 1 });
    assert.deepEqual(idle.abort(), []);
    assert.equal(idle.state, 'aborted');
    const log: string[] = [];
    const s = toy(1, parties, { value: 1, disposed: log, throwOnDispose: true });
    s.start();
    assert.equal(s.abort().length, 1);
    assert.equal(s.state, 'aborted');
    assert.deepEqual(log, ['r1']);
  });
});
