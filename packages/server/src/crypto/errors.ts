/**
 * Errors of the at-rest encryption layer. Stable `code`s; messages never contain key material,
 * file contents or plaintext.
 */

export const AtRestErrorCode = {
  /** A sealed share could not be opened: wrong master key, wrong key id / player / version, tampered or truncated. */
  SHARE_DECRYPT_FAILED: 'SHARE_DECRYPT_FAILED',
  /** The master key file / variable is not 32 bytes raw, 64 hex characters or base64 of 32 bytes. */
  MASTER_KEY_INVALID: 'MASTER_KEY_INVALID',
  /** No master key was configured (no file, no TSM_MASTER_KEY). */
  MASTER_KEY_MISSING: 'MASTER_KEY_MISSING',
  /** The master key file could not be read or written. */
  MASTER_KEY_IO: 'MASTER_KEY_IO',
  /** A seal/open argument is malformed (empty key id, player out of range, ...). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
} as const;
export type AtRestErrorCode = (typeof AtRestErrorCode)[keyof typeof AtRestErrorCode];

/** An error raised by `crypto/`. */
export class AtRestError extends Error {
  override readonly name = 'AtRestError';
  constructor(
    readonly code: AtRestErrorCode,
    message: string,
  ) {
    super(message);
  }
}
