import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocket, WebSocketServer } from 'ws';
import { generateNodeIdentity, type NodeIdentity } from '../src/pki/index.js';
import { PeerTransport, PeersUnreachableError, type PeerTransportOptions, type TransportLogger } from '../src/transport/index.js';
import { encodeFrame } from '../src/transport/frame.js';

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** Identities of players 1..5 (5 = an outsider with a perfectly valid certificate that nobody pins). */
const ids = new Map<number, NodeIdentity>();
before(async () => {
  for (let p = 1; p <= 5; p++) ids.set(p, await generateNodeIdentity({ player: p, hosts: ['127.0.0.1', 'localhost'] }));
});
function id(p: number): NodeIdentity {
  const v = ids.get(p);
  assert.ok(v);
  return v;
}

/** n distinct free ports on 127.0.0.1 (bound together, then released). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createNetServer>>((resolve, reject) => {
      const s = createNetServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

interface LogLine { level: 'info' | 'warn'; obj: object; msg: string | undefined }
function captureLogger(): { logger: TransportLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    logger: {
      info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
      warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    },
  };
}

/** Asserts that no log line carries any private key material. */
function assertNoSecretsLogged(lines: LogLine[]): void {
  const text = JSON.stringify(lines);
  assert.ok(!text.includes('PRIVATE KEY'));
  for (const identity of ids.values()) {
    const body = identity.keyPem.split('\n').filter((l) => !l.startsWith('-----')).join('');
    assert.ok(!text.includes(body.slice(0, 40)), 'private key logged');
  }
}

const FAST = { reconnect: { initialMs: 20, maxMs: 200 } } as const;

