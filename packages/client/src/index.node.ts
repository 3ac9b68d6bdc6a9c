/**
 * @opentsm/client on Node (the package's "node" export condition): the same API as index.ts,
 * with request signing and signature verification on OpenSSL / libsecp256k1 (node-platform.ts).
 */
import { nodeClientCrypto } from './node-platform.js';
import { useClientCrypto } from './platform.js';

useClientCrypto(nodeClientCrypto);

export * from './index.js';
