/**
 * Parameters of one `frost-sign/v1` run, validated once at start (checklist G2 on the signer set).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { KeyShare } from '../key-share.js';
import { signingContextHash } from './messages.js';
import { signingKey, type SigningKey } from './signing-key.js';

export interface FrostSignParams {
  /** Unique id of this signing run, agreed out of band (1..64 bytes, checklist A2). */
  readonly sessionId: Uint8Array;
  /** This player's key share. */
  readonly key: KeyShare;
  /** The signers of this run: ascending, distinct, ⊆ key.parties, contains key.self, ≥ threshold. */
  readonly signers: readonly PartyId[];
  /** The message to sign (signers must agree on it; it is bound into round one). */
  readonly message: Uint8Array;
}

export interface SignContext {
  readonly share: KeyShare;
  readonly key: SigningKey;
  readonly self: PartyId;
  readonly signers: readonly PartyId[];
  readonly peers: readonly PartyId[];
  readonly message: Uint8Array;
  readonly sessionId: Uint8Array;
  /** Hash every signer's round-one message must carry (messages.ts). */
  readonly contextHash: Uint8Array;
}

/** Validate the parameters (G2) and derive the run context. */
export function signContext(p: FrostSignParams): SignContext {
  const bad = (why: string): never => {
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid signing parameters: ${why}`);
  };
  if (!(p.message instanceof Uint8Array)) bad('message must be bytes');
  if (!(p.sessionId instanceof Uint8Array) || p.sessionId.length === 0 || p.sessionId.length > 64) bad('session id must be 1..64 bytes');
  const share = p.key;
  const key = signingKey(share);
  const signers = [...p.signers];
  for (let i = 0; i < signers.length; i++) {
    const id = signers[i]!;
    // Identifiers travel as u16 in the engine envelope.
    if (!Number.isSafeInteger(id) || id < 1 || id > 0xffff) bad('signer identifiers must be integers in 1..65535');
    if (i > 0 && id <= signers[i - 1]!) bad('signers must be sorted ascending without duplicates');
    if (!key.parties.includes(id)) bad(`party ${id} holds no share of this key`);
  }
  if (!signers.includes(share.self)) bad('this party is not one of the signers');
  if (signers.length < key.threshold) throw new ProtocolError(ErrorCode.NOT_ENOUGH_SIGNERS, `${signers.length} signers, the key needs ${key.threshold}`);
  if (signers.length < 2) bad('FROST signing needs at least two signers');
  return {
    share,
    key,
    self: share.self,
    signers,
    peers: signers.filter((id) => id !== share.self),
    message: p.message,
    sessionId: p.sessionId,
    contextHash: signingContextHash(key, signers, p.message, p.sessionId),
  };
}
