/**
 * Protocol sessions of export and import between the nodes (core engine: sender, session id,
 * round, duplicate and echo-broadcast checks — checklist A1–A5 — are the engine's).
 *
 * - `export/v1` (verifiable-backup.md §14, two rounds):
 *     round 1  every node j of the quorum S broadcasts ctx ‖ Z_{j,1..k−1} (its zero-sharing
 *              commitments; the constant term is implicitly the identity) and sends z_j(m) to
 *              each other m ∈ S (direct message on the TLS peer channel, A4);
 *     round 2  every node broadcasts the hash of all commitments it received. The engine's echo
 *              check (A3) makes every round-2 message carry the sender's view of every round-1
 *              broadcast, so a dealer that sent different commitments to different nodes aborts
 *              the run (ECHO_MISMATCH naming it).
 *   ctx binds the export id, key id, epoch, quorum, recipient key and the key package digest:
 *   nodes that disagree on any of them (e.g. one holds another share version) abort.
 * - `import-agree/v1` (§15 step 6, one round): every node broadcasts the digest of
 *   ("OpenTSM/import/v1/share-ok", importCtx); a node activates only when every node sent the
 *   same digest (the peer channel authenticates the sender, which makes it a signature here).
 *
 * A node that refuses (policy, or a share that fails its checks) runs the same session with a
 * start that fails: the engine then broadcasts an abort notice carrying the refusal code, so the
 * other nodes stop at once (no timeout) and can report who refused and why.
 */
import {
  ErrorCode,
  equalBytes,
  exportCommitmentsHash,
  getSuite,
  ProtocolError,
  Reader,
  Session,
  Writer,
  type InboundMessage,
  type KeyShare,
  type OutboundMessage,
  type Round,
} from '@opentsm/core';

export const EXPORT_PROTOCOL = 'export/v1';
export const IMPORT_AGREE_PROTOCOL = 'import-agree/v1';

/** The code of a refusal, carried by the engine's abort notice (printable, ≤ 64 bytes). */
function refusal(code: string, message: string): never {
  throw new ProtocolError(code as ErrorCode, message);
}

/** "party 3 aborted the session (EXPORT_FORBIDDEN)" → { player: 3, code: 'EXPORT_FORBIDDEN' }. */
export function parseAbortNotice(message: string): { player: number; code: string } | undefined {
  const m = /party (\d+) aborted the session \(([A-Z0-9_]{1,64})\)/.exec(message);
  return m ? { player: Number(m[1]), code: m[2]! } : undefined;
}

/** A session that only tells the other parties this node refuses (`code`), then stops. */
export function createRefusalSession(o: { sessionId: Uint8Array; protocol: string; self: number; parties: readonly number[]; code: string; message: string }): Session<never> {
  return new Session<never>({
    sessionId: o.sessionId,
    protocol: o.protocol,
    self: o.self,
    parties: o.parties,
    start: () => refusal(o.code, o.message),
  });
}

// ---------------------------------------------------------------------------------------------
// import-agree/v1

class AgreeRound implements Round<true> {
  readonly number = 1;
  readonly expectsDirectFrom: readonly number[] = [];
  constructor(
    readonly expectsBroadcastFrom: readonly number[],
    private readonly digest: Uint8Array,
  ) {}
  verify(msg: InboundMessage): void {
    const r = new Reader(msg.payload);
    const d = r.fixed(32);
    r.end();
    if (!equalBytes(d, this.digest)) throw new ProtocolError(ErrorCode.PUBLIC_OUTPUT_MISMATCH, `party ${msg.from} accepted a different import (importCtx differs)`, [msg.from]);
  }
  store(): void {}
  finalize() {
    return { out: [], result: true as const };
  }
}

export function createAgreementSession(o: { sessionId: Uint8Array; self: number; parties: readonly number[]; digest: Uint8Array }): Session<true> {
  const peers = o.parties.filter((p) => p !== o.self);
  return new Session<true>({
    sessionId: o.sessionId,
    protocol: IMPORT_AGREE_PROTOCOL,
    self: o.self,
    parties: o.parties,
    start: () => ({ out: [{ to: 'all', payload: new Writer().fixed(o.digest).finish() }], next: new AgreeRound(peers, o.digest) }),
  });
}

// ---------------------------------------------------------------------------------------------
// export/v1

