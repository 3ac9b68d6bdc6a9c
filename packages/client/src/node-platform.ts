/// <reference types="node" />
/**
 * Node implementation of {@link ClientPlatform}: Ed25519 request signing on OpenSSL (about 20×
 * faster than pure TypeScript), verification of returned signatures with `nodeVerifySignature`
 * from `@opentsm/core/node` (OpenSSL / libsecp256k1), and HTTP on node:http / node:https with
 * keep-alive connections (several times less CPU per request than the global fetch).
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { nodeVerifySignature } from '@opentsm/core/node';
import { AnswerTooLargeError, type ClientPlatform, type HttpExchangeRequest, type HttpExchangeResponse } from './platform.js';

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410 §7); the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** The last key used (an SDK instance signs with one application key; the KeyObject holds it as the credentials do). */
let last: { id: string; key: KeyObject } | undefined;

function ed25519Key(sk: Uint8Array): KeyObject {
  const id = Buffer.from(sk).toString('base64');
  if (last?.id !== id) {
    const der = Buffer.concat([ED25519_PKCS8_PREFIX, sk]);
    last = { id, key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
    der.fill(0);
  }
  return last.key;
}

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** One exchange: no redirects followed, the answer read up to `limit` bytes, aborted by `signal`. */
function exchange(url: string, req: HttpExchangeRequest): Promise<HttpExchangeResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const headers: Record<string, string> = { ...req.headers };
    if (req.body) headers['content-length'] = String(req.body.length);
    const r = (https ? httpsRequest : httpRequest)(u, { method: req.method, headers, agent: https ? agents.https : agents.http, signal: req.signal }, (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > req.limit) {
        res.destroy();
        reject(new AnswerTooLargeError('answer too large'));
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: Buffer) => {
        total += c.length;
        if (total > req.limit) {
          res.destroy();
          reject(new AnswerTooLargeError('answer too large'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.length) : undefined);
  });
}

export const nodePlatform: ClientPlatform = {
  name: 'node:crypto + node:http',
  ed25519Sign: (sk, m) => new Uint8Array(sign(null, m, ed25519Key(sk))),
  verifySignature: nodeVerifySignature,
  httpExchange: exchange,
};
