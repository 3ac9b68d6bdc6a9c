/**
 * Presignature pool comparison between the players of an honest-majority ECDSA set (used by the
 * leader's pool resync, hm-service.ts; signing itself uses batch proposals, sign-batch.ts). The
 * set's leader (its lowest player) proposes ids it holds and every other player lists the ids it
 * holds. The agreed id is the leader's first proposal that every player listed; none →
 * `undefined`. A lying leader can at worst make players choose different ids; nothing is taken
 * or signed here.
 *
 * The leader also learns which of its proposals some player does not hold (`onUnheld`): such a
 * presignature can never be used (a player lost its pool, e.g. at a restart), so the leader may
 * delete it and let the pool refill. Reported only when every other list is complete (shorter
 * than {@link MAX_SELECT_IDS}), so an id missing from a list is really missing there — or was
 * just taken there for a batch, which deletes it everywhere anyway.
 *
 * One broadcast round on the core engine (sender, session and duplicate checks included; the
 * ids are public — they are hashes of the presigning session id and index).
 */
import { ErrorCode, parseHex, ProtocolError, Reader, Session, toHex, Writer, type InboundMessage, type Round } from '@opentsm/core';

/** Most ids in one list (the u8 count). */
export const MAX_SELECT_IDS = 255;
/** Presignature ids are 32-byte hashes; they travel as raw bytes (u8 count ‖ count × 32 bytes). */
const ID_BYTES = 32;
const ID_RE = /^[0-9a-f]{64}$/;

function encode(ids: readonly string[]): Uint8Array {
  const w = new Writer().u8(ids.length);
  for (const id of ids) w.fixed(parseHex(id, ID_BYTES));
  return w.finish();
}

/** Malformed → the Reader's MALFORMED_MESSAGE; the engine names the sender as the culprit. */
function decode(payload: Uint8Array): string[] {
  const r = new Reader(payload);
  const n = r.u8();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(toHex(r.fixed(ID_BYTES)));
  r.end();
  return ids;
}

class SelectRound implements Round<string | undefined> {
  readonly number = 1;
  readonly expectsDirectFrom: readonly number[] = [];
  private readonly lists = new Map<number, string[]>();
  constructor(
    readonly expectsBroadcastFrom: readonly number[],
    private readonly self: number,
    mine: readonly string[],
    private readonly leader: number,
    private readonly onUnheld: ((ids: string[]) => void) | undefined,
  ) {
    this.lists.set(self, [...mine]);
  }
  verify(msg: InboundMessage): void {
    decode(msg.payload);
  }
  store(msg: InboundMessage): void {
    this.lists.set(msg.from, decode(msg.payload));
  }
  finalize() {
    const proposals = this.lists.get(this.leader) ?? [];
    const others = [...this.lists].filter(([p]) => p !== this.leader).map(([, l]) => new Set(l));
    const chosen = proposals.find((id) => others.every((l) => l.has(id)));
    if (this.self === this.leader && this.onUnheld && others.every((l) => l.size < MAX_SELECT_IDS)) {
      const unheld = proposals.filter((id) => !others.every((l) => l.has(id)));
      if (unheld.length > 0) this.onUnheld(unheld);
    }
    return { out: [], result: chosen };
  }
}

/**
 * `candidates`: the leader's proposals (reserved by the caller), or a follower's available ids
 * (at most {@link MAX_SELECT_IDS}; more are cut). `leader` must be one of `parties`. `onUnheld`
 * (leader only): called before the result with the proposals some complete list lacks.
 */
export function createSelectSession(opts: {
  sessionId: Uint8Array;
  self: number;
  parties: readonly number[];
  leader: number;
  candidates: readonly string[];
  onUnheld?: (ids: string[]) => void;
}): Session<string | undefined> {
  if (!opts.parties.includes(opts.leader)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'the leader is not one of the parties');
  const mine = opts.candidates.slice(0, MAX_SELECT_IDS);
  for (const id of mine) if (!ID_RE.test(id)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'malformed presignature id');
  return new Session<string | undefined>({
    sessionId: opts.sessionId,
    protocol: 'presig-select/v2',
    self: opts.self,
    parties: opts.parties,
    start: () => ({ out: [{ to: 'all', payload: encode(mine) }], next: new SelectRound(opts.parties.filter((p) => p !== opts.self), opts.self, mine, opts.leader, opts.onUnheld) }),
  });
}
