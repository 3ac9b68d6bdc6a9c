/**
 * Errors raised by @opentsm/core.
 *
 * Every error carries a stable machine-readable `code` (never reworded once released), the
 * players blamed for it (`culprits`, empty when nobody can be blamed) and, for protocol runs,
 * the round in which it happened. Messages never contain secret material.
 */

/** Stable error codes. Add new codes at the end; never rename one. */
export const ErrorCode = {
  // Envelope / session (checklist A1–A5)
  MALFORMED_MESSAGE: 'MALFORMED_MESSAGE',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  WRONG_SESSION: 'WRONG_SESSION',
  WRONG_PROTOCOL: 'WRONG_PROTOCOL',
  SENDER_MISMATCH: 'SENDER_MISMATCH',
  UNEXPECTED_SENDER: 'UNEXPECTED_SENDER',
  UNEXPECTED_ROUND: 'UNEXPECTED_ROUND',
  UNEXPECTED_MESSAGE_KIND: 'UNEXPECTED_MESSAGE_KIND',
  WRONG_RECIPIENT: 'WRONG_RECIPIENT',
  DUPLICATE_MESSAGE: 'DUPLICATE_MESSAGE',
  ECHO_MISMATCH: 'ECHO_MISMATCH',
  SESSION_ABORTED: 'SESSION_ABORTED',
  SESSION_FINISHED: 'SESSION_FINISHED',
  // Encoding (B3, C1, C2)
  INVALID_POINT: 'INVALID_POINT',
  INVALID_SCALAR: 'INVALID_SCALAR',
  ZERO_SCALAR: 'ZERO_SCALAR',
  // Parameters (D1)
  INVALID_PARAMETERS: 'INVALID_PARAMETERS',
  INVALID_IDENTIFIER: 'INVALID_IDENTIFIER',
  // DKG (D2–D5)
  INVALID_COMMITMENT_LENGTH: 'INVALID_COMMITMENT_LENGTH',
  INVALID_PROOF_OF_KNOWLEDGE: 'INVALID_PROOF_OF_KNOWLEDGE',
  INVALID_SHARE: 'INVALID_SHARE',
  INVALID_CHAIN_CODE_REVEAL: 'INVALID_CHAIN_CODE_REVEAL',
  PUBLIC_OUTPUT_MISMATCH: 'PUBLIC_OUTPUT_MISMATCH',
  INVALID_GROUP_KEY: 'INVALID_GROUP_KEY',
  // FROST (G1–G3)
  NONCE_ALREADY_USED: 'NONCE_ALREADY_USED',
  INVALID_COMMITMENT_LIST: 'INVALID_COMMITMENT_LIST',
  INVALID_SIGNATURE_SHARE: 'INVALID_SIGNATURE_SHARE',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  NOT_ENOUGH_SIGNERS: 'NOT_ENOUGH_SIGNERS',
  // Key lifecycle: refresh / reshare (D6, protocols.md §4.3–4.4), BIP32 derivation (H3, §5)
  EPOCH_MISMATCH: 'EPOCH_MISMATCH',
  PARAMETER_MISMATCH: 'PARAMETER_MISMATCH',
  INVALID_RESHARE_COMMITMENT: 'INVALID_RESHARE_COMMITMENT',
  INVALID_DERIVATION_PATH: 'INVALID_DERIVATION_PATH',
  INVALID_DERIVED_KEY: 'INVALID_DERIVED_KEY',
  // Backup, export and import (verifiable-backup.md; checklist H1, H2)
  INVALID_BACKUP: 'INVALID_BACKUP',
  BACKUP_UNRECOVERABLE: 'BACKUP_UNRECOVERABLE',
  RECOVERED_KEY_MISMATCH: 'RECOVERED_KEY_MISMATCH',
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  INVALID_RECIPIENT_KEY: 'INVALID_RECIPIENT_KEY',
  INVALID_EXPORT: 'INVALID_EXPORT',
  INVALID_IMPORT: 'INVALID_IMPORT',
  // DKLs23 threshold ECDSA (dkls23.md; docs/protocols/dkls23.md). The three *_CHECK_FAILED codes
  // mean "ban this peer for this key until the OT setup is refreshed" (see dklsBanSignal).
  DKLS_OT_EXTENSION_CHECK_FAILED: 'DKLS_OT_EXTENSION_CHECK_FAILED',
  DKLS_VOLE_CHECK_FAILED: 'DKLS_VOLE_CHECK_FAILED',
  DKLS_GAMMA_CHECK_FAILED: 'DKLS_GAMMA_CHECK_FAILED',
  DKLS_OT_SESSION_REUSED: 'DKLS_OT_SESSION_REUSED',
  DKLS_CONTEXT_MISMATCH: 'DKLS_CONTEXT_MISMATCH',
  DKLS_COMMITMENT_MISMATCH: 'DKLS_COMMITMENT_MISMATCH',
  DKLS_PUBLIC_KEY_MISMATCH: 'DKLS_PUBLIC_KEY_MISMATCH',
  DKLS_BASE_OT_FAILED: 'DKLS_BASE_OT_FAILED',
  // Honest-majority ECDSA (protocols.md §2; docs/protocols/ecdsa-honest-majority.md)
  INCONSISTENT_SHARES: 'INCONSISTENT_SHARES',
  CONTEXT_MISMATCH: 'CONTEXT_MISMATCH',
  PRESIGNATURE_USED: 'PRESIGNATURE_USED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A player index: 1..n (identifier x-coordinate of its Shamir share). */
export type PartyId = number;

/** Raised when a protocol run must stop. `culprits` names who misbehaved, when known. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly culprits: readonly PartyId[] = [],
    readonly round?: number,
  ) {
    super(message);
  }

  /** The same error, attributed to a round (kept if already set). */
  inRound(round: number): ProtocolError {
    if (this.round !== undefined) return this;
    return new ProtocolError(this.code, this.message, this.culprits, round);
  }

  /** The same error, blaming `culprit` when no culprit is named yet. */
  blame(culprit: PartyId): ProtocolError {
    if (this.culprits.length > 0) return this;
    return new ProtocolError(this.code, this.message, [culprit], this.round);
  }

  toJSON(): { code: ErrorCode; message: string; culprits: readonly PartyId[]; round?: number } {
    return { code: this.code, message: this.message, culprits: this.culprits, ...(this.round !== undefined ? { round: this.round } : {}) };
  }
}

/** Convenience: throw a ProtocolError. */
export function fail(code: ErrorCode, message: string, culprits: readonly PartyId[] = []): never {
  throw new ProtocolError(code, message, culprits);
}
