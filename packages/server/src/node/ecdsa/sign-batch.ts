/**
 * Batched honest-majority ECDSA signing in the cluster: the messages that let the 2t+1 players
 * of a (key, player set) sign many client requests in one run.
 *
 * Every node receives each client request itself and verifies it; the set's leader (its lowest
 * player) groups the requests it holds into a batch and proposes, per item: the request's signing
 * id (derived from the client's signed request, ids.ts), the digest of what is signed
 * (H(message, tweak)) and the presignature id to use (all zero: presign inline). Each player then
 * answers for every item with a status — it holds that request with the same digest and has just
 * taken (deleted) that presignature from its store — in an ACCEPT round (one broadcast on the
 * core engine, sender/session/duplicate checks included) that also carries the hash of the
 * proposal it received, so a leader that shows different proposals to different players makes
 * every player abort. The items every player accepted are signed together
 * (`createEcdsaBatchSignSession`); the others are retried, or fail (digest mismatch).
 *
 * A presignature proposed to a batch is deleted by every player that holds it whatever the
 * outcome (it is never used twice, also after an abort): docs/protocols/ecdsa-honest-majority.md,
 * "Signing in the cluster".
 */
import { bytesToHex, ErrorCode, parseHex, ProtocolError, Reader, Session, transcriptHash, utf8ToBytes, Writer, type InboundMessage, type Round } from '@opentsm/core';

/** Most items per batch (the core's ECDSA_HM_MAX_SIGN_BATCH). */
export const MAX_BATCH_ITEMS = 64;
const ID = 32;
const NO_PRESIGNATURE = '0'.repeat(64);

/** A player's answer for one item. */
export enum ItemStatus {
  /** Holds the request with the same digest and took the presignature (or none was proposed). */
  OK = 0,
  /** Does not hold this request (not arrived yet, or already in another batch). */
  UNKNOWN = 1,
  /** Holds the request, but with another message or tweak: the item fails everywhere. */
  MISMATCH = 2,
  /** Does not hold the proposed presignature (lost at a restart) or it is of an older key version. */
  UNHELD = 3,
}

const STATUSES: readonly ItemStatus[] = [ItemStatus.OK, ItemStatus.UNKNOWN, ItemStatus.MISMATCH, ItemStatus.UNHELD];

export interface BatchItem {
  /** Signing id of the request (hex, 32 bytes). */
  readonly sid: string;
  /** H(message, tweak) (hex, 32 bytes). */
  readonly digest: string;
  /** Presignature id (hex), or undefined: presign inline. */
  readonly presigId: string | undefined;
}

export interface BatchProposal {
  readonly keyId: string;
  /** The player set, sorted, comma-separated. */
  readonly set: string;
  /** Random batch id chosen by the leader (32 bytes). */
  readonly batchId: Uint8Array;
  readonly items: readonly BatchItem[];
}

/** Digest of what one request signs: every player must hold the same one. */
export function itemDigest(message: Uint8Array, tweak: Uint8Array): string {
  return bytesToHex(transcriptHash('opentsm/hm-sign-item/v1', message, tweak));
}

export function encodeProposal(p: BatchProposal): Uint8Array {
  const w = new Writer().bytes(utf8ToBytes(p.keyId)).bytes(utf8ToBytes(p.set)).fixed(p.batchId).u8(p.items.length);
  for (const it of p.items) w.fixed(parseHex(it.sid, ID)).fixed(parseHex(it.digest, ID)).fixed(parseHex(it.presigId ?? NO_PRESIGNATURE, ID));
  return w.finish();
}

/** Strict decoding; throws (MALFORMED_MESSAGE) on anything else, including repeated ids. */
export function decodeProposal(payload: Uint8Array): BatchProposal {
  const r = new Reader(payload);
  const keyId = new TextDecoder('utf-8', { fatal: true }).decode(r.bytes(64));
  const set = new TextDecoder('utf-8', { fatal: true }).decode(r.bytes(256));
  const batchId = r.fixed(ID).slice();
  const m = r.u8();
  if (m < 1 || m > MAX_BATCH_ITEMS) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'batch size out of range');
  const items: BatchItem[] = [];
  const sids = new Set<string>();
  const presigs = new Set<string>();
  for (let i = 0; i < m; i++) {
    const sid = bytesToHex(r.fixed(ID));
    const digest = bytesToHex(r.fixed(ID));
    const pid = bytesToHex(r.fixed(ID));
    const presigId = pid === NO_PRESIGNATURE ? undefined : pid;
    if (sids.has(sid) || (presigId !== undefined && presigs.has(presigId))) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'a request or presignature appears twice in the batch');
    sids.add(sid);
    if (presigId !== undefined) presigs.add(presigId);
    items.push({ sid, digest, presigId });
  }
  r.end();
  return { keyId, set, batchId, items };
}

