/**
 * BIP32 derivation paths, restricted to what a threshold key supports: non-hardened indices only
 * (protocols.md §5.1; checklist H3). Spec: docs/protocols/derivation.md.
 */
import { ErrorCode, ProtocolError } from '../../errors.js';

/** First hardened index (2^31). Indices at or above it are refused. */
export const HARDENED_OFFSET = 0x80000000;
/** BIP32 encodes the depth in one byte. */
export const MAX_DERIVATION_DEPTH = 255;

function badPath(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_DERIVATION_PATH, `invalid derivation path: ${why}`);
}

/**
 * Parse `m`, `m/0`, `m/0/5`, … into indices. Each index is a decimal integer in [0, 2^31 − 1]
 * without sign, whitespace or leading zeros. Hardened steps (`'`, `h` or `H` suffix, or a value
 * ≥ 2^31) are refused: the hardened HMAC input contains the private key, which no player has
 * (it would need a generic MPC evaluation of HMAC-SHA512). Throws INVALID_DERIVATION_PATH.
 */
export function parseDerivationPath(path: string): number[] {
  if (typeof path !== 'string') badPath('expected a string such as "m/0/5"');
  const parts = path.split('/');
  if (parts[0] !== 'm') badPath('must start with "m"');
  const out: number[] = [];
  for (const part of parts.slice(1)) {
    if (/^[0-9]+['hH]$/.test(part))
      badPath(`hardened step "${part}": threshold keys support only non-hardened derivation (protocols.md §5.1); derive hardened levels before the key is shared`);
    if (!/^(0|[1-9][0-9]*)$/.test(part)) badPath(`"${part}" is not a decimal index`);
    if (part.length > 10 || Number(part) >= HARDENED_OFFSET)
      badPath(`index ${part} is ≥ 2^31 (hardened): threshold keys support only non-hardened derivation (protocols.md §5.1)`);
    out.push(Number(part));
  }
  if (out.length > MAX_DERIVATION_DEPTH) badPath(`deeper than ${MAX_DERIVATION_DEPTH} levels`);
  return out;
}

/** The canonical string of a list of indices: "m/i_1/…/i_d". */
export function formatDerivationPath(indices: readonly number[]): string {
  return ['m', ...indices.map(String)].join('/');
}
