/**
 * The public per-signature values every signer and the aggregator derive from the commitment
 * list and the message (RFC 9591 §4.2–§4.6), computed once and shared by signing (§5.2), share
 * verification (§5.4) and aggregation (§5.3).
 *
 * Fast path: elements are deserialized once (`DecodedCommitment`), the received encodings are
 * reused for hashing (never re-encoded), and each commitment share R_j = D_j + ρ_j·E_j is
 * computed once: their sum is the group commitment R (§4.5) and each R_j is reused by the share
 * check z_j·G = R_j + c·λ_j·Y_j (§5.4), which then costs one base-point multiplication and one
 * (precomputed) multiplication by Y_j. The signer's own R_i is computed as (d_i + ρ_i·e_i)·G
 * with its secret nonces (constant time, using noble's precomputed base table).
 *
 * Taproot (noble `schnorr_FROST`, protocols.md §1.10): PK is the even-y group key; if R has odd
 * y, every signer negates its nonces and the share check negates R_j (`negateNonces`).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { concatBytes } from '../../math/bytes.js';
import type { GroupPoint } from '../../suites/index.js';
import { hasEvenY, type FrostCiphersuite } from './ciphersuite.js';
import { peekNonces, type DecodedCommitment, type SigningCommitment, type SigningNonces } from './nonces.js';
import type { SigningKey } from './signing-key.js';

export class SigningPackage {
  readonly key: SigningKey;
  readonly message: Uint8Array;
  /** The commitment list, sorted by identifier (RFC 9591 §4.3). */
  readonly commitments: readonly DecodedCommitment[];
  /** Signer identifiers in list order. */
  readonly signers: readonly PartyId[];
  /** ρ_j per signer (RFC 9591 §4.4). */
  readonly bindingFactors: ReadonlyMap<PartyId, bigint>;
  /** R_j = D_j + ρ_j·E_j per signer (RFC 9591 §4.5 terms). */
  readonly commitmentShares: ReadonlyMap<PartyId, GroupPoint>;
  /** R = Σ R_j (RFC 9591 §4.5). */
  readonly groupCommitment: GroupPoint;
  /** SerializeElement(R). */
  readonly groupCommitmentBytes: Uint8Array;
  /** c (RFC 9591 §4.6; BIP340 challenge for Taproot). */
  readonly challenge: bigint;
  /** Taproot: R has odd y, so nonces and commitment shares are negated. */
  readonly negateNonces: boolean;
  private readonly lambdas = new Map<PartyId, bigint>();

  private constructor(key: SigningKey, message: Uint8Array, commitments: readonly DecodedCommitment[], own: SigningNonces | undefined) {
    this.key = key;
    this.message = message;
    this.commitments = commitments;
    this.signers = commitments.map((c) => c.id);
    const cs = key.cs;
    const suite = cs.suite;
    const Fn = suite.Fn;

    // RFC 9591 §4.4 compute_binding_factors.
    const prefix = bindingFactorPrefix(cs, key.groupKeyBytes, commitments, message);
    const rhoInput = new Uint8Array(prefix.length + suite.scalarLength);
    rhoInput.set(prefix, 0);
    const rho = new Map<PartyId, bigint>();
    for (const c of commitments) {
      rhoInput.set(cs.serializeIdentifier(c.id), prefix.length);
      rho.set(c.id, cs.H1(rhoInput));
    }
    this.bindingFactors = rho;

    // RFC 9591 §4.5 compute_group_commitment, one share at a time.
    const shares = new Map<PartyId, GroupPoint>();
    let R = suite.ZERO;
    for (const c of commitments) {
      const r = rho.get(c.id)!;
      let Rj: GroupPoint;
      if (own !== undefined && c.id === own.commitment.id) {
        const { d, e } = peekNonces(own);
        const k = Fn.add(d, Fn.mul(r, e));
        Rj = k === 0n ? suite.ZERO : suite.G.multiply(k); // secret scalar: constant time
      } else {
        Rj = c.D.add(c.E.multiplyUnsafe(r)); // public values: variable time
      }
      shares.set(c.id, Rj);
      R = R.add(Rj);
    }
    this.commitmentShares = shares;
    // SerializeElement fails on the identity (RFC 9591 §4.5): R = O aborts the signing.
    if (R.is0()) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LIST, 'group commitment is the identity');
    this.groupCommitment = R;
    this.groupCommitmentBytes = suite.encodePoint(R);
    this.negateNonces = cs.taproot && !hasEvenY(this.groupCommitmentBytes);
    // RFC 9591 §4.6 compute_challenge.
    this.challenge = cs.challenge(this.groupCommitmentBytes, key.groupKeyBytes, message);
  }

  /**
   * Build the signing package. `commitments` must be sorted by identifier with no duplicates,
   * every signer must hold a share of the key and there must be at least `threshold` of them
   * (RFC 9591 §5.2 / §5.3 input validation, checklist G2). When `own` is given, its commitment
   * must appear in the list exactly as it was sent (G2) and it is used for the own R_i.
   */
  static create(key: SigningKey, message: Uint8Array, commitments: readonly DecodedCommitment[], own?: SigningNonces): SigningPackage {
    checkCommitmentList(key, commitments);
    if (own !== undefined) {
      if (own.scheme !== key.scheme) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'nonces belong to another scheme');
      const mine = commitments.find((c) => c.id === own.commitment.id);
      if (mine === undefined) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LIST, 'the commitment list does not contain our commitment');
      if (!own.matches(mine)) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LIST, 'the commitment list alters our commitment');
    }
    return new SigningPackage(key, message, commitments, own);
  }

  /** λ_j for the signer set of this package (RFC 9591 §4.2 derive_interpolating_value). */
  lambda(id: PartyId): bigint {
    let l = this.lambdas.get(id);
    if (l === undefined) {
      const Fn = this.key.cs.suite.Fn;
      const xi = BigInt(id);
      let num = Fn.ONE;
      let den = Fn.ONE;
      for (const j of this.signers) {
        if (j === id) continue;
        const xj = BigInt(j);
        num = Fn.mul(num, xj);
        den = Fn.mul(den, Fn.sub(xj, xi));
      }
      l = Fn.div(num, den);
      this.lambdas.set(id, l);
    }
    return l;
  }
}