/** Options of the transport of `self` in a cluster of `players`, with ports[i] for player i+1. */
function opts(self: number, players: number[], ports: number[], extra: Partial<PeerTransportOptions> = {}): PeerTransportOptions {
  return {
    self,
    listen: { host: '127.0.0.1', port: ports[self - 1] ?? 0 },
    identity: id(self),
    peers: players
      .filter((p) => p !== self)
      .map((p) => ({ player: p, url: `wss://127.0.0.1:${ports[p - 1]}`, fingerprint: id(p).fingerprint })),
    ...FAST,
    ...extra,
  };
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Msg { from: number; channel: string; payload: Uint8Array }
function inbox(t: PeerTransport): Msg[] {
  const box: Msg[] = [];
  t.onMessage((from, channel, payload) => box.push({ from, channel, payload }));
  return box;
}

/** Runs fn with the transports and always closes them. */
async function withTransports(list: PeerTransport[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    await Promise.all(list.map((t) => t.close()));
  }
}

// ---------------------------------------------------------------------------------------------------------------

void test('3 nodes fully connected over TLS 1.3; frames arrive with the authenticated sender and exact bytes', async () => {
  const ports = await freePorts(3);
  const log = captureLogger();
  const ts = [1, 2, 3].map((p) => new PeerTransport(opts(p, [1, 2, 3], ports, { logger: log.logger })));
  const boxes = ts.map(inbox);
  await withTransports(ts, async () => {
    await Promise.all(ts.map((t) => t.start()));
    await Promise.all(ts.map((t, i) => t.waitForPeers([1, 2, 3].filter((p) => p !== i + 1), 5000)));

    const big = new Uint8Array(200_000);
    for (let i = 0; i < big.length; i += 65_536) crypto.getRandomValues(big.subarray(i, i + 65_536));
    for (const [i, t] of ts.entries()) {
      const self = i + 1;
      for (const to of [1, 2, 3].filter((p) => p !== self)) {
        t.send(to, `sess-${self}-${to}`, Uint8Array.from([self, to, 0, 255]));
        t.send(to, 'empty', new Uint8Array(0));
        t.send(to, 'big', big);
      }
    }
    await waitUntil(() => boxes.every((b) => b.length === 6), 5000, 'all frames');
    for (const [i, box] of boxes.entries()) {
      const me = i + 1;
      for (const from of [1, 2, 3].filter((p) => p !== me)) {
        const got = box.filter((m) => m.from === from);
        assert.deepEqual(got.map((m) => m.channel), [`sess-${from}-${me}`, 'empty', 'big'], 'order and channels per sender');
        assert.deepEqual(got[0]?.payload, Uint8Array.from([from, me, 0, 255]));
        assert.deepEqual(got[1]?.payload, new Uint8Array(0));
        assert.deepEqual(got[2]?.payload, big);
      }
    }

    for (const [i, t] of ts.entries()) {
      const self = i + 1;
      const others = [1, 2, 3].filter((p) => p !== self);
      assert.deepEqual(t.peerStatus(), Object.fromEntries(others.map((p) => [p, 'up'])));
      for (const p of others) {
        assert.ok(t.isConnected(p));
        assert.ok(t.hasInbound(p));
        const info = t.connectionInfo(p);
        assert.equal(info.outbound?.protocol, 'TLSv1.3');
        assert.equal(info.inbound?.protocol, 'TLSv1.3');
      }
      assert.equal(t.stats().malformed, 0);
      assert.equal(t.stats().refusedConnections, 0);
    }
  });
  assertNoSecretsLogged(log.lines);
});

void test('the server speaks TLS 1.3 only, and refuses a TLS 1.2 client', async () => {
  const [port] = await freePorts(1);
  assert.ok(port);
  const a = new PeerTransport({ self: 1, listen: { host: '127.0.0.1', port }, identity: id(1), peers: [{ player: 2, url: 'wss://127.0.0.1:1', fingerprint: id(2).fingerprint }], ...FAST });
  await withTransports([a], async () => {
    await a.start();
    const proto = await new Promise<string | null>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, cert: id(2).certPem, key: id(2).keyPem, rejectUnauthorized: false });
      s.once('secureConnect', () => {
        resolve(s.getProtocol());
        s.destroy();
      });
      s.once('error', reject);
    });
    assert.equal(proto, 'TLSv1.3');
    await assert.rejects(
      new Promise<void>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port, maxVersion: 'TLSv1.2', cert: id(2).certPem, key: id(2).keyPem, rejectUnauthorized: false });
        s.once('secureConnect', () => {
          s.destroy();
          resolve();
        });
        s.once('error', reject);
      }),
    );
  });
});

void test('a node with a valid but unpinned certificate cannot deliver anything', async () => {
  const ports = await freePorts(3); // players 1 and 2 run; 3 stands for the outsider's listen port
  const logA = captureLogger();
  const a = new PeerTransport(opts(1, [1, 2], ports, { logger: logA.logger }));
  const b = new PeerTransport(opts(2, [1, 2], ports));
  // The outsider (identity 5) knows everyone's public certificate and pins them correctly.
  const outsider = new PeerTransport({
    self: 5,
    listen: { host: '127.0.0.1', port: ports[2] ?? 0 },
    identity: id(5),
    peers: [1, 2].map((p) => ({ player: p, url: `wss://127.0.0.1:${ports[p - 1]}`, fingerprint: id(p).fingerprint })),
    ...FAST,
  });
  const boxA = inbox(a);
  const boxB = inbox(b);
  await withTransports([a, b, outsider], async () => {
    await Promise.all([a.start(), b.start(), outsider.start()]);
    await a.waitForPeers([2], 5000);
    outsider.send(1, 'evil', Uint8Array.from([1, 2, 3]));
    outsider.send(2, 'evil', Uint8Array.from([4, 5, 6]));
    const err = await outsider.waitForPeers([1, 2], 600).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof PeersUnreachableError, 'outsider never gets a connection');
    assert.deepEqual(err.players, [1, 2]);
    assert.match(err.message, /1, 2/);
    assert.equal(outsider.queued(1), 1, 'nothing was sent');

    // The same with a bare WebSocket client presenting the outsider's certificate: no 'open', ever.
    const opened = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`wss://127.0.0.1:${ports[0]}`, { cert: id(5).certPem, key: id(5).keyPem, rejectUnauthorized: false });
      ws.on('open', () => {
        ws.terminate();
        resolve(true);
      });
      ws.on('error', () => {});
      ws.on('close', () => resolve(false));
    });
    assert.equal(opened, false);
    // And a client with no certificate at all.
    const openedNoCert = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`wss://127.0.0.1:${ports[0]}`, { rejectUnauthorized: false });
      ws.on('open', () => {
        ws.terminate();
        resolve(true);
      });
      ws.on('error', () => {});
      ws.on('close', () => resolve(false));
    });
    assert.equal(openedNoCert, false);

    assert.equal(boxA.length, 0);
    assert.equal(boxB.length, 0);
    assert.ok(a.stats().refusedConnections >= 3);
    assert.ok(!a.hasInbound(5) && !a.hasInbound(3));
    assert.ok(logA.lines.some((l) => l.level === 'warn' && /unpinned/.test(l.msg ?? '')));
    // The legitimate pair still works.
    b.send(1, 'ok', Uint8Array.from([9]));
    await waitUntil(() => boxA.length === 1, 3000, 'legit frame');
    assert.equal(boxA[0]?.from, 2);
  });
  assertNoSecretsLogged(logA.lines);
});

