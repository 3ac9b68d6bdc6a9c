/**
 * Wire payloads of the `frost-sign/v1` session (inside the engine envelope, engine/codec.ts).
 *
 * Round 1 broadcast (commitment), fixed length 2·Ne + 32:
 *   SerializeElement(D_i) (Ne) ‖ SerializeElement(E_i) (Ne) ‖ context hash (32)
 * Round 2 broadcast (signature share), fixed length Ns:
 *   SerializeScalar(z_i) (Ns)
 * Ne = 32 (Ed25519) or 33 (SEC1 compressed), Ns = 32. The sender's identifier is the envelope's
 * authenticated `from` (checklist A1), never a payload field.
 *
 * The context hash binds what every signer must agree on before releasing a share:
 *   SHA-256 over length-prefixed (tag "opentsm/frost-sign/v1/context", scheme,
 *   key-package digest, signer list (u32 each, ascending), message, session id)   (B1, A2)
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { Reader, Writer } from '../../engine/codec.js';
import { transcriptHash, u32be } from '../../math/transcript.js';
import { utf8ToBytes } from '../../math/bytes.js';
import type { Suite } from '../../suites/index.js';
import type { SigningCommitment } from './nonces.js';
import type { SigningKey } from './signing-key.js';

export const FROST_SIGN_PROTOCOL = 'frost-sign/v1';
export const CONTEXT_HASH_LENGTH = 32;

/** The context hash of round 1 (see the module comment). */
export function signingContextHash(key: SigningKey, signers: readonly PartyId[], message: Uint8Array, sessionId: Uint8Array): Uint8Array {
  const ids = new Uint8Array(4 * signers.length);
  signers.forEach((p, i) => ids.set(u32be(p), 4 * i));
  return transcriptHash(`opentsm/${FROST_SIGN_PROTOCOL}/context`, utf8ToBytes(key.scheme), key.packageDigest, ids, message, sessionId);
}

export interface CommitmentPayload {
  readonly hiding: Uint8Array;
  readonly binding: Uint8Array;
  readonly context: Uint8Array;
}

export function encodeCommitmentPayload(c: SigningCommitment, context: Uint8Array): Uint8Array {
  return new Writer().fixed(c.hiding).fixed(c.binding).fixed(context).finish();
}

export function decodeCommitmentPayload(suite: Suite, payload: Uint8Array): CommitmentPayload {
  const r = new Reader(payload);
  const hiding = r.fixed(suite.pointLength);
  const binding = r.fixed(suite.pointLength);
  const context = r.fixed(CONTEXT_HASH_LENGTH);
  r.end();
  return { hiding, binding, context };
}

export function encodeSharePayload(z: Uint8Array): Uint8Array {
  return new Writer().fixed(z).finish();
}

/** Reads z_j; rejects values ≥ q (INVALID_SCALAR, checklist B3) at the wire boundary. */
export function decodeSharePayload(suite: Suite, payload: Uint8Array): Uint8Array {
  const r = new Reader(payload);
  const z = r.fixed(suite.scalarLength);
  r.end();
  suite.decodeScalar(z);
  return z;
}

export function contextMismatch(): ProtocolError {
  return new ProtocolError(
    ErrorCode.INVALID_COMMITMENT_LIST,
    'commitment bound to a different signing context (message, signer set, key or session differ)',
  );
}