/** What each player must agree on: the whole proposal as received. */
export function proposalHash(p: BatchProposal): Uint8Array {
  return transcriptHash('opentsm/hm-sign-batch/v1/proposal', encodeProposal(p));
}

/** Per-item outcome from every player's statuses: any MISMATCH → fail; any UNKNOWN/UNHELD → retry; else sign. */
export type ItemOutcome = 'sign' | 'mismatch' | 'unknown' | 'unheld';

export function itemOutcomes(statuses: readonly (readonly ItemStatus[])[], m: number): ItemOutcome[] {
  const out: ItemOutcome[] = [];
  for (let i = 0; i < m; i++) {
    const s = statuses.map((v) => v[i]!);
    out.push(s.includes(ItemStatus.MISMATCH) ? 'mismatch' : s.includes(ItemStatus.UNKNOWN) ? 'unknown' : s.includes(ItemStatus.UNHELD) ? 'unheld' : 'sign');
  }
  return out;
}

function encodeAccept(hash: Uint8Array, statuses: readonly ItemStatus[]): Uint8Array {
  const w = new Writer().fixed(hash).u8(statuses.length);
  for (const s of statuses) w.u8(s);
  return w.finish();
}

class AcceptRound implements Round<ItemStatus[][]> {
  readonly number = 1;
  readonly expectsDirectFrom: readonly number[] = [];
  private readonly lists = new Map<number, ItemStatus[]>();
  private readonly checked = new Map<number, ItemStatus[]>();
  /** Items in the batch (every answer must have exactly this many statuses). */
  private readonly m: number;
  constructor(
    readonly expectsBroadcastFrom: readonly number[],
    private readonly parties: readonly number[],
    self: number,
    private readonly hash: Uint8Array,
    mine: readonly ItemStatus[],
  ) {
    this.lists.set(self, [...mine]);
    this.m = mine.length;
  }
  verify(msg: InboundMessage): void {
    const r = new Reader(msg.payload);
    const h = r.fixed(ID);
    const m = r.u8();
    const statuses: ItemStatus[] = [];
    for (let i = 0; i < m; i++) {
      const s = STATUSES[r.u8()];
      if (s === undefined) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'unknown item status');
      statuses.push(s);
    }
    r.end();
    if (bytesToHex(h) !== bytesToHex(this.hash) || m !== this.m)
      throw new ProtocolError(ErrorCode.CONTEXT_MISMATCH, 'the player answered another batch proposal (the leader equivocated)', [msg.from]);
    this.checked.set(msg.from, statuses);
  }
  store(msg: InboundMessage): void {
    this.lists.set(msg.from, this.checked.get(msg.from)!);
    this.checked.delete(msg.from);
  }
  finalize() {
    return { out: [], result: this.parties.map((p) => this.lists.get(p)!) };
  }
}

/**
 * The ACCEPT round of one batch: broadcast (proposal hash, this player's statuses); result: every
 * player's statuses, in `parties` order. A different proposal hash → CONTEXT_MISMATCH (sender).
 */
export function createAcceptSession(opts: {
  batchId: Uint8Array;
  self: number;
  parties: readonly number[];
  proposalHash: Uint8Array;
  statuses: readonly ItemStatus[];
}): Session<ItemStatus[][]> {
  return new Session<ItemStatus[][]>({
    sessionId: transcriptHash('opentsm/hm-sign-batch/v1/accept', opts.batchId),
    protocol: 'hm-sign-batch-accept/v1',
    self: opts.self,
    parties: opts.parties,
    start: () => ({
      out: [{ to: 'all', payload: encodeAccept(opts.proposalHash, opts.statuses) }],
      next: new AcceptRound(
        opts.parties.filter((p) => p !== opts.self),
        opts.parties,
        opts.self,
        opts.proposalHash,
        opts.statuses,
      ),
    }),
  });
}
