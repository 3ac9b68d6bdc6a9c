/**
 * Round one of FROST (RFC 9591 §5.1 commit) and single-use signing nonces (checklist G1).
 *
 * SECURITY: a nonce pair (d, e) MUST be used for exactly one signature share. Reusing it for two
 * different signing packages reveals the secret share (RFC 9591 §7.3, protocols.md §1.11). The
 * API enforces this: the secret nonces live in a private field of {@link SigningNonces} and the
 * one call that consumes them (`signShare`) erases them first; any later use throws
 * `ProtocolError(NONCE_ALREADY_USED)`. Nonces are never serialized; a process restart loses
 * them, which is the safe outcome (a new round one is run).
 *
 * JavaScript bigints are immutable, so "erasing" drops the only reference we hold; the engine may
 * keep copies until garbage collection (the same limitation as noble's own nonce handling).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { concatBytes, equalBytes, randomBytes } from '../../math/bytes.js';
import type { GroupPoint } from '../../suites/index.js';
import type { FrostCiphersuite } from './ciphersuite.js';
import type { KeyShare } from '../key-share.js';
import { signingKey } from './signing-key.js';

/** Source of the 32 random bytes of nonce_generate. Defaults to crypto.getRandomValues. */
export type RandomSource = (length: number) => Uint8Array;

/** A participant's round-one commitment (RFC 9591 §5.1): (i, D_i, E_i), serialized. */
export interface SigningCommitment {
  readonly id: PartyId;
  /** SerializeElement(D_i), hiding nonce commitment. */
  readonly hiding: Uint8Array;
  /** SerializeElement(E_i), binding nonce commitment. */
  readonly binding: Uint8Array;
}

/** A commitment whose elements were deserialized and validated once (checklist C1). */
export interface DecodedCommitment extends SigningCommitment {
  readonly D: GroupPoint;
  readonly E: GroupPoint;
}

/**
 * Deserialize a received commitment: both elements must decode (canonical, on the curve, in the
 * prime-order subgroup, not the identity; RFC 9591 §3.1 DeserializeElement). Throws INVALID_POINT.
 */
export function decodeCommitment(cs: FrostCiphersuite, c: SigningCommitment): DecodedCommitment {
  return { id: c.id, hiding: c.hiding, binding: c.binding, D: cs.suite.decodePoint(c.hiding), E: cs.suite.decodePoint(c.binding) };
}

/**
 * RFC 9591 §4.1 nonce_generate: H3(random_bytes(32) ‖ SerializeScalar(secret)).
 * `secretBytes` is SerializeScalar(secret); `random` must be 32 fresh random bytes.
 */
export function nonceGenerate(cs: FrostCiphersuite, secretBytes: Uint8Array, random: Uint8Array): bigint {
  if (random.length !== 32) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'nonce_generate needs 32 random bytes');
  return cs.H3(concatBytes(random, secretBytes));
}

interface Secrets {
  readonly d: bigint;
  readonly e: bigint;
}

/** Module-private construction token: nonces only come from {@link commit} (never from chosen scalars). */
const CREATE: unique symbol = Symbol('SigningNonces.create');

let takeSecrets: (n: SigningNonces) => Secrets;
let peekSecrets: (n: SigningNonces) => Secrets;

/**
 * The one-time secret nonces (d_i, e_i) of one signer and their public commitment. Create with
 * {@link commit}; consumed by `signShare`. The secrets sit in a private field that only this
 * module can read; there is no accessor. SECRET: never log or serialize.
 */
export class SigningNonces {
  /** The public commitment (i, D_i, E_i) to send in round one. */
  readonly commitment: DecodedCommitment;
  /** Scheme the nonces were made for. */
  readonly scheme: string;
  #secrets: Secrets | undefined;

  static {
    takeSecrets = (n) => {
      const s = n.#secrets;
      if (s === undefined) throw new ProtocolError(ErrorCode.NONCE_ALREADY_USED, 'signing nonces were already used');
      n.#secrets = undefined;
      return s;
    };
    peekSecrets = (n) => {
      const s = n.#secrets;
      if (s === undefined) throw new ProtocolError(ErrorCode.NONCE_ALREADY_USED, 'signing nonces were already used');
      return s;
    };
  }

  /** @internal Use {@link commit}. */
  constructor(token: typeof CREATE, cs: FrostCiphersuite, id: PartyId, d: bigint, e: bigint) {
    if (token !== CREATE) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'signing nonces are created by commit()');
    const G = cs.suite.G;
    const D = G.multiply(d); // constant-time: d is secret
    const E = G.multiply(e);
    this.commitment = { id, hiding: cs.suite.encodePoint(D), binding: cs.suite.encodePoint(E), D, E };
    this.scheme = cs.suite.name;
    this.#secrets = { d, e };
  }

  /** True once the nonces were consumed (or erased). */
  get used(): boolean {
    return this.#secrets === undefined;
  }

  /** Drop the secret nonces without signing (e.g. the session aborted). */
  erase(): void {
    this.#secrets = undefined;
  }

  /** Whether `c` is exactly this signer's commitment (RFC 9591 §5.2 own-commitment check, G2). */
  matches(c: SigningCommitment): boolean {
    return c.id === this.commitment.id && equalBytes(c.hiding, this.commitment.hiding) && equalBytes(c.binding, this.commitment.binding);
  }

  /** Printing never shows the secrets. */
  toJSON(): { id: PartyId; used: boolean } {
    return { id: this.commitment.id, used: this.used };
  }
}

/** @internal Take the nonces: erases them first, so this succeeds at most once per object. */
export function consumeNonces(n: SigningNonces): Secrets {
  return takeSecrets(n);
}

/** @internal Read the nonces without consuming them (own commitment share). Throws once used. */
export function peekNonces(n: SigningNonces): Secrets {
  return peekSecrets(n);
}

const defaultRandom: RandomSource = (n) => randomBytes(n);

/**
 * RFC 9591 §5.1 commit(sk_i): d_i = nonce_generate(sk_i), e_i = nonce_generate(sk_i) (two
 * independent draws, hiding first), D_i = d_i·G, E_i = e_i·G.
 *
 * `secretShareBytes` is SerializeScalar(sk_i) as stored in the KeyShare (for Taproot: before the
 * sign-time even-y normalisation, like noble's `schnorr_FROST.commit`). `random` is only for
 * test vectors; production code uses the default (crypto.getRandomValues).
 */
export function commitWithShare(cs: FrostCiphersuite, id: PartyId, secretShareBytes: Uint8Array, random: RandomSource = defaultRandom): SigningNonces {
  for (;;) {
    const d = nonceGenerate(cs, secretShareBytes, random(32));
    const e = nonceGenerate(cs, secretShareBytes, random(32));
    // A zero nonce has probability ~2^-252 and would give the identity as commitment: redraw.
    if (d !== 0n && e !== 0n) return new SigningNonces(CREATE, cs, id, d, e);
  }
}

/**
 * RFC 9591 §5.1 commit for the holder of `share`: fresh nonces and their commitment. The nonces
 * must be passed to exactly one `signShare` call (or erased).
 */
export function commit(share: KeyShare, random?: RandomSource): SigningNonces {
  const key = signingKey(share);
  const cs = key.cs;
  cs.suite.decodeNonZeroScalar(share.secretShare);
  if (!key.parties.includes(share.self)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'the key share is not held by one of its parties');
  return commitWithShare(cs, share.self, share.secretShare, random);
}
