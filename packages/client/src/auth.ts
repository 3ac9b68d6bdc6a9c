/**
 * Request authentication for the OpenTSM node API (docs/api.md, "Authentication").
 *
 * Every `/v1` request (except health and the OpenAPI document) is signed by the application's key
 * and every node verifies it on its own (DESIGN.md §3, "the one rule"). This module is the single
 * definition of the canonical request, shared by the SDK (signing) and the node (verification).
 *
 * Pure and browser-safe: no `node:*` imports, crypto from @noble/*, randomness only from
 * `crypto.getRandomValues`. Errors never contain key material.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { clientPlatform } from './platform.js';

/** Signature algorithms an application key may use. */
export const APPLICATION_KEY_ALGORITHMS = ['ed25519', 'p256'] as const;
export type ApplicationKeyAlgorithm = (typeof APPLICATION_KEY_ALGORITHMS)[number];

/** Domain-separation tag, the first field of every canonical request. */
export const CANONICAL_REQUEST_VERSION = 'OPENTSM-REQUEST-V1';

/** Header names (lower case, as Node reports them). */
export const AUTH_HEADERS = {
  application: 'x-tsm-app',
  timestamp: 'x-tsm-timestamp',
  requestId: 'x-tsm-request-id',
  signature: 'x-tsm-signature',
} as const;

/** The header that asks a node to relay a request to its peers (primary mode). Not signed: it adds no authority. */
export const MODE_HEADER = 'x-tsm-mode';

export const APPLICATION_ID_PATTERN = /^app_[0-9a-f]{24}$/;
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const METHOD_PATTERN = /^[A-Z]{1,16}$/;
/**
 * Paths are restricted to characters that the WHATWG URL parser (fetch) and HTTP servers leave
 * untouched (RFC 3986 unreserved + reserved + '%', minus `'`, `#` and `\`), so the path a client
 * signs is byte-for-byte the path a node sees.
 */
const PATH_PATTERN = /^\/[A-Za-z0-9\-._~:/?[\]@!$&()*+,;=%]*$/;
const MAX_PATH_LENGTH = 4096;

/** Lengths (bytes) of keys and signatures per algorithm. */
export const APPLICATION_KEY_LENGTHS: Record<ApplicationKeyAlgorithm, { privateKey: number; publicKey: number; signature: number }> = {
  ed25519: { privateKey: 32, publicKey: 32, signature: 64 },
  p256: { privateKey: 32, publicKey: 33, signature: 64 },
};

export type AuthInputErrorCode =
  | 'INVALID_ALGORITHM'
  | 'INVALID_APPLICATION_ID'
  | 'INVALID_REQUEST_ID'
  | 'INVALID_TIMESTAMP'
  | 'INVALID_METHOD'
  | 'INVALID_PATH'
  | 'INVALID_BODY'
  | 'INVALID_DIGEST'
  | 'INVALID_PRIVATE_KEY'
  | 'INVALID_PUBLIC_KEY';

