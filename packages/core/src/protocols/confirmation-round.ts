/**
 * The last round of the protocols that end by agreeing on their public output (OpenTSM addition;
 * protocols.md §4.2 "same view", checklist D5/D6): every party broadcasts a 32-byte hash of the
 * complete public output it computed; a party outputs only if every other party's hash equals its
 * own (PUBLIC_OUTPUT_MISMATCH otherwise, culprit the sender), so all parties that finish hold
 * byte-identical public data. The engine also compares, in this round, every party's echo of the
 * previous round's broadcasts with ours (A3).
 *
 * Used by refresh and reshare (new key package), DKLs23 key generation / OT refresh (key and OT
 * setup) and the DKG (public output).
 *
 * The round cannot be fair: a party whose peers' confirmations all arrived finishes even if a
 * peer aborts afterwards. Callers that replace stored secrets therefore keep the new ones pending
 * until every party has reported success (the cluster's two-phase commit).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { Reader, Writer } from '../engine/codec.js';
import type { InboundMessage, Round, RoundOutput } from '../engine/round.js';
import { equalBytes } from '../math/bytes.js';

/** Length of a confirmation hash (the whole payload). */
export const CONFIRMATION_HASH_BYTES = 32;

/** Payload of a confirmation broadcast: the hash, nothing else. */
export function encodeConfirmationHash(hash: Uint8Array): Uint8Array {
  if (hash.length !== CONFIRMATION_HASH_BYTES) throw new RangeError('confirmation hash must be 32 bytes');
  return new Writer().fixed(hash).finish();
}

/** Strict decoder (exact length; MALFORMED_MESSAGE otherwise). */
export function decodeConfirmationHash(payload: Uint8Array): Uint8Array {
  const r = new Reader(payload);
  const h = r.fixed(CONFIRMATION_HASH_BYTES);
  r.end();
  return h;
}

export class ConfirmationRound<Out> implements Round<Out> {
  readonly expectsDirectFrom: readonly PartyId[] = [];

  /**
   * @param number the engine round number of this round
   * @param expectsBroadcastFrom every other party
   * @param hash our own confirmation hash (32 bytes)
   * @param output what the session outputs once every confirmation matched
   * @param what names the confirmed data in the error message ("… confirmed a different <what>")
   */
  constructor(
    readonly number: number,
    readonly expectsBroadcastFrom: readonly PartyId[],
    private readonly hash: Uint8Array,
    private readonly output: Out,
    private readonly what = 'new key package',
  ) {}

  verify(msg: InboundMessage): void {
    if (!equalBytes(decodeConfirmationHash(msg.payload), this.hash))
      throw new ProtocolError(ErrorCode.PUBLIC_OUTPUT_MISMATCH, `party ${msg.from} confirmed a different ${this.what}`);
  }

  store(_msg: InboundMessage): void {
    // Nothing to keep: the confirmation equals our own hash.
  }

  finalize(): RoundOutput<Out> {
    return { out: [], result: this.output };
  }
}
