/**
 * @opentsm/client on Node (the package's "node" export condition): the same API as index.ts,
 * with request signing and signature verification on OpenSSL / libsecp256k1 and HTTP on node:http
 * with keep-alive (node-platform.ts).
 */
import { nodePlatform } from './node-platform.js';
import { useClientPlatform } from './platform.js';

useClientPlatform(nodePlatform);

export * from './index.js';