/** A malformed input to the request-signing functions (never carries the offending secret). */
export class AuthInputError extends TypeError {
  override readonly name = 'AuthInputError';
  constructor(
    readonly code: AuthInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CanonicalRequestInput {
  method: string;
  /** Path with query string, exactly as sent on the request line (e.g. `/v1/keys?limit=10`). */
  path: string;
  body: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  requestId: string;
  applicationId: string;
}

export interface ApplicationKeyPair {
  algorithm: ApplicationKeyAlgorithm;
  /** Lower-case hex: 32-byte Ed25519 seed or 32-byte P-256 scalar. Keep it secret. */
  privateKey: string;
  /** Lower-case hex: 32-byte Ed25519 key or 33-byte SEC1-compressed P-256 point. */
  publicKey: string;
}

export interface ApplicationCredentials {
  applicationId: string;
  algorithm: ApplicationKeyAlgorithm;
  /** Lower-case hex private key (see {@link ApplicationKeyPair}). */
  privateKey: string;
}

export interface RequestToSign {
  method: string;
  path: string;
  /** A string is encoded as UTF-8; absent means an empty body. */
  body?: string | Uint8Array;
  /** Milliseconds since the Unix epoch; default `Date.now()`. */
  timestamp?: number;
  /** Default: 24 random bytes, base64url (32 chars). */
  requestId?: string;
}

export interface SignedRequest {
  /** The four `x-tsm-*` authentication headers. */
  headers: Record<string, string>;
  /** The exact body bytes that were signed: send these, unchanged, to every node. */
  body: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

export function isApplicationKeyAlgorithm(v: unknown): v is ApplicationKeyAlgorithm {
  return typeof v === 'string' && (APPLICATION_KEY_ALGORITHMS as readonly string[]).includes(v);
}

export function isApplicationId(v: unknown): v is string {
  return typeof v === 'string' && APPLICATION_ID_PATTERN.test(v);
}

export function isRequestId(v: unknown): v is string {
  return typeof v === 'string' && REQUEST_ID_PATTERN.test(v);
}

function assertAlgorithm(algorithm: unknown): asserts algorithm is ApplicationKeyAlgorithm {
  if (!isApplicationKeyAlgorithm(algorithm))
    throw new AuthInputError('INVALID_ALGORITHM', `invalid algorithm (expected one of ${APPLICATION_KEY_ALGORITHMS.join(', ')})`);
}

function assertApplicationId(id: unknown): asserts id is string {
  if (!isApplicationId(id)) throw new AuthInputError('INVALID_APPLICATION_ID', 'invalid application id (expected app_ + 24 lower-case hex)');
}

function assertRequestId(id: unknown): asserts id is string {
  if (!isRequestId(id)) throw new AuthInputError('INVALID_REQUEST_ID', 'invalid request id (expected 16-64 chars of [A-Za-z0-9_-])');
}

function assertTimestamp(ts: unknown): asserts ts is number {
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0)
    throw new AuthInputError('INVALID_TIMESTAMP', 'invalid timestamp (expected a non-negative integer number of milliseconds)');
}

function normaliseMethod(method: unknown): string {
  if (typeof method !== 'string') throw new AuthInputError('INVALID_METHOD', 'invalid method');
  const m = method.toUpperCase();
  if (!METHOD_PATTERN.test(m)) throw new AuthInputError('INVALID_METHOD', 'invalid method (expected an HTTP method name)');
  return m;
}

function assertPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH || !PATH_PATTERN.test(path) || path.startsWith('//'))
    throw new AuthInputError('INVALID_PATH', 'invalid path (expected an absolute path of URL-safe characters, no fragment)');
  // Dot segments ('.', '..', also percent-encoded) are rewritten by URL parsers: refuse them.
  const pathOnly = path.split('?', 1)[0]!;
  for (const seg of pathOnly.split('/')) {
    if (/^(?:\.|%2e){1,2}$/i.test(seg)) throw new AuthInputError('INVALID_PATH', 'invalid path (dot segments are not allowed)');
  }
}

function assertBytes(b: unknown, code: AuthInputErrorCode, what: string): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) throw new AuthInputError(code, `${what} must be a Uint8Array`);
}

/** Strict hex → bytes of an exact length; the error names the field, never echoes the value. */
function decodeHexField(hex: unknown, length: number, code: AuthInputErrorCode, what: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new AuthInputError(code, `invalid ${what} (expected ${length} bytes of hex)`);
  return hexToBytes(hex.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Canonical request

const utf8 = new TextEncoder();

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

/**
 * The canonical request bytes before hashing: `u32be(len(f)) ‖ f` for each field of
 * `[version, METHOD, path, hex(sha256(body)), timestamp, request id, application id]`.
 * Validates every field (throws {@link AuthInputError}).
 */
export function encodeCanonicalRequest(input: CanonicalRequestInput): Uint8Array {
  if (typeof input !== 'object' || input === null) throw new AuthInputError('INVALID_BODY', 'missing request');
  const method = normaliseMethod(input.method);
  assertPath(input.path);
  assertBytes(input.body, 'INVALID_BODY', 'body');
  assertTimestamp(input.timestamp);
  assertRequestId(input.requestId);
  assertApplicationId(input.applicationId);
  const fields = [
    CANONICAL_REQUEST_VERSION,
    method,
    input.path,
    bytesToHex(sha256(input.body)),
    String(input.timestamp),
    input.requestId,
    input.applicationId,
  ].map((f) => utf8.encode(f));
  const total = fields.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const f of fields) {
    out.set(u32be(f.length), off);
    out.set(f, off + 4);
    off += 4 + f.length;
  }
  return out;
}

/** SHA-256 digest of the canonical request (32 bytes): the value the application key signs. */
export function canonicalRequest(input: CanonicalRequestInput): Uint8Array {
  return sha256(encodeCanonicalRequest(input));
}

// ---------------------------------------------------------------------------------------------
// Keys and signatures

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}

