/** CLI output conventions: one clear line on stderr per error, `--json` errors as {"error":{code,message}}. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function errorCodeOf(e: unknown): { code: string; message: string } {
  if (e && typeof e === 'object' && 'code' in e && typeof (e).code === 'string' && e instanceof Error)
    return { code: (e as { code: string }).code, message: e.message };
  if (e instanceof Error) return { code: 'ERROR', message: e.message };
  return { code: 'ERROR', message: String(e) };
}

export function printError(e: unknown, json: boolean): void {
  const { code, message } = errorCodeOf(e);
  const oneLine = message.replace(/\s+/g, ' ').trim();
  if (json) process.stderr.write(JSON.stringify({ error: { code, message: oneLine } }) + '\n');
  else process.stderr.write(`tsm: error: ${oneLine} (${code})\n`);
}

export function printResult(value: unknown, json: boolean, human: () => string): void {
  process.stdout.write((json ? JSON.stringify(value) : human()) + '\n');
}