void test('server impersonation: a peer whose certificate is not the pinned one gets nothing', async () => {
  const ports = await freePorts(2);
  const logA = captureLogger();
  // A pins player 2 = identity 2, but the server at player 2's URL presents identity 5.
  const a = new PeerTransport(opts(1, [1, 2], ports, { logger: logA.logger }));
  const impostor = new PeerTransport({
    self: 2,
    listen: { host: '127.0.0.1', port: ports[1] ?? 0 },
    identity: id(5),
    peers: [{ player: 1, url: `wss://127.0.0.1:${ports[0]}`, fingerprint: id(1).fingerprint }],
    ...FAST,
  });
  const boxA = inbox(a);
  const boxI = inbox(impostor);
  await withTransports([a, impostor], async () => {
    await Promise.all([a.start(), impostor.start()]);
    a.send(2, 'secret-share', Uint8Array.from([42]));
    impostor.send(1, 'fake', Uint8Array.from([1]));
    await assert.rejects(a.waitForPeers([2], 600), (e: unknown) => e instanceof PeersUnreachableError && e.players.join() === '2');
    assert.equal(a.peerStatus()[2], 'down');
    assert.equal(a.queued(2), 1, 'the frame is still queued, never written to the impostor');
    assert.equal(boxI.length, 0);
    assert.equal(impostor.hasInbound(1), false, 'A never even completed a WebSocket upgrade with the impostor');
    assert.equal(boxA.length, 0, "A refuses the impostor's inbound connection too (its cert is not pinned)");
    assert.ok(a.stats().refusedConnections >= 2);
    assert.ok(logA.lines.some((l) => l.level === 'warn' && /does not match the pinned fingerprint/.test(l.msg ?? '')));
  });
  assertNoSecretsLogged(logA.lines);
});

void test('pinning happens in the TLS handshake: not one byte of application data reaches an impostor', async () => {
  const ports = await freePorts(2);
  // A bare TLS 1.3 server at player 2's address presenting the outsider's certificate, counting what it receives.
  let received = 0;
  let attempts = 0;
  const sockets = new Set<TLSSocket>();
  const impostor = createTlsServer({ cert: id(5).certPem, key: id(5).keyPem, minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: false }, (s) => {
    sockets.add(s);
    s.on('data', (d: Buffer) => (received += d.length));
    s.on('error', () => {});
  });
  impostor.on('connection', () => attempts++);
  impostor.on('tlsClientError', () => {}); // the client hangs up mid-handshake once it sees the wrong certificate
  await new Promise<void>((resolve) => impostor.listen(ports[1], '127.0.0.1', () => resolve()));
  const a = new PeerTransport(opts(1, [1, 2], ports));
  try {
    await a.start();
    a.send(2, 'secret-share', Uint8Array.from([42]));
    await waitUntil(() => attempts >= 2, 3000, 'two dial attempts');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received, 0, 'no HTTP upgrade request, no frame');
    assert.equal(a.queued(2), 1);
  } finally {
    await a.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => impostor.close(() => resolve()));
  }
});