/** RFC 9591 §4.3 encode_group_commitment_list: SerializeScalar(i) ‖ D_i ‖ E_i for each entry, in list order. */
export function encodeGroupCommitmentList(cs: FrostCiphersuite, commitments: readonly SigningCommitment[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const c of commitments) parts.push(cs.serializeIdentifier(c.id), c.hiding, c.binding);
  return concatBytes(...parts);
}

/**
 * RFC 9591 §4.4: the common prefix of every binding-factor input,
 * SerializeElement(PK) ‖ H4(msg) ‖ H5(encode_group_commitment_list(list)); the input for signer i
 * is prefix ‖ SerializeScalar(i) and ρ_i = H1(input).
 */
export function bindingFactorPrefix(cs: FrostCiphersuite, groupKeyBytes: Uint8Array, commitments: readonly SigningCommitment[], message: Uint8Array): Uint8Array {
  return concatBytes(groupKeyBytes, cs.H4(message), cs.H5(encodeGroupCommitmentList(cs, commitments)));
}

/** Checklist G2 on a commitment list (RFC 9591 §5.2 / §5.3 inputs). */
function checkCommitmentList(key: SigningKey, commitments: readonly DecodedCommitment[]): void {
  if (commitments.length < key.threshold)
    throw new ProtocolError(ErrorCode.NOT_ENOUGH_SIGNERS, `${commitments.length} signers, the key needs ${key.threshold}`);
  let prev = 0;
  for (const c of commitments) {
    if (!Number.isSafeInteger(c.id) || c.id <= prev)
      throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LIST, 'commitment list is not sorted by identifier or has duplicates');
    if (!key.parties.includes(c.id)) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LIST, `party ${c.id} holds no share of this key`);
    prev = c.id;
  }
}