/** Generate a new application key pair (hex encoded). Randomness: `crypto.getRandomValues`. */
export function generateApplicationKey(algorithm: ApplicationKeyAlgorithm): ApplicationKeyPair {
  assertAlgorithm(algorithm);
  if (algorithm === 'ed25519') {
    const sk = randomBytes(32);
    return { algorithm, privateKey: bytesToHex(sk), publicKey: bytesToHex(ed25519.getPublicKey(sk)) };
  }
  // 48 uniform bytes reduced mod n (bias < 2^-128), noble's own construction; never zero.
  const sk = p256.utils.randomSecretKey(randomBytes(48));
  return { algorithm, privateKey: bytesToHex(sk), publicKey: bytesToHex(p256.getPublicKey(sk, true)) };
}

function decodePrivateKey(algorithm: ApplicationKeyAlgorithm, privateKeyHex: unknown): Uint8Array {
  const sk = decodeHexField(privateKeyHex, APPLICATION_KEY_LENGTHS[algorithm].privateKey, 'INVALID_PRIVATE_KEY', 'private key');
  if (algorithm === 'p256' && !p256.utils.isValidSecretKey(sk))
    throw new AuthInputError('INVALID_PRIVATE_KEY', 'invalid private key (not a P-256 scalar in [1, n-1])');
  return sk;
}

/** The public key (hex) of a private key, e.g. to register an application. */
export function getApplicationPublicKey(algorithm: ApplicationKeyAlgorithm, privateKeyHex: string): string {
  assertAlgorithm(algorithm);
  const sk = decodePrivateKey(algorithm, privateKeyHex);
  return bytesToHex(algorithm === 'ed25519' ? ed25519.getPublicKey(sk) : p256.getPublicKey(sk, true));
}

/**
 * Decode and validate an application public key: Ed25519 32 bytes (canonical, not of small order),
 * P-256 33 bytes SEC1 compressed (on the curve). Throws {@link AuthInputError} `INVALID_PUBLIC_KEY`.
 */
export function parseApplicationPublicKey(algorithm: ApplicationKeyAlgorithm, publicKeyHex: string): Uint8Array {
  assertAlgorithm(algorithm);
  const pk = decodeHexField(publicKeyHex, APPLICATION_KEY_LENGTHS[algorithm].publicKey, 'INVALID_PUBLIC_KEY', 'public key');
  try {
    if (algorithm === 'ed25519') {
      const P = ed25519.Point.fromBytes(pk, false);
      if (P.isSmallOrder()) throw new Error('small order');
    } else {
      if (pk[0] !== 0x02 && pk[0] !== 0x03) throw new Error('not compressed');
      p256.Point.fromBytes(pk).assertValidity();
    }
  } catch {
    throw new AuthInputError('INVALID_PUBLIC_KEY', `invalid public key (not a valid ${algorithm} public key)`);
  }
  return pk;
}

