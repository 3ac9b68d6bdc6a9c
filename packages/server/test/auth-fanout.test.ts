/**
 * End to end: TsmClient (fan-out and primary) against tiny node:http nodes that each authenticate
 * every request with verifyRequest, on their own application table and request-id registry.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import { TsmClient, TsmError, generateApplicationKey, type ApplicationKeyAlgorithm } from '@opentsm/client';
import { AuthError, createMemoryRequestIdRegistry, verifyRequest, type ApplicationRecord, type AuthenticatedApp } from '../src/auth/index.js';

const APP = 'app_5e5e5e5e5e5e5e5e5e5e5e5e';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  auth?: AuthenticatedApp;
  error?: string;
}

interface Node {
  player: number;
  url: string;
  seen: Seen[];
  apps: Map<string, ApplicationRecord>;
  verify(s: Pick<Seen, 'method' | 'url' | 'headers' | 'body'>): Promise<AuthenticatedApp>;
}

async function startNode(t: TestContext, player: number, answer: (s: Seen) => unknown): Promise<Node> {
  const apps = new Map<string, ApplicationRecord>();
  const registry = createMemoryRequestIdRegistry();
  const verify = (s: Pick<Seen, 'method' | 'url' | 'headers' | 'body'>) =>
    verifyRequest({ method: s.method, path: s.url, headers: s.headers, rawBody: new Uint8Array(s.body) }, { getApplication: (id) => Promise.resolve(apps.get(id)), useRequestId: (a, r, e) => registry.useRequestId(a, r, e) });
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(s);
      void (async () => {
        if (s.url === '/v1/health') return res.writeHead(200).end(JSON.stringify({ status: 'ok', player, version: '0.1.0', peers: {} }));
        try {
          s.auth = await verify(s);
        } catch (e) {
          if (!(e instanceof AuthError)) throw e;
          s.error = e.code;
          return res.writeHead(e.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: e.code, message: e.message } }));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(s)));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { player, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, apps, verify };
}

function frost() {
  const deal = ed25519_FROST.trustedDealer({ min: 2, max: 3 });
  return {
    publicKey: hex(deal.public.commitments[0]!),
    sign(msg: Uint8Array) {
      const ids = Object.keys(deal.secretShares).slice(0, 2);
      const gen = ids.map((id) => ed25519_FROST.commit(deal.secretShares[id]!));
      const commitments = gen.map((g) => g.commitments);
      const shares = Object.fromEntries(ids.map((id, i) => [id, ed25519_FROST.signShare(deal.secretShares[id]!, deal.public, gen[i]!.nonces, commitments, msg)]));
      return hex(ed25519_FROST.aggregate(deal.public, commitments, msg, shares));
    },
  };
}

for (const algorithm of ['ed25519', 'p256'] as ApplicationKeyAlgorithm[]) {
  void test(`fan-out (${algorithm} app key): every node verifies the same signed request on its own`, async (t) => {
    const key = generateApplicationKey(algorithm);
    const f = frost();
    const sessions = new Map<string, string>();
    const KEY = { keyId: 'key_e2e', scheme: 'frost-ed25519', threshold: '2-of-3', players: [1, 2, 3], publicKey: f.publicKey };
    const nodes = await Promise.all(
      [1, 2, 3].map((p) =>
        startNode(t, p, (s) => {
          if (s.url === '/v1/keys') return KEY;
          if (s.url === '/v1/keys/key_e2e') return KEY;
          // One signing session → one aggregate signature, returned by every signer.
          const { message } = JSON.parse(s.body.toString()) as { message: string };
          const signature = sessions.get(message) ?? f.sign(Buffer.from(message, 'hex'));
          sessions.set(message, signature);
          return { keyId: 'key_e2e', signature, publicKey: f.publicKey };
        }),
      ),
    );
    for (const n of nodes) n.apps.set(APP, { applicationId: APP, algorithm, publicKey: key.publicKey, role: 'app', enabled: true });
    const client = new TsmClient({ nodes, credentials: { applicationId: APP, algorithm, privateKey: key.privateKey } });

    assert.deepEqual(await client.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }), KEY);
    const creates = nodes.map((n) => n.seen.find((s) => s.url === '/v1/keys')!);
    for (const s of creates) {
      assert.equal(s.auth?.applicationId, APP);
      assert.equal(s.auth?.requestId, creates[0]!.headers['x-tsm-request-id'], 'one request id on every node (DKG session id)');
      assert.deepEqual(s.body, creates[0]!.body);
    }
    const msg = new TextEncoder().encode('hello');
    const res = await client.sign({ keyId: 'key_e2e', message: msg });
    assert.ok(ed25519_FROST.verify(Buffer.from(res.signature, 'hex'), msg, Buffer.from(f.publicKey, 'hex')));

    // Each node refuses a replay of what it already accepted.
    await assert.rejects(nodes[0]!.verify(creates[0]!), (e) => e instanceof AuthError && e.code === 'REPLAYED_REQUEST');
    // A relaying node cannot change what the client asked for: its peers refuse the altered request.
    const altered = { ...creates[0]!, body: Buffer.from(creates[0]!.body.toString().replace('2-of-3', '1-of-3')) };
    await assert.rejects(nodes[1]!.verify(altered), (e) => e instanceof AuthError && e.code === 'UNAUTHENTICATED');

    // An application unknown to one node → that node's 401 surfaces as a typed error naming it.
    nodes[2]!.apps.delete(APP);
    await assert.rejects(client.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }), (e) => {
      assert.ok(e instanceof TsmError);
      assert.equal(e.code, 'UNAUTHENTICATED');
      assert.equal(e.status, 401);
      assert.equal(e.node, 3);
      return true;
    });
  });
}

void test('primary mode: the primary can relay the client-signed request; peers verify it themselves', async (t) => {
  const key = generateApplicationKey('ed25519');
  const f = frost();
  const KEY = { keyId: 'key_p', scheme: 'frost-ed25519', threshold: '2-of-3', players: [1, 2, 3], publicKey: f.publicKey };
  const peers: Node[] = [];
  const relayed: Array<Promise<AuthenticatedApp>> = [];
  const primary = await startNode(t, 1, (s) => {
    assert.equal(s.headers['x-tsm-mode'], 'primary');
    // Relay the client's own headers and body bytes, unchanged.
    for (const p of peers) relayed.push(p.verify(s));
    return KEY;
  });
  peers.push(await startNode(t, 2, () => KEY), await startNode(t, 3, () => KEY));
  for (const n of [primary, ...peers]) n.apps.set(APP, { applicationId: APP, algorithm: 'ed25519', publicKey: key.publicKey, role: 'app', enabled: true });
  const client = new TsmClient({
    nodes: [primary, ...peers].map(({ player, url }) => ({ player, url })),
    credentials: { applicationId: APP, algorithm: 'ed25519', privateKey: key.privateKey },
    mode: 'primary',
  });
  assert.deepEqual(await client.createKey({ scheme: 'frost-ed25519', threshold: '2-of-3' }), KEY);
  const auths = await Promise.all(relayed);
  assert.equal(auths.length, 2);
  for (const a of auths) assert.equal(a.applicationId, APP);
  assert.equal(peers[0]!.seen.length + peers[1]!.seen.length, 0, 'the client only talked to the primary');
});