void test('heartbeat keeps healthy connections and drops a peer that stops answering pings', async () => {
  const ports = await freePorts(3);
  const t1 = new PeerTransport(opts(1, [1, 2, 3], ports, { heartbeatMs: 30 }));
  const t2 = new PeerTransport(opts(2, [1, 2, 3], ports, { heartbeatMs: 30 }));
  // Player 3: a pinned but mute WebSocket server (correct identity, never answers pings).
  const https3 = createHttpsServer({ cert: id(3).certPem, key: id(3).keyPem, minVersion: 'TLSv1.3' });
  const wss3 = new WebSocketServer({ server: https3, autoPong: false });
  await new Promise<void>((resolve) => https3.listen(ports[2], '127.0.0.1', () => resolve()));
  const downs: number[] = [];
  t1.onPeerDown((p) => downs.push(p));
  await withTransports([t1, t2], async () => {
    await Promise.all([t1.start(), t2.start()]);
    await t1.waitForPeers([2, 3], 5000);
    await waitUntil(() => downs.includes(3), 2000, 'mute peer 3 dropped by the heartbeat');
    await new Promise((r) => setTimeout(r, 150)); // several heartbeat periods
    assert.ok(t1.isConnected(2) && t2.isConnected(1), 'healthy connections survive the heartbeat');
    assert.ok(!downs.includes(2));
  });
  for (const c of wss3.clients) c.terminate();
  await new Promise<void>((resolve) => wss3.close(() => resolve()));
  https3.closeAllConnections();
  await new Promise<void>((resolve) => https3.close(() => resolve()));
});

void test('frames sent while a peer is down are delivered after it restarts (same port, same identity)', async () => {
  const ports = await freePorts(3);
  const t1 = new PeerTransport(opts(1, [1, 2, 3], ports));
  let t2 = new PeerTransport(opts(2, [1, 2, 3], ports));
  const t3 = new PeerTransport(opts(3, [1, 2, 3], ports));
  const downs: number[] = [];
  const ups: number[] = [];
  t1.onPeerDown((p) => downs.push(p));
  t1.onPeerUp((p) => ups.push(p));
  const all = [t1, t3];
  await withTransports(all, async () => {
    await Promise.all([t1.start(), t2.start(), t3.start()]);
    await Promise.all([t1.waitForPeers([2, 3], 5000), t2.waitForPeers([1, 3], 5000), t3.waitForPeers([1, 2], 5000)]);
    await t2.close();
    await waitUntil(() => !t1.isConnected(2) && !t3.isConnected(2), 3000, 'peer 2 down');
    assert.deepEqual(downs, [2]);
    for (let i = 0; i < 5; i++) t1.send(2, 'while-down', Uint8Array.from([i]));
    t3.send(2, 'from-3', Uint8Array.from([3]));
    assert.equal(t1.queued(2), 5);

    t2 = new PeerTransport(opts(2, [1, 2, 3], ports));
    all.push(t2);
    const box2 = inbox(t2);
    await t2.start();
    await waitUntil(() => box2.length === 6, 5000, 'queued frames after restart');
    assert.deepEqual(
      box2.filter((m) => m.from === 1).map((m) => [m.channel, ...m.payload]),
      [0, 1, 2, 3, 4].map((i) => ['while-down', i]),
    );
    assert.deepEqual(box2.filter((m) => m.from === 3).map((m) => m.channel), ['from-3']);
    assert.equal(t1.queued(2), 0);
    assert.ok(t1.isConnected(2));
    assert.deepEqual(ups.filter((p) => p === 2).length, 2);
  });
});

