/**
 * The node's session runner over an in-memory peer channel: sessions complete, early frames are
 * buffered, a misbehaving peer aborts only the session it attacks (culprit named), and a silent
 * peer makes the session fail with a clear error instead of hanging.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDkgSession, decodeEnvelope, ErrorCode, randomBytes, toHex } from '@opentsm/core';
import type { PeerChannel } from '../src/node/peer-channel.js';
import { SessionFailure, SessionRunner } from '../src/node/session-runner.js';

type Handler = (from: number, channel: string, payload: Uint8Array) => void;

/** n channels wired together; `intercept` may rewrite or drop frames; `down` peers are unreachable. */
function network(n: number, intercept?: (from: number, to: number, channel: string, payload: Uint8Array) => Uint8Array | null) {
  const handlers = new Map<number, Handler>();
  const down = new Set<number>();
  const channels = new Map<number, PeerChannel>();
  for (let p = 1; p <= n; p++) {
    channels.set(p, {
      send: (to, channel, payload) => {
        if (down.has(to) || down.has(p)) return;
        const out = intercept ? intercept(p, to, channel, payload) : payload;
        if (out === null) return;
        setImmediate(() => handlers.get(to)?.(p, channel, out));
      },
      onMessage: (h) => void handlers.set(p, h),
      isConnected: (q) => !down.has(q),
    });
  }
  return { channels, down, inject: (from: number, to: number, channel: string, payload: Uint8Array) => handlers.get(to)?.(from, channel, payload) };
}

function dkg(self: number, sid: Uint8Array) {
  return createDkgSession({ scheme: 'frost-ed25519', sessionId: sid, self, parties: [1, 2, 3], threshold: 2 });
}

describe('SessionRunner', () => {
  it('runs a DKG across three runners, buffering frames that arrive before the session starts', async () => {
    const net = network(3);
    const runners = [1, 2, 3].map((p) => new SessionRunner(net.channels.get(p)!, { timeoutMs: 5000 }));
    const sid = randomBytes(32);
    // Player 3 starts late: its peers' round-1 frames are buffered until then.
    const first = [runners[0]!.run(dkg(1, sid)), runners[1]!.run(dkg(2, sid))];
    await new Promise((r) => setTimeout(r, 20));
    const shares = await Promise.all([...first, runners[2]!.run(dkg(3, sid))]);
    assert.equal(new Set(shares.map((s) => toHex(s.groupKey))).size, 1);
  });

  it('a peer sending garbage aborts only that session, naming it; other sessions continue', async () => {
    const attacked = randomBytes(32);
    const net = network(3, (from, _to, channel, payload) => (from === 3 && channel === toHex(attacked) ? Uint8Array.of(1, 2, 3) : payload));
    const errors: string[] = [];
    const runners = [1, 2, 3].map((p) => new SessionRunner(net.channels.get(p)!, { timeoutMs: 3000, onProtocolError: ({ error }) => errors.push(error.code) }));
    const other = randomBytes(32);
    const bad = Promise.allSettled([1, 2, 3].map((p) => runners[p - 1]!.run(dkg(p, attacked))));
    const good = Promise.all([1, 2, 3].map((p) => runners[p - 1]!.run(dkg(p, other))));
    const [badRes, goodRes] = await Promise.all([bad, good]);
    assert.equal(goodRes.length, 3);
    for (const p of [0, 1]) {
      const r = badRes[p]!;
      assert.equal(r.status, 'rejected');
      const e = (r).reason as SessionFailure;
      assert.ok(e instanceof SessionFailure);
      assert.equal(e.code, 'PROTOCOL_ABORTED');
      assert.equal(e.protocolCode, ErrorCode.MALFORMED_MESSAGE);
      assert.deepEqual(e.culprits, [3]);
    }
    assert.ok(errors.includes(ErrorCode.MALFORMED_MESSAGE));
  });

  it('a frame of another session or an unexpected round aborts the session it reaches, with the culprit', async () => {
    const sidA = randomBytes(32);
    const sidB = randomBytes(32);
    let swapped = false;
    // Player 3 sends its session-B round-1 broadcast into session A's channel.
    const net = network(3, (from, to, channel, payload) => {
      if (from === 3 && to === 1 && channel === toHex(sidB) && !swapped) {
        swapped = true;
        setImmediate(() => net.inject(3, 1, toHex(sidA), payload));
      }
      return payload;
    });
    const runners = [1, 2, 3].map((p) => new SessionRunner(net.channels.get(p)!, { timeoutMs: 3000 }));
    const a = runners[0]!.run(dkg(1, sidA)).then(
      () => undefined,
      (e: unknown) => e,
    );
    const others = Promise.allSettled([runners[1]!.run(dkg(2, sidA)), runners[2]!.run(dkg(3, sidA))]);
    await Promise.allSettled([1, 2, 3].map((p) => runners[p - 1]!.run(dkg(p, sidB))));
    const e = await a;
    assert.ok(e instanceof SessionFailure, String(e));
    assert.equal(e.code, 'PROTOCOL_ABORTED');
    assert.equal(e.protocolCode, 'WRONG_SESSION');
    assert.deepEqual(e.culprits, [3]);
    await others;
  });

  it('fails with QUORUM_UNAVAILABLE when a peer is down, and TIMEOUT when it is up but silent', async () => {
    const net = network(3, (from) => (from === 3 ? null : new Uint8Array(0)));
    net.down.add(2);
    const r1 = new SessionRunner(net.channels.get(1)!, { timeoutMs: 300 });
    const t0 = Date.now();
    await assert.rejects(r1.run(dkg(1, randomBytes(32))), (e: unknown) => e instanceof SessionFailure && e.code === 'QUORUM_UNAVAILABLE' && /2/.test(e.message));
    assert.ok(Date.now() - t0 < 2000);
    net.down.delete(2);
    await assert.rejects(r1.run(dkg(1, randomBytes(32))), (e: unknown) => e instanceof SessionFailure && (e.code === 'TIMEOUT' || e.code === 'PROTOCOL_ABORTED'));
  });

  it('a timed-out session is aborted locally (its rounds erase their state) and its peers get an abort notice', async () => {
    const frames: { from: number; to: number; bytes: Uint8Array }[] = [];
    // Player 3 never answers; player 1 times out and must tell player 2 (still listening) it gave up.
    const net = network(3, (from, to, _ch, payload) => (from === 3 ? null : (frames.push({ from, to, bytes: payload }), payload)));
    const r1 = new SessionRunner(net.channels.get(1)!, { timeoutMs: 200 });
    const session = dkg(1, randomBytes(32));
    await assert.rejects(r1.run(session), (e: unknown) => e instanceof SessionFailure && e.code === 'TIMEOUT' && /round 1/.test(e.message));
    assert.equal(session.state, 'aborted');
    assert.equal(session.error?.code, ErrorCode.SESSION_ABORTED);
    const notices = frames.filter((f) => f.from === 1 && f.to === 2 && decodeEnvelope(f.bytes).kind === 'abort');
    assert.equal(notices.length, 1, 'one abort notice to player 2');
  });

  it('refuses to run the same session id twice', async () => {
    const net = network(3);
    const runners = [1, 2, 3].map((p) => new SessionRunner(net.channels.get(p)!, { timeoutMs: 3000 }));
    const sid = randomBytes(32);
    await Promise.all([1, 2, 3].map((p) => runners[p - 1]!.run(dkg(p, sid))));
    await assert.rejects(runners[0]!.run(dkg(1, sid)), (e: unknown) => e instanceof SessionFailure && e.code === 'SESSION_CONFLICT');
  });
});
