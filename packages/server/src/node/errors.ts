/** Client-facing API errors: a stable code, an HTTP status and one line of text (never secrets). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly culprits?: readonly number[],
  ) {
    super(message);
  }
  toBody(): { error: { code: string; message: string; culprits?: readonly number[] } } {
    return { error: { code: this.code, message: this.message, ...(this.culprits && this.culprits.length > 0 ? { culprits: this.culprits } : {}) } };
  }
}

export const badRequest = (code: string, message: string) => new ApiError(400, code, message);
export const notFound = (message = 'key not found') => new ApiError(404, 'KEY_NOT_FOUND', message);
