/**
 * In-memory network for running n sessions of one protocol in a single process, with fault
 * injection. Used by every protocol test: every message goes through the real wire codec.
 *
 * Faults (all optional, composable):
 * - `drop(pred)`        drop matching messages
 * - `duplicate(pred)`   deliver matching messages twice
 * - `delay(pred, n)`    hold matching messages back for n deliveries
 * - `reorder(seed)`     deliver pending messages in a pseudo-random order
 * - `tamper(pred, fn)`  replace the bytes of a matching outgoing message (per recipient)
 * - `crash(party, afterDeliveries)` the party stops receiving and sending
 */
import type { PartyId } from '../errors.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../engine/codec.js';
import type { Outgoing, Session } from '../engine/session.js';

export interface InFlight {
  readonly from: PartyId;
  readonly to: PartyId;
  bytes: Uint8Array;
  /** Decoded envelope (for fault predicates). */
  readonly env: Envelope;
  holdFor: number;
}

export type MessagePredicate = (m: InFlight) => boolean;

export interface Fault {
  /** Transform one outgoing message into 0..k messages. */
  onSend?(m: InFlight): InFlight[];
}

/** Predicate helpers. */
export const match = {
  from: (p: PartyId): MessagePredicate => (m) => m.from === p,
  fromTo: (p: PartyId, q: PartyId): MessagePredicate => (m) => m.from === p && m.to === q,
  round: (r: number): MessagePredicate => (m) => m.env.round === r,
  and: (...ps: MessagePredicate[]): MessagePredicate => (m) => ps.every((p) => p(m)),
};

export function drop(pred: MessagePredicate): Fault {
  return { onSend: (m) => (pred(m) ? [] : [m]) };
}
export function duplicate(pred: MessagePredicate): Fault {
  return { onSend: (m) => (pred(m) ? [m, { ...m }] : [m]) };
}
export function delay(pred: MessagePredicate, deliveries: number): Fault {
  return { onSend: (m) => (pred(m) ? [{ ...m, holdFor: deliveries }] : [m]) };
}
/** Replace the raw bytes of matching messages. */
export function tamper(pred: MessagePredicate, fn: (bytes: Uint8Array, m: InFlight) => Uint8Array): Fault {
  return { onSend: (m) => (pred(m) ? [{ ...m, bytes: fn(m.bytes, m) }] : [m]) };
}
/** Replace the payload of matching messages, keeping a well-formed envelope. */
export function tamperPayload(pred: MessagePredicate, fn: (payload: Uint8Array, m: InFlight) => Uint8Array): Fault {
  return tamper(pred, (bytes, m) => {
    const env = decodeEnvelope(bytes);
    return encodeEnvelope({ ...env, payload: fn(env.payload, m) });
  });
}
/** Rewrite envelope fields of matching messages. */
export function tamperEnvelope(pred: MessagePredicate, fn: (env: Envelope) => Envelope): Fault {
  return tamper(pred, (bytes) => encodeEnvelope(fn(decodeEnvelope(bytes))));
}

/** Deterministic PRNG (mulberry32) for reproducible reordering. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NetworkOptions {
  faults?: Fault[];
  /** Deliver pending messages in a pseudo-random order drawn from this seed. */
  reorderSeed?: number;
  /** party → number of deliveries after which it crashes (stops receiving and sending). */
  crash?: Record<PartyId, number>;
  /** Safety bound on deliveries. */
  maxDeliveries?: number;
}

export interface NetworkResult<Out> {
  readonly results: Map<PartyId, Out>;
  readonly sessions: Map<PartyId, Session<Out>>;
  readonly deliveries: number;
  /** Parties whose session neither finished nor aborted (waiting forever: a timeout's job). */
  readonly stalled: PartyId[];
}

/** Run sessions (one per party) to quiescence. */
export function runNetwork<Out>(sessions: Session<Out>[], opts: NetworkOptions = {}): NetworkResult<Out> {
  const byParty = new Map<PartyId, Session<Out>>();
  for (const s of sessions) byParty.set(s.self, s);
  const faults = opts.faults ?? [];
  const rand = opts.reorderSeed !== undefined ? prng(opts.reorderSeed) : undefined;
  const crashed = new Set<PartyId>();
  const pending: InFlight[] = [];
  let deliveries = 0;
  const max = opts.maxDeliveries ?? 1_000_000;

  const send = (from: PartyId, out: Outgoing[]) => {
    if (crashed.has(from)) return;
    const s = byParty.get(from)!;
    for (const o of out) {
      const targets = o.to === 'all' ? s.parties.filter((p) => p !== from) : [o.to];
      for (const to of targets) {
        let msgs: InFlight[] = [{ from, to, bytes: o.bytes, env: decodeEnvelope(o.bytes), holdFor: 0 }];
        for (const f of faults) if (f.onSend) msgs = msgs.flatMap((m) => f.onSend!(m));
        pending.push(...msgs);
      }
    }
  };

  const checkCrashes = () => {
    for (const [p, after] of Object.entries(opts.crash ?? {})) if (deliveries >= after) crashed.add(Number(p));
  };
  checkCrashes();
  for (const s of sessions) send(s.self, s.start());

  while (pending.length > 0 && deliveries < max) {
    let idx = rand ? Math.floor(rand() * pending.length) : 0;
    // Respect delays: pick the first message that is not held back.
    let guard = pending.length;
    while (pending[idx]!.holdFor > 0 && guard-- > 0) {
      pending[idx]!.holdFor--;
      idx = (idx + 1) % pending.length;
    }
    const [m] = pending.splice(idx, 1);
    deliveries++;
    checkCrashes();
    if (crashed.has(m!.to)) continue;
    const target = byParty.get(m!.to);
    if (!target) continue;
    send(m!.to, target.receive(m!.from, m!.bytes));
  }

  const results = new Map<PartyId, Out>();
  const stalled: PartyId[] = [];
  for (const s of sessions) {
    if (s.state === 'done') results.set(s.self, s.result as Out);
    else if (s.state !== 'aborted') stalled.push(s.self);
  }
  return { results, sessions: byParty, deliveries, stalled };
}
