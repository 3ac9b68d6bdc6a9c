/**
 * The SDK's two hot cryptographic operations behind one switch, so that the Node entry of the
 * package (index.node.ts) can run them on OpenSSL / libsecp256k1 while browsers keep the
 * pure-TypeScript @noble implementations. Results are identical (test/platform.test.ts);
 * only speed differs.
 */
import { ed25519 } from '@noble/curves/ed25519.js';

export interface ClientCrypto {
  /** Shown in diagnostics. */
  readonly name: string;
  /** RFC 8032 Ed25519 signature of `message` with the 32-byte secret key (seed). */
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * Verify a signature the cluster returned, in the suites' encodings: true/false when this
   * implementation handles `scheme`, undefined to use the suite's own verifier.
   */
  verifySignature(scheme: string, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean | undefined;
}

/** Pure TypeScript (@noble): runs anywhere. */
export const nobleClientCrypto: ClientCrypto = {
  name: '@noble',
  ed25519Sign: (sk, m) => ed25519.sign(m, sk),
  verifySignature: () => undefined,
};

let current: ClientCrypto = nobleClientCrypto;

/** The implementation in use (set once by the package entry). */
export function clientCrypto(): ClientCrypto {
  return current;
}

/** Select the implementation (the Node entry does this when it loads). */
export function useClientCrypto(c: ClientCrypto): void {
  current = c;
}
