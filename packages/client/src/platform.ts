/**
 * What the SDK needs from its platform — two hot cryptographic operations and one HTTP exchange —
 * behind one switch, so that the Node entry of the package (index.node.ts) can run them on
 * OpenSSL / libsecp256k1 and node:http while browsers keep @noble and `fetch`. Results are
 * identical (test/platform.test.ts); only speed differs.
 */
import { ed25519 } from '@noble/curves/ed25519.js';

/** One HTTP request as the SDK sends it. */
export interface HttpExchangeRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | undefined;
  /** Aborts the exchange (timeout or caller cancellation): the promise rejects. */
  readonly signal: AbortSignal;
  /** Largest accepted answer body in bytes; larger → reject with `tooLarge` set. */
  readonly limit: number;
}

/** An answer: status and body text (UTF-8). Redirects are never followed (a 3xx is an answer). */
export interface HttpExchangeResponse {
  readonly status: number;
  readonly text: string;
}

/** Rejection of an exchange whose answer exceeded the limit. */
export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
}

export interface ClientPlatform {
  /** Shown in diagnostics. */
  readonly name: string;
  /** RFC 8032 Ed25519 signature of `message` with the 32-byte secret key (seed). */
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * Verify a signature the cluster returned, in the suites' encodings: true/false when this
   * implementation handles `scheme`, undefined to use the suite's own verifier.
   */
  verifySignature(scheme: string, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean | undefined;
  /** HTTP exchange used when the caller gives no `fetch` of its own; undefined → global fetch. */
  readonly httpExchange?: (url: string, req: HttpExchangeRequest) => Promise<HttpExchangeResponse>;
}

/** Pure TypeScript (@noble) and the global fetch: runs anywhere. */
export const portablePlatform: ClientPlatform = {
  name: '@noble + fetch',
  ed25519Sign: (sk, m) => ed25519.sign(m, sk),
  verifySignature: () => undefined,
};

let current: ClientPlatform = portablePlatform;

/** The implementation in use (set once by the package entry). */
export function clientPlatform(): ClientPlatform {
  return current;
}

/**
 * Select the implementation (the Node entry does this when it loads). Internal: not exported by the
 * package, since the implementation receives every application's private key.
 */
export function useClientPlatform(p: ClientPlatform): void {
  current = p;
}
