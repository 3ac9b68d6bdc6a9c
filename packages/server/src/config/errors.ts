/** Error raised for an invalid configuration or cluster file: one clear line, a stable code. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