/** What round 1 of every dealer j ∈ S delivered to this node. */
export interface ExportRoundsResult {
  /** Z_{j,1..k−1} of every j ∈ S (own included). */
  readonly commitments: Record<number, Uint8Array[]>;
  /** z_j(self) from every j ∈ S (own included). SECRET. */
  readonly shares: Record<number, Uint8Array>;
}

export interface ExportSessionParams {
  readonly sessionId: Uint8Array;
  readonly key: KeyShare;
  /** S, ascending (every player of the key). */
  readonly quorum: readonly number[];
  /** 32-byte context every node must agree on (export id, key, epoch, recipient, key package). */
  readonly context: Uint8Array;
  /** Round-1 output of this node: `createExportZeroSharing`. */
  readonly zero: { readonly commitments: readonly Uint8Array[]; readonly shares: Readonly<Record<number, Uint8Array>> };
}

class ExportRound1 implements Round<ExportRoundsResult> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly number[];
  readonly expectsDirectFrom: readonly number[];
  private readonly commitments: Record<number, Uint8Array[]> = {};
  private readonly shares: Record<number, Uint8Array> = {};
  constructor(private readonly p: ExportSessionParams) {
    const peers = p.quorum.filter((q) => q !== p.key.self);
    this.expectsBroadcastFrom = peers;
    this.expectsDirectFrom = peers;
    this.commitments[p.key.self] = [...p.zero.commitments];
    this.shares[p.key.self] = p.zero.shares[p.key.self]!;
  }
  verify(msg: InboundMessage): void {
    const suite = getSuite(this.p.key.scheme);
    const r = new Reader(msg.payload);
    if (msg.kind === 'broadcast') {
      const ctx = r.fixed(32);
      const k1 = this.p.key.threshold - 1;
      r.list(suite.pointLength, k1, k1);
      r.end();
      if (!equalBytes(ctx, this.p.context))
        throw new ProtocolError(ErrorCode.PARAMETER_MISMATCH, `party ${msg.from} runs another export (request, recipient or key version differ)`, [msg.from]);
    } else {
      r.fixed(suite.scalarLength);
      r.end();
    }
  }
  store(msg: InboundMessage): void {
    const suite = getSuite(this.p.key.scheme);
    const r = new Reader(msg.payload);
    if (msg.kind === 'broadcast') {
      r.fixed(32);
      this.commitments[msg.from] = r.list(suite.pointLength, 0, 0xffff).map((c) => c.slice());
    } else this.shares[msg.from] = r.fixed(suite.scalarLength).slice();
  }
  finalize() {
    const hash = exportCommitmentsHash(this.p.quorum, this.commitments);
    return { out: [{ to: 'all' as const, payload: new Writer().fixed(hash).finish() }], next: new ExportRound2(this.p, hash, { commitments: this.commitments, shares: this.shares }) };
  }
}

class ExportRound2 implements Round<ExportRoundsResult> {
  readonly number = 2;
  readonly expectsBroadcastFrom: readonly number[];
  readonly expectsDirectFrom: readonly number[] = [];
  constructor(
    p: ExportSessionParams,
    private readonly hash: Uint8Array,
    private readonly result: ExportRoundsResult,
  ) {
    this.expectsBroadcastFrom = p.quorum.filter((q) => q !== p.key.self);
  }
  verify(msg: InboundMessage): void {
    const r = new Reader(msg.payload);
    const h = r.fixed(32);
    r.end();
    if (!equalBytes(h, this.hash)) throw new ProtocolError(ErrorCode.ECHO_MISMATCH, `party ${msg.from} received other zero-sharing commitments`, [msg.from]);
  }
  store(): void {}
  finalize() {
    return { out: [], result: this.result };
  }
}

export function createExportSession(p: ExportSessionParams): Session<ExportRoundsResult> {
  const self = p.key.self;
  return new Session<ExportRoundsResult>({
    sessionId: p.sessionId,
    protocol: EXPORT_PROTOCOL,
    self,
    parties: p.quorum,
    start: () => {
      const out: OutboundMessage[] = [{ to: 'all', payload: new Writer().fixed(p.context).list(p.zero.commitments).finish() }];
      for (const m of p.quorum) if (m !== self) out.push({ to: m, payload: p.zero.shares[m]! });
      return { out, next: new ExportRound1(p) };
    },
  });
}
