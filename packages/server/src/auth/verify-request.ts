/**
 * Verification of client-signed requests (docs/api.md, "Authentication"), framework-agnostic.
 *
 * Every node runs this on every authenticated request, including requests relayed by a primary:
 * relaying never adds authority (DESIGN.md §3). Order of checks:
 *   1. parse the four x-tsm-* headers (format only),
 *   2. look the application up (must exist and be enabled),
 *   3. verify the signature over the canonical request,
 *   4. check the timestamp window (±windowMs of this node's clock),
 *   5. consume the request id (single use per application) — only now, so that unauthenticated
 *      garbage can never burn a legitimate client's request id.
 */
import {
  AUTH_HEADERS,
  AuthInputError,
  canonicalRequest,
  isApplicationId,
  isApplicationKeyAlgorithm,
  isRequestId,
  verifyRequestSignature,
  type ApplicationKeyAlgorithm,
} from '@opentsm/client';

export type AuthErrorCode = 'UNAUTHENTICATED' | 'STALE_TIMESTAMP' | 'REPLAYED_REQUEST';

/** A refused request. `message` is one line and never contains secrets or attacker-chosen bytes. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly status = 401;
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ApplicationRecord {
  applicationId: string;
  algorithm: ApplicationKeyAlgorithm;
  /** Hex public key (Ed25519 32 bytes, P-256 33 bytes compressed). */
  publicKey: string;
  role: 'admin' | 'app';
  enabled: boolean;
}

export interface AuthenticatedApp {
  applicationId: string;
  algorithm: ApplicationKeyAlgorithm;
  role: 'admin' | 'app';
  /** The (now consumed) request id; e.g. the DKG session id is derived from it. */
  requestId: string;
  /** The client's timestamp (ms since the epoch). */
  timestamp: number;
}

export interface IncomingSignedRequest {
  method: string;
  /** Path with query string, as on the request line (Node: `req.url`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Uint8Array;
}

export interface VerifyRequestDeps {
  getApplication(id: string): Promise<ApplicationRecord | undefined>;
  /**
   * Atomically record `requestId` for `applicationId`; false if it was already recorded. The record
   * must be kept at least until `expiresAtMs` (after which the timestamp window refuses the request).
   */
  useRequestId(applicationId: string, requestId: string, expiresAtMs: number): Promise<boolean>;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** Accepted clock skew either way, ms (default 5 minutes). */
  windowMs?: number;
  /**
   * Signature check (default: `verifyRequestSignature` from @opentsm/client, pure noble). The node
   * passes `fastVerifyRequestSignature` (OpenSSL for Ed25519), which gives the same answers.
   */
  verifySignature?: typeof verifyRequestSignature;
}

export const DEFAULT_WINDOW_MS = 5 * 60 * 1000;

const TIMESTAMP_PATTERN = /^(?:0|[1-9][0-9]{0,15})$/;
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{128}$/;

function header(headers: IncomingSignedRequest['headers'], name: string): string {
  // Case-insensitive (Node lower-cases names; other frameworks may not). Two spellings of one
  // header, or a repeated header (array), are ambiguous and refused.
  let value: string | string[] | undefined;
  let seen = 0;
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && k.toLowerCase() === name) {
      value = v;
      seen++;
    }
  }
  if (seen > 1 || Array.isArray(value)) throw new AuthError('UNAUTHENTICATED', `duplicate ${name} header`);
  if (typeof value !== 'string' || value === '') throw new AuthError('UNAUTHENTICATED', `missing ${name} header`);
  return value;
}

/**
 * Authenticate one request. Resolves with the authenticated application, or rejects with
 * {@link AuthError} (status 401). Errors thrown by `deps` (e.g. a database failure) propagate
 * unchanged and must be reported as internal errors.
 */
export async function verifyRequest(req: IncomingSignedRequest, deps: VerifyRequestDeps): Promise<AuthenticatedApp> {
  const windowMs = deps.windowMs ?? DEFAULT_WINDOW_MS;
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) throw new TypeError('windowMs must be a positive integer');
  const now = deps.now ?? Date.now;

  // 1. Headers (format only; nothing is looked up or consumed yet).
  if (typeof req !== 'object' || req === null || typeof req.headers !== 'object' || req.headers === null)
    throw new AuthError('UNAUTHENTICATED', 'missing authentication headers');
  const applicationId = header(req.headers, AUTH_HEADERS.application);
  const timestampText = header(req.headers, AUTH_HEADERS.timestamp);
  const requestId = header(req.headers, AUTH_HEADERS.requestId);
  const signature = header(req.headers, AUTH_HEADERS.signature);
  if (!isApplicationId(applicationId)) throw new AuthError('UNAUTHENTICATED', `malformed ${AUTH_HEADERS.application} header`);
  if (!TIMESTAMP_PATTERN.test(timestampText) || !Number.isSafeInteger(Number(timestampText)))
    throw new AuthError('UNAUTHENTICATED', `malformed ${AUTH_HEADERS.timestamp} header`);
  const timestamp = Number(timestampText);
  if (!isRequestId(requestId)) throw new AuthError('UNAUTHENTICATED', `malformed ${AUTH_HEADERS.requestId} header`);
  if (!SIGNATURE_PATTERN.test(signature)) throw new AuthError('UNAUTHENTICATED', `malformed ${AUTH_HEADERS.signature} header`);

  let digest: Uint8Array;
  try {
    digest = canonicalRequest({ method: req.method, path: req.path, body: req.rawBody, timestamp, requestId, applicationId });
  } catch (e) {
    if (e instanceof AuthInputError) throw new AuthError('UNAUTHENTICATED', 'request cannot be authenticated (malformed method or path)');
    throw e;
  }

  // 2. Application. Unknown and disabled applications get the same answer (no enumeration).
  const app = await deps.getApplication(applicationId);
  if (app === undefined || app.enabled !== true || app.applicationId !== applicationId)
    throw new AuthError('UNAUTHENTICATED', 'unknown or disabled application');
  if (!isApplicationKeyAlgorithm(app.algorithm)) throw new AuthError('UNAUTHENTICATED', 'unknown or disabled application');

  // 3. Signature.
  let ok: boolean;
  try {
    ok = (deps.verifySignature ?? verifyRequestSignature)(app.algorithm, app.publicKey, digest, signature);
  } catch (e) {
    // A stored key that does not parse: refuse, without saying more to the caller.
    if (e instanceof AuthInputError) ok = false;
    else throw e;
  }
  if (!ok) throw new AuthError('UNAUTHENTICATED', 'invalid request signature');

  // 4. Timestamp window.
  const t = now();
  if (Math.abs(t - timestamp) > windowMs) throw new AuthError('STALE_TIMESTAMP', 'request timestamp outside the accepted window');

  // 5. Single-use request id (kept until the timestamp window refuses it anyway: ts + window ≤ now + 2·window).
  const fresh = await deps.useRequestId(applicationId, requestId, t + 2 * windowMs);
  if (!fresh) throw new AuthError('REPLAYED_REQUEST', 'request id already used');

  return { applicationId, algorithm: app.algorithm, role: app.role, requestId, timestamp };
}
