/**
 * Certificate fingerprints used to pin node identities.
 *
 * OpenTSM has no certificate authority: every node presents a self-signed certificate and the cluster file
 * pins the SHA-256 fingerprint of each node's certificate DER. This module only depends on `node:crypto`, so the
 * transport can use it without loading the X.509 generator.
 *
 * @module
 */
import { createHash, X509Certificate } from 'node:crypto';

/** Length in hex characters of a SHA-256 fingerprint. */
export const FINGERPRINT_HEX_LENGTH = 64;

/**
 * Lower-case hex SHA-256 of raw certificate DER bytes. Does not parse the bytes: use this on DER that TLS already
 * parsed (e.g. `getPeerCertificate(true).raw`), use {@link certFingerprint} for untrusted input.
 */
export function fingerprintDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * Lower-case hex SHA-256 fingerprint of a certificate's DER encoding.
 *
 * @param pemOrDer a PEM string (the first `CERTIFICATE` block is used) or the DER bytes.
 * @throws Error if the input is not a parseable X.509 certificate.
 */
export function certFingerprint(pemOrDer: string | Uint8Array): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(typeof pemOrDer === 'string' ? pemOrDer : Buffer.from(pemOrDer));
  } catch {
    throw new Error('certFingerprint: input is not a valid X.509 certificate (PEM or DER)');
  }
  return fingerprintDer(cert.raw);
}

/**
 * Normalises a fingerprint written by a human or another tool to the canonical form (64 lower-case hex characters):
 * accepts upper case and `:`/space separators (as printed by `openssl x509 -fingerprint -sha256`), and an optional
 * `sha256:` prefix.
 *
 * @throws Error if the result is not exactly 32 bytes of hex.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const fp = fingerprint
    .trim()
    .replace(/^sha-?256[:=]?\s*/i, '')
    .replace(/[:\s]/g, '')
    .toLowerCase();
  if (fp.length !== FINGERPRINT_HEX_LENGTH || !/^[0-9a-f]+$/.test(fp)) {
    throw new Error('invalid certificate fingerprint: expected a SHA-256 hex digest (64 hex characters)');
  }
  return fp;
}
