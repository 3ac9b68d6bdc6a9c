/**
 * The ban signal of DKLs23 (dkls23.md §C.6, issue 6): a failed OT-extension, RVOLE or Γ check —
 * or an unparsable signing message — means the named peer must not sign with this party again
 * under the current OT setup of the pair, until the setup is re-run
 * (createDklsOtRefreshSession). Never retry silently: a failed check may already have leaked a
 * bit of per-session (RVOLE, Γ) or, for the OT-extension check, long-term (Δ) secret state.
 *
 * Only the OT-extension check protects the long-term Δ; the RVOLE and Γ checks leak at most a bit
 * of the session's β. The conservative policy bans on all three anyway (as 0xCarbon's
 * implementation does) — do not relax it for the latter two without re-reading §B.4.
 */
import { ErrorCode, type PartyId, type ProtocolError } from '../../errors.js';

/** Codes of failures that ban the culprit (for the key, until the pair's OT setup is refreshed). */
export const DKLS_BAN_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED,
  ErrorCode.DKLS_VOLE_CHECK_FAILED,
  ErrorCode.DKLS_GAMMA_CHECK_FAILED,
  // A signing message of the peer that does not parse (dkls23.md §C.6, last bullet).
  ErrorCode.MALFORMED_MESSAGE,
  ErrorCode.INVALID_POINT,
  ErrorCode.INVALID_SCALAR,
  ErrorCode.ZERO_SCALAR,
]);

export interface DklsBanSignal {
  /** The peers to ban for this key until the pair's OT setup is refreshed. */
  readonly peers: readonly PartyId[];
  /** The failed check. */
  readonly code: ErrorCode;
  readonly reason: 'ot-extension-check' | 'vole-check' | 'gamma-check' | 'malformed-message';
}

/**
 * The ban signal carried by a DKLs23 signing session's error (`session.error`), or undefined
 * when the failure bans nobody (commitment mismatch, Σ pk_j ≠ PK, R = O, u = 0, failed final
 * verification, replayed OT session id, timeouts, aborts reported by another party, …).
 * Only the party that detected the failure gets a signal; the others see SESSION_ABORTED.
 */
export function dklsBanSignal(error: ProtocolError | undefined): DklsBanSignal | undefined {
  if (error === undefined || error.culprits.length === 0 || !DKLS_BAN_CODES.has(error.code)) return undefined;
  const reason =
    error.code === ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED
      ? 'ot-extension-check'
      : error.code === ErrorCode.DKLS_VOLE_CHECK_FAILED
        ? 'vole-check'
        : error.code === ErrorCode.DKLS_GAMMA_CHECK_FAILED
          ? 'gamma-check'
          : 'malformed-message';
  return { peers: [...error.culprits], code: error.code, reason };
}
