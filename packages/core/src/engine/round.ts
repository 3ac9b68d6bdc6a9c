/**
 * One round of a protocol, as a pure state machine (no I/O, no clock).
 *
 * The session feeds a round the messages that belong to it (after the envelope checks of
 * session.ts): `verify` checks one message and throws a ProtocolError (the culprit defaults to the
 * sender), `store` keeps it, and once every expected message is stored the session calls
 * `finalize`, which returns the messages of the next round and the next round, or the result.
 */
import type { PartyId } from '../errors.js';

export interface InboundMessage {
  readonly from: PartyId;
  readonly kind: 'broadcast' | 'direct';
  readonly payload: Uint8Array;
}

/** `to: 'all'` is a broadcast (one payload, delivered identically to every other party). */
export interface OutboundMessage {
  readonly to: PartyId | 'all';
  readonly payload: Uint8Array;
}

export type RoundOutput<Out> =
  | { readonly out: readonly OutboundMessage[]; readonly next: Round<Out> }
  | { readonly out: readonly OutboundMessage[]; readonly result: Out };

export interface Round<Out> {
  /** 1-based round number: the round whose messages this object consumes. */
  readonly number: number;
  /** Parties from which exactly one broadcast is expected in this round. */
  readonly expectsBroadcastFrom: readonly PartyId[];
  /** Parties from which exactly one direct message (to us) is expected in this round. */
  readonly expectsDirectFrom: readonly PartyId[];
  /** Check one message (pure). Throws ProtocolError. */
  verify(msg: InboundMessage): void;
  /** Keep a verified message. */
  store(msg: InboundMessage): void;
  /** Called once, when every expected message is stored. */
  finalize(): RoundOutput<Out>;
  /**
   * Optional: erase the secrets this round holds (best effort). The session calls it on the
   * current round when the session ends — on every abort (a failed check, a failing finalize, an
   * abort notice from a peer, `Session.abort()` on timeout or cancellation) and, after a final
   * round's finalize, on that round. It is NOT called when finalize hands over to the next round
   * (rounds of one run usually share their state; finalize erases what the next round no longer
   * needs). Must not throw; it may be called more than once.
   */
  dispose?(): void;
}

/** Start of a protocol: the messages of round 1 and the round that consumes them. */
export type ProtocolStart<Out> = RoundOutput<Out>;