void test('the queue of a down peer is bounded: oldest frames dropped with one warning', async () => {
  const ports = await freePorts(2);
  const log = captureLogger();
  const t1 = new PeerTransport(opts(1, [1, 2], ports, { maxQueue: 3, logger: log.logger }));
  const t2 = new PeerTransport(opts(2, [1, 2], ports));
  const box2 = inbox(t2);
  await withTransports([t1, t2], async () => {
    for (let i = 0; i < 6; i++) t1.send(2, 'q', Uint8Array.from([i])); // before start: queued
    assert.equal(t1.queued(2), 3);
    assert.equal(t1.stats().dropped, 3);
    assert.equal(log.lines.filter((l) => /queue full/.test(l.msg ?? '')).length, 1);
    await t1.start();
    await t2.start();
    await waitUntil(() => box2.length === 3, 5000, 'flushed frames');
    assert.deepEqual(box2.map((m) => m.payload[0]), [3, 4, 5]);
    assert.ok(log.lines.some((l) => /dropped while peer was down/.test(l.msg ?? '')));
  });
});

void test('garbage frames from an authenticated peer are dropped; the connection stays up; oversized frames are refused', async () => {
  const ports = await freePorts(2);
  const log = captureLogger();
  const a = new PeerTransport(opts(1, [1, 2], ports, { maxFrameBytes: 4096, logger: log.logger }));
  const boxA = inbox(a);
  let handlerCalls = 0;
  a.onMessage(() => {
    handlerCalls++;
    if (handlerCalls === 1) throw new Error('handler bug with secret 0xdeadbeef');
  });
  await withTransports([a], async () => {
    await a.start();
    // A raw client holding player 2's identity (player 2's transport is not running).
    const ws = new WebSocket(`wss://127.0.0.1:${ports[0]}`, { cert: id(2).certPem, key: id(2).keyPem, rejectUnauthorized: false, perMessageDeflate: false });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', () => reject(new Error('closed before open')));
    });
    const garbage: Array<Uint8Array | string> = [
      new Uint8Array(0),
      Uint8Array.from([7, 0, 1, 0x61]), // unknown version
      Uint8Array.from([1, 0]), // truncated header
      Uint8Array.from([1, 0, 0, 1, 2]), // empty channel
      Uint8Array.from([1, 0xff, 0xff, 1, 2]), // channel length over the limit
      Uint8Array.from([1, 0, 10, 0x61]), // channel longer than the frame
      Uint8Array.from([1, 0, 2, 0xc3, 0x28, 1]), // invalid UTF-8 channel
      'a text frame',
    ];
    for (const g of garbage) ws.send(g);
    ws.send(encodeFrame('after-garbage', Uint8Array.from([1, 2, 3]))); // handler throws on this one
    ws.send(encodeFrame('after-throw', Uint8Array.from([4])));
    await waitUntil(() => boxA.length === 2, 3000, 'valid frames after garbage');
    assert.deepEqual(boxA.map((m) => [m.from, m.channel, [...m.payload]]), [
      [2, 'after-garbage', [1, 2, 3]],
      [2, 'after-throw', [4]],
    ]);
    assert.equal(a.stats().malformed, garbage.length);
    assert.equal(ws.readyState, WebSocket.OPEN, 'connection stays up after malformed frames');
    assert.ok(a.hasInbound(2));
    assert.ok(log.lines.some((l) => /handler threw/.test(l.msg ?? '')));

    ws.send(new Uint8Array(5000)); // over maxFrameBytes: refused by ws (close 1009)
    assert.equal(await closed, 1009);
    assert.equal(boxA.length, 2);
    assert.throws(() => a.send(2, 'too-big', new Uint8Array(5000)), RangeError);
  });
  const text = JSON.stringify(log.lines);
  assert.ok(!text.includes('deadbeef'), 'handler error messages are not logged');
  assertNoSecretsLogged(log.lines);
});

