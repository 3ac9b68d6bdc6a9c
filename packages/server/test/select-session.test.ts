/**
 * Presignature pool comparison (src/node/select-session.ts, the leader's pool resync) on the in-memory network: the leader's
 * first proposal that every follower holds is chosen by everyone; none → undefined; concurrent
 * requests reaching the followers in different orders still get distinct ids (the leader's
 * reservations decide); malformed lists abort with MALFORMED_MESSAGE naming the sender; a
 * leader outside the parties is refused; a leader that equivocates makes the followers choose
 * different ids (caught later by the signing context, documented in the module).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, randomBytes, toHex } from '@opentsm/core';
import { match, runNetwork, tamperPayload } from '@opentsm/core/testing';
import { createSelectSession } from '../src/node/select-session.js';

const id = (): string => toHex(randomBytes(32));
const ids = (n: number): string[] => Array.from({ length: n }, id);
const parties = [1, 2, 3];

function run(lists: Record<number, string[]>, opts: Parameters<typeof runNetwork>[1] = {}, leader = 1) {
  const sessionId = randomBytes(16);
  return runNetwork(
    parties.map((self) => createSelectSession({ sessionId, self, parties, leader, candidates: lists[self]! })),
    opts,
  );
}

test('everyone chooses the leader’s first proposal that every follower holds', () => {
  const pool = ids(10);
  const res = run({ 1: [pool[7]!, pool[2]!, pool[5]!], 2: pool, 3: pool.filter((x) => x !== pool[7]) });
  for (const p of parties) assert.equal(res.results.get(p), pool[2], `player ${p}`);
});

test('no proposal held by every follower → undefined for everyone (fallback to presign-then-sign)', () => {
  const pool = ids(6);
  const res = run({ 1: [pool[0]!, pool[1]!], 2: pool.slice(1), 3: [pool[0]!, ...pool.slice(2)] });
  for (const p of parties) {
    assert.equal(res.sessions.get(p)!.state, 'done');
    assert.equal(res.results.get(p), undefined);
  }
  const empty = run({ 1: [], 2: pool, 3: pool });
  for (const p of parties) assert.equal(empty.results.get(p), undefined);
});

test('concurrent requests: followers listing the same pool still get the ids the leader reserved per request', () => {
  const pool = ids(8);
  // The leader reserved pool[0..1] for request A and pool[2..3] for request B; followers list everything.
  const a = run({ 1: pool.slice(0, 2), 2: pool, 3: pool });
  const b = run({ 1: pool.slice(2, 4), 2: pool, 3: pool });
  assert.equal(a.results.get(2), pool[0]);
  assert.equal(b.results.get(3), pool[2]);
  assert.notEqual(a.results.get(1), b.results.get(1));
});

test('a malformed list (truncated id, trailing bytes) aborts with MALFORMED_MESSAGE naming the sender', () => {
  const pool = ids(4);
  for (const fn of [(p: Uint8Array) => p.subarray(0, p.length - 1), (p: Uint8Array) => Uint8Array.of(...p, 0)]) {
    const res = run({ 1: pool.slice(0, 2), 2: pool, 3: pool }, { faults: [tamperPayload(match.from(2), fn)] });
    for (const p of [1, 3]) {
      const s = res.sessions.get(p)!;
      assert.equal(s.state, 'aborted', `player ${p}`);
      assert.equal(s.error?.code, ErrorCode.MALFORMED_MESSAGE);
      assert.deepEqual([...(s.error?.culprits ?? [])], [2]);
    }
  }
});

test('a leader outside the parties and malformed ids are refused at creation', () => {
  assert.throws(() => createSelectSession({ sessionId: randomBytes(16), self: 1, parties, leader: 4, candidates: [] }), /leader/);
  assert.throws(() => createSelectSession({ sessionId: randomBytes(16), self: 2, parties, leader: 1, candidates: ['abcd'] }), /presignature id/);
});

test('an equivocating leader makes followers choose different ids (the signing context then differs)', () => {
  const pool = ids(4);
  const other = ids(1)[0]!;
  // The leader sends follower 3 a list naming pool[1] first instead of pool[0].
  const swap = tamperPayload(match.fromTo(1, 3), (p) => {
    const q = p.slice();
    q.set(p.subarray(33, 65), 1);
    q.set(p.subarray(1, 33), 33);
    return q;
  });
  const res = run({ 1: [pool[0]!, pool[1]!], 2: [...pool, other], 3: [...pool, other] }, { faults: [swap] });
  assert.equal(res.results.get(2), pool[0]);
  assert.equal(res.results.get(3), pool[1]);
});

test('the leader learns which proposals some follower lacks (onUnheld), only when every list is complete', () => {
  const pool = ids(6);
  const unheld: Record<number, string[][]> = {};
  const runWith = (lists: Record<number, string[]>) => {
    for (const p of parties) unheld[p] = [];
    const sessionId = randomBytes(16);
    return runNetwork(
      parties.map((self) => createSelectSession({ sessionId, self, parties, leader: 1, candidates: lists[self]!, onUnheld: (x) => unheld[self]!.push(x) })),
    );
  };
  // Follower 3 restarted (empty pool): no common id, every proposal is unheld, reported to the leader only.
  const res = runWith({ 1: pool.slice(0, 4), 2: pool, 3: [] });
  for (const p of parties) assert.equal(res.results.get(p), undefined);
  assert.deepEqual(unheld[1], [pool.slice(0, 4)]);
  assert.deepEqual(unheld[2], []);
  assert.deepEqual(unheld[3], []);
  // Partly held: the chosen id is still found; the ids some follower lacks are reported.
  const part = runWith({ 1: [pool[0]!, pool[1]!, pool[2]!], 2: pool, 3: [pool[1]!, pool[2]!] });
  assert.equal(part.results.get(1), pool[1]);
  assert.deepEqual(unheld[1], [[pool[0]!]]);
  // Every proposal held: nothing reported.
  runWith({ 1: pool.slice(0, 2), 2: pool, 3: pool });
  assert.deepEqual(unheld[1], []);
  // A follower's list at the cap may be cut: nothing reported (its missing ids may be held).
  const full = ids(255);
  runWith({ 1: [pool[0]!], 2: full, 3: full });
  assert.deepEqual(unheld[1], []);
});
