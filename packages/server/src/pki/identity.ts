/**
 * Node identities: a self-signed X.509 certificate (ECDSA P-256) per node, pinned by fingerprint in the cluster
 * file. The certificate is the node's long-term identity on the peer channel (TLS 1.3 client and server auth).
 *
 * @module
 */
// @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill loaded first. ESM evaluates imports in
// order, so this side-effect import must stay above the x509 import.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { isIP } from 'node:net';
import { webcrypto } from 'node:crypto';
import { certFingerprint } from './fingerprint.js';

export { certFingerprint, fingerprintDer, normalizeFingerprint } from './fingerprint.js';

/** Node's WebCrypto, typed as the DOM `Crypto` that @peculiar/x509 expects. */
const nodeCrypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(nodeCrypto);

/** Options of {@link generateNodeIdentity}. */
export interface GenerateNodeIdentityOptions {
  /** Player index of the node (positive integer); goes into the subject CN `opentsm-node-<player>`. */
  player: number;
  /** IP addresses and/or DNS names the node is reached at; written to the subjectAltName extension. */
  hosts: string[];
  /** Validity in days from now (default 3650). Peers pin the fingerprint and do not check expiry. */
  days?: number;
}

/** A node identity. `keyPem` is the secret: store it with file mode 0600 and never log it. */
export interface NodeIdentity {
  /** Self-signed certificate, PEM. Public. */
  certPem: string;
  /** ECDSA P-256 private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). SECRET. */
  keyPem: string;
  /** Lower-case hex SHA-256 of the certificate DER: what the cluster file pins. */
  fingerprint: string;
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** True for a syntactically valid DNS host name (RFC 1123 labels, optional single leading `*.` wildcard). */
function isDnsName(host: string): boolean {
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => DNS_LABEL.test(label));
}

/** Random positive serial number (16 bytes, top bit clear, first byte non-zero), as hex. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

/**
 * Generates a node identity: a fresh ECDSA P-256 key pair and a self-signed certificate with
 * CN `opentsm-node-<player>`, subjectAltName = `hosts`, keyUsage digitalSignature, extendedKeyUsage
 * serverAuth + clientAuth, basicConstraints CA:false.
 *
 * @throws Error on an invalid player index, host or validity.
 */
export async function generateNodeIdentity(opts: GenerateNodeIdentityOptions): Promise<NodeIdentity> {
  const { player, hosts } = opts;
  const days = opts.days ?? 3650;
  if (!Number.isSafeInteger(player) || player < 1) {
    throw new Error(`generateNodeIdentity: player must be a positive integer, got ${String(player)}`);
  }
  if (!Number.isFinite(days) || days <= 0 || days > 36500) {
    throw new Error('generateNodeIdentity: days must be in (0, 36500]');
  }
  if (!Array.isArray(hosts)) throw new Error('generateNodeIdentity: hosts must be an array');
  const names: x509.JsonGeneralName[] = [];
  for (const host of hosts) {
    if (typeof host !== 'string') throw new Error('generateNodeIdentity: every host must be a string');
    const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(h) !== 0) names.push({ type: 'ip', value: h });
    else if (isDnsName(h)) names.push({ type: 'dns', value: h.toLowerCase() });
    else throw new Error(`generateNodeIdentity: invalid host ${JSON.stringify(host)} (expected an IP address or DNS name)`);
  }

  const alg: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await nodeCrypto.subtle.generateKey(alg, true, ['sign', 'verify']);

  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, nodeCrypto),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));

  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=opentsm-node-${player}`,
      // Five minutes of back-dating absorbs clock skew between nodes.
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + Math.round(days * 86_400_000)),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions,
    },
    nodeCrypto,
  );

  const pkcs8 = await nodeCrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const certPem = cert.toString('pem');
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  return { certPem, keyPem, fingerprint: certFingerprint(certPem) };
}