/** Sign a canonical-request digest. Returns the 64-byte signature as lower-case hex. */
export function signDigest(algorithm: ApplicationKeyAlgorithm, privateKeyHex: string, digest: Uint8Array): string {
  assertAlgorithm(algorithm);
  assertBytes(digest, 'INVALID_DIGEST', 'digest');
  if (digest.length !== 32) throw new AuthInputError('INVALID_DIGEST', 'digest must be 32 bytes');
  const sk = decodePrivateKey(algorithm, privateKeyHex);
  try {
    const sig =
      algorithm === 'ed25519'
        ? clientPlatform().ed25519Sign(sk, digest)
        : p256.sign(digest, sk, { prehash: false, lowS: true, format: 'compact' });
    return bytesToHex(sig);
  } finally {
    sk.fill(0);
  }
}

/**
 * Verify a signature over a canonical-request digest. Returns false for a wrong or malformed
 * signature (bad hex, wrong length, high-s P-256, non-canonical Ed25519); throws
 * {@link AuthInputError} for an invalid algorithm, digest or public key.
 */
export function verifyRequestSignature(
  algorithm: ApplicationKeyAlgorithm,
  publicKeyHex: string,
  digest: Uint8Array,
  signatureHex: string,
): boolean {
  assertAlgorithm(algorithm);
  assertBytes(digest, 'INVALID_DIGEST', 'digest');
  if (digest.length !== 32) throw new AuthInputError('INVALID_DIGEST', 'digest must be 32 bytes');
  const pk = parseApplicationPublicKey(algorithm, publicKeyHex);
  const len = APPLICATION_KEY_LENGTHS[algorithm].signature;
  if (typeof signatureHex !== 'string' || signatureHex.length !== len * 2 || !/^[0-9a-fA-F]*$/.test(signatureHex)) return false;
  const sig = hexToBytes(signatureHex.toLowerCase());
  try {
    return algorithm === 'ed25519'
      ? ed25519.verify(sig, digest, pk, { zip215: false })
      : p256.verify(sig, digest, pk, { prehash: false, lowS: true, format: 'compact' });
  } catch {
    return false;
  }
}

function encodeRequestId(bytes: Uint8Array): string {
  // base64url without padding, from the bytes (no btoa: works in every runtime).
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += A[(n >> 18) & 63]! + A[(n >> 12) & 63]! + A[(n >> 6) & 63]! + A[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += A[(n >> 18) & 63]! + A[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += A[(n >> 18) & 63]! + A[(n >> 12) & 63]! + A[(n >> 6) & 63]!;
  }
  return out;
}

/** A fresh request id: 24 random bytes, base64url (32 characters). */
export function newRequestId(): string {
  return encodeRequestId(randomBytes(24));
}

/**
 * Sign a request: returns the four authentication headers and the exact body bytes to send.
 * The same `{headers, body}` may be sent to every node of a quorum (each node tracks request ids
 * on its own).
 */
export function signRequest(credentials: ApplicationCredentials, req: RequestToSign): SignedRequest {
  if (typeof credentials !== 'object' || credentials === null)
    throw new AuthInputError('INVALID_APPLICATION_ID', 'missing credentials');
  if (typeof req !== 'object' || req === null) throw new AuthInputError('INVALID_BODY', 'missing request');
  assertAlgorithm(credentials.algorithm);
  assertApplicationId(credentials.applicationId);
  let body: Uint8Array;
  if (req.body === undefined) body = new Uint8Array(0);
  else if (typeof req.body === 'string') body = utf8.encode(req.body);
  else if (req.body instanceof Uint8Array) body = req.body.slice();
  else throw new AuthInputError('INVALID_BODY', 'body must be a string or a Uint8Array');
  const timestamp = req.timestamp ?? Date.now();
  const requestId = req.requestId ?? newRequestId();
  const method = normaliseMethod(req.method);
  const digest = canonicalRequest({ method, path: req.path, body, timestamp, requestId, applicationId: credentials.applicationId });
  const signature = signDigest(credentials.algorithm, credentials.privateKey, digest);
  return {
    headers: {
      [AUTH_HEADERS.application]: credentials.applicationId,
      [AUTH_HEADERS.timestamp]: String(timestamp),
      [AUTH_HEADERS.requestId]: requestId,
      [AUTH_HEADERS.signature]: signature,
    },
    body,
  };
}
