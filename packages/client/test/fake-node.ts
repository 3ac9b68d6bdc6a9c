/** A tiny fake OpenTSM node (node:http) that records every request and answers from a handler. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export type Reply = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';
export type Handler = (req: Captured, node: FakeNode) => Reply | Promise<Reply>;

export interface FakeNode {
  player: number;
  url: string;
  requests: Captured[];
  handler: Handler;
  close(): Promise<void>;
}

export async function startFakeNode(player: number, handler: Handler): Promise<FakeNode> {
  const node: FakeNode = { player, url: '', requests: [], handler, close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured: Captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      node.requests.push(captured);
      void Promise.resolve(node.handler(captured, node)).then((reply) => {
        if (reply === 'hang') return;
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  node.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  node.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return node;
}

/** A URL on which nothing listens (connection refused). */
export async function refusedUrl(): Promise<string> {
  const n = await startFakeNode(0, () => ({ status: 200, body: {} }));
  await n.close();
  return n.url;
}

/** The default routes of a healthy node. */
export function health(player: number): Reply {
  return { status: 200, body: { status: 'ok', player, version: '0.1.0', peers: {} } };
}

export function error(status: number, code: string, message = code.toLowerCase()): Reply {
  return { status, body: { error: { code, message } } };
}