void test('configuration and API misuse are rejected', async () => {
  const base = opts(1, [1, 2, 3], [10001, 10002, 10003]);
  assert.throws(() => new PeerTransport({ ...base, peers: [...base.peers, { player: 1, url: 'wss://x:1', fingerprint: id(4).fingerprint }] }), /self/);
  assert.throws(() => new PeerTransport({ ...base, peers: [...base.peers, { player: 2, url: 'wss://x:1', fingerprint: id(4).fingerprint }] }), /duplicate peer/);
  assert.throws(() => new PeerTransport({ ...base, peers: [...base.peers, { player: 4, url: 'wss://x:1', fingerprint: id(2).fingerprint }] }), /share a fingerprint/);
  assert.throws(() => new PeerTransport({ ...base, peers: [{ player: 4, url: 'ws://x:1', fingerprint: id(4).fingerprint }] }), /wss/);
  assert.throws(() => new PeerTransport({ ...base, peers: [{ player: 4, url: 'wss://x:1', fingerprint: 'abc' }] }), /fingerprint/);
  assert.throws(() => new PeerTransport({ ...base, peers: [{ player: 4, url: 'wss://x:1', fingerprint: id(1).fingerprint }] }), /own certificate/);
  assert.throws(() => new PeerTransport({ ...base, identity: { certPem: id(1).certPem, keyPem: id(2).keyPem } }), /do not match/);
  assert.throws(() => new PeerTransport({ ...base, maxQueue: 0 }), /maxQueue/);

  const t = new PeerTransport({ ...base, listen: { host: '127.0.0.1', port: 0 } });
  assert.throws(() => t.send(1, 'c', new Uint8Array(1)), /self/);
  assert.throws(() => t.send(9, 'c', new Uint8Array(1)), /unknown peer 9/);
  assert.throws(() => t.send(2, '', new Uint8Array(1)), RangeError);
  assert.throws(() => t.send(2, 'x'.repeat(129), new Uint8Array(1)), RangeError);
  await assert.rejects(t.waitForPeers([2, 9], 100), /unknown peer\(s\): 9/);
  await t.start();
  assert.ok((t.address()?.port ?? 0) > 0, 'port 0 resolved to a real port');
  await assert.rejects(t.start(), /already started/);
  const pending = t.waitForPeers([2, 3], 10_000);
  await t.close();
  await assert.rejects(pending, /closed/);
  await t.close(); // idempotent
  assert.throws(() => t.send(2, 'c', new Uint8Array(1)), /closed/);
  await assert.rejects(t.start(), /closed/);

  // close() racing start(): nothing keeps listening.
  const u = new PeerTransport({ ...base, listen: { host: '127.0.0.1', port: 0 } });
  const starting = u.start();
  await u.close();
  await starting;
  assert.equal(u.isConnected(2), false);
});

void test('close() releases every socket and timer', async () => {
  const count = (): number =>
    process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout').length;
  await new Promise((r) => setTimeout(r, 50));
  const baseline = count();
  const ports = await freePorts(3);
  // Player 3 is pinned but never started: 1 and 2 keep redialling it until close().
  const ts = [1, 2].map((p) => new PeerTransport(opts(p, [1, 2, 3], ports)));
  await Promise.all(ts.map((t) => t.start()));
  await Promise.all([ts[0]?.waitForPeers([2], 5000), ts[1]?.waitForPeers([1], 5000)]);
  ts[0]?.send(3, 'queued', new Uint8Array(1));
  assert.ok(count() > baseline);
  await Promise.all(ts.map((t) => t.close()));
  await waitUntil(() => count() <= baseline, 2000, `resources back to baseline (${baseline}), now ${count()}: ${process.getActiveResourcesInfo().join(',')}`);
});
