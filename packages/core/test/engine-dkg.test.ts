/**
 * Fault tolerance of a correct DKG on the engine: re-delivered, reordered and delayed messages
 * still give one agreed output; lost messages and crashed parties leave the others waiting
 * (for the caller's timeout) without output; early messages are queued.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, type KeyShare, type Outgoing, type PartyId, type Session } from '../src/index.js';
import { delay, drop, duplicate, match, type MessagePredicate } from '../src/testing/index.js';
import { ALL_SCHEMES, expectSuccess, hex, makeSessions, range, runDkg, type DkgRun } from './helpers/dkg.js';

const all: MessagePredicate = () => true;

function sameOutput(keys: KeyShare[]): void {
  for (const k of keys) {
    assert.equal(hex(k.groupKey), hex(keys[0]!.groupKey));
    assert.equal(hex(k.chainCode), hex(keys[0]!.chainCode));
  }
}

/** No session finished; the listed ones are still waiting (neither done nor aborted). */
function expectStalled(run: DkgRun, waiting: readonly PartyId[]): void {
  assert.equal(run.res.results.size, 0);
  for (const [p, s] of run.res.sessions) {
    assert.notEqual(s.state, 'done', `party ${p} must not finish`);
    assert.equal(s.result, undefined);
    assert.equal(s.error, undefined, `party ${p}: ${s.error?.code ?? ''}`);
  }
  assert.deepEqual([...run.res.stalled].sort(), [...waiting].sort());
}

describe('engine + DKG: benign network faults', () => {
  for (const scheme of ALL_SCHEMES) {
    it(`${scheme}: every message delivered twice`, () => {
      const keys = expectSuccess(runDkg(scheme, 2, 3, { faults: [duplicate(all)] }));
      sameOutput(keys);
    });
  }

  it('random delivery orders (several seeds, 3-of-5)', () => {
    for (let seed = 1; seed <= 6; seed++) sameOutput(expectSuccess(runDkg('frost-secp256k1', 3, 5, { reorderSeed: seed })));
  });

  it('reordering combined with duplicates and delays', () => {
    for (let seed = 10; seed < 13; seed++) {
      const run = runDkg('frost-ed25519', 2, 4, {
        reorderSeed: seed,
        faults: [duplicate(match.round(1)), delay(match.from(2), 5), duplicate(match.and(match.round(2), match.from(4)))],
      });
      sameOutput(expectSuccess(run));
    }
  });

  it('a long delay of one party’s round-1 broadcast', () => {
    const run = runDkg('frost-p256', 2, 3, { faults: [delay(match.and(match.from(1), match.round(1), match.fromTo(1, 3)), 20)] });
    sameOutput(expectSuccess(run));
  });
});

describe('engine + DKG: lost messages and crashes leave the others waiting without output', () => {
  it('a round-1 broadcast is lost', () => {
    const run = runDkg('frost-secp256k1', 2, 3, { faults: [drop(match.and(match.fromTo(1, 3), match.round(1)))] });
    expectStalled(run, [1, 2, 3]);
    assert.equal(run.res.sessions.get(3)!.currentRound, 1);
  });

  it('a round-2 share is lost', () => {
    const run = runDkg('frost-secp256k1', 2, 3, { faults: [drop(match.and(match.fromTo(2, 1), match.round(2)))] });
    expectStalled(run, [1, 2, 3]);
  });

  it('a party crashes before sending anything', () => {
    const run = runDkg('frost-ed25519', 2, 3, { crash: { 3: 0 } });
    expectStalled(run, [1, 2, 3]);
    for (const p of [1, 2]) assert.equal(run.res.sessions.get(p)!.currentRound, 1);
  });

  it('a party crashes in the middle of the run', () => {
    const run = runDkg('frost-ed25519', 2, 4, { crash: { 2: 7 } });
    expectStalled(run, [1, 2, 3, 4]);
  });

  it('a lost round-3 confirmation: the receiver waits without output (the others may finish)', () => {
    const run = runDkg('frost-secp256k1', 2, 3, { faults: [drop(match.and(match.fromTo(1, 2), match.round(3)))] });
    const s2 = run.res.sessions.get(2)!;
    assert.equal(s2.state, 'running');
    assert.equal(s2.result, undefined);
    assert.deepEqual(run.res.stalled, [2]);
    // Parties 1 and 3 received every confirmation; their outputs agree.
    sameOutput([run.res.results.get(1)!, run.res.results.get(3)!]);
  });
});

describe('engine + DKG: early messages are queued', () => {
  it('a round-2 share that arrives before the last round-1 broadcast is kept and used', () => {
    const parties = range(3);
    const [s1, s2, s3] = makeSessions('frost-secp256k1', 2, parties, randomBytes(16)) as [Session<KeyShare>, Session<KeyShare>, Session<KeyShare>];
    const by = new Map<PartyId, Session<KeyShare>>([[1, s1], [2, s2], [3, s3]]);
    const inbox: { from: PartyId; to: PartyId; bytes: Uint8Array }[] = [];
    const post = (from: PartyId, out: Outgoing[]) => {
      for (const o of out) for (const to of o.to === 'all' ? parties.filter((p) => p !== from) : [o.to]) inbox.push({ from, to, bytes: o.bytes });
    };
    const deliver = (pred: (m: { from: PartyId; to: PartyId }) => boolean) => {
      const i = inbox.findIndex(pred);
      assert.ok(i >= 0);
      const [m] = inbox.splice(i, 1);
      const out = by.get(m!.to)!.receive(m!.from, m!.bytes);
      post(m!.to, out);
      return out;
    };
    for (const s of [s1, s2, s3]) post(s.self, s.start());
    // Party 2 completes round 1 and sends its round-2 shares.
    deliver((m) => m.from === 1 && m.to === 2);
    deliver((m) => m.from === 3 && m.to === 2);
    assert.equal(s2.currentRound, 2);
    // Party 3 receives party 2's round-1 broadcast, then party 2's round-2 share (early).
    deliver((m) => m.from === 2 && m.to === 3);
    const early = deliver((m) => m.from === 2 && m.to === 3);
    assert.deepEqual(early, []);
    assert.equal(s3.currentRound, 1);
    assert.equal(s3.state, 'running');
    // Now everything else, in order.
    while (inbox.length > 0) deliver(() => true);
    for (const s of [s1, s2, s3]) assert.equal(s.state, 'done', `${s.self}: ${s.error?.code ?? ''}`);
    sameOutput([s1.result!, s2.result!, s3.result!]);
  });
});
