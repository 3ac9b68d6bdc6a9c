/** State shared by the rounds of one DKLs23 signing run (one party). Everything here is SECRET unless noted. */
import type { PartyId } from '../../../errors.js';
import type { GroupPoint } from '../../../suites/index.js';
import type { SignContext } from './context.js';
import type { R2Broadcast, R2Direct } from './messages.js';

/** Our OT-extension receiver (Bob) side toward one peer. */
export interface BobSide {
  readonly beta: Uint8Array;
  readonly tCols: Uint8Array;
  /** χ_ij = Σ g_j β_j: our random RVOLE input for (peer → self). */
  readonly chi: bigint;
}

export interface SignState {
  readonly ctx: SignContext;
  /** r_i, φ_i. */
  r: bigint;
  phi: bigint;
  readonly R: GroupPoint;
  /** Public: R_i, salt_i (revealed in round 2). */
  readonly Rbytes: Uint8Array;
  readonly salt: Uint8Array;
  readonly bob: Map<PartyId, BobSide>;
  /** Public: the peers' round-1 commitments. */
  readonly peerCom: Map<PartyId, Uint8Array>;
  /** Checked Q columns per peer (we are Alice). */
  readonly qCols: Map<PartyId, Uint8Array>;
  /** sk_i = λ_i·(s_i + ε) + ζ_i. */
  sk: bigint;
  /** Public: pk_i = sk_i·G. */
  pk: GroupPoint | undefined;
  /** c^u_ij, c^v_ij (Alice outputs per peer). */
  readonly c: Map<PartyId, { readonly u: bigint; readonly v: bigint }>;
  /** Public: the peers' round-2 broadcasts. */
  readonly peerR2: Map<PartyId, R2Broadcast>;
  /** The peers' round-2 direct messages (Γ^u_ji, Γ^v_ji public; ψ_ji). */
  readonly peerDirect: Map<PartyId, R2Direct>;
  /** d^u_ij, d^v_ij (Bob outputs per peer). */
  readonly d: Map<PartyId, { readonly u: bigint; readonly v: bigint }>;
}

/** Best-effort erasure of the secret state (bigints are immutable: drop references). */
export function eraseSignState(s: SignState): void {
  s.r = 0n;
  s.phi = 0n;
  s.sk = 0n;
  for (const b of s.bob.values()) {
    b.beta.fill(0);
    b.tCols.fill(0);
  }
  s.bob.clear();
  for (const q of s.qCols.values()) q.fill(0);
  s.qCols.clear();
  s.c.clear();
  s.d.clear();
}
