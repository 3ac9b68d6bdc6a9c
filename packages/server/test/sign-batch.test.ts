/**
 * Batched honest-majority signing messages (src/node/ecdsa/sign-batch.ts): the proposal encoding
 * is strict (sizes, repeated ids, trailing bytes), the per-item outcome rule, and the ACCEPT round
 * on the in-memory network — every player ends with everyone's statuses in party order; a player
 * that answers another proposal (an equivocating leader), a wrong item count or an unknown status
 * makes the others abort naming it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, randomBytes, toHex } from '@opentsm/core';
import { match, runNetwork, tamperPayload } from '@opentsm/core/testing';
import {
  createAcceptSession,
  decodeProposal,
  encodeProposal,
  ItemStatus,
  itemDigest,
  itemOutcomes,
  proposalHash,
  type BatchProposal,
} from '../src/node/ecdsa/sign-batch.js';

const hex = (): string => toHex(randomBytes(32));
const parties = [1, 2, 3];

function proposal(m: number, inline: number[] = []): BatchProposal {
  return {
    keyId: `key_${'ab'.repeat(16)}`,
    set: '1,2,3',
    batchId: randomBytes(32),
    items: Array.from({ length: m }, (_, i) => ({ sid: hex(), digest: hex(), presigId: inline.includes(i) ? undefined : hex() })),
  };
}

test('a proposal round-trips, inline items included', () => {
  const p = proposal(5, [1, 3]);
  const back = decodeProposal(encodeProposal(p));
  assert.equal(back.keyId, p.keyId);
  assert.equal(back.set, p.set);
  assert.deepEqual([...back.batchId], [...p.batchId]);
  assert.deepEqual(back.items, p.items);
  assert.deepEqual([...proposalHash(back)], [...proposalHash(p)]);
});

test('malformed proposals are refused: no items, more than 64, a request or presignature twice, trailing or missing bytes', () => {
  const bad = (p: BatchProposal | Uint8Array): void => {
    assert.throws(() => decodeProposal(p instanceof Uint8Array ? p : encodeProposal(p)), (e: unknown) => (e as { code?: string }).code === ErrorCode.MALFORMED_MESSAGE);
  };
  bad({ ...proposal(1), items: [] });
  bad(proposal(65));
  const p = proposal(3);
  bad({ ...p, items: [p.items[0]!, { ...p.items[1]!, sid: p.items[0]!.sid }] });
  bad({ ...p, items: [p.items[0]!, { ...p.items[1]!, presigId: p.items[0]!.presigId }] });
  const bytes = encodeProposal(p);
  bad(Uint8Array.of(...bytes, 0));
  bad(bytes.subarray(0, bytes.length - 1));
  // Two inline items (no presignature) are not a repeated presignature.
  assert.equal(decodeProposal(encodeProposal(proposal(3, [0, 2]))).items.length, 3);
});

test('the item digest binds the message and the tweak', () => {
  const m = Uint8Array.of(1, 2, 3);
  const t0 = new Uint8Array(32);
  const t1 = new Uint8Array(32);
  t1[31] = 1;
  assert.equal(itemDigest(m, t0), itemDigest(Uint8Array.of(1, 2, 3), new Uint8Array(32)));
  assert.notEqual(itemDigest(m, t0), itemDigest(m, t1));
  assert.notEqual(itemDigest(m, t0), itemDigest(Uint8Array.of(1, 2, 4), t0));
});

test('outcome per item: any MISMATCH fails it, else any UNKNOWN or UNHELD retries it, else it is signed', () => {
  const { OK, UNKNOWN, MISMATCH, UNHELD } = ItemStatus;
  const out = itemOutcomes(
    [
      [OK, OK, OK, OK, OK],
      [OK, UNKNOWN, MISMATCH, UNHELD, UNHELD],
      [OK, UNHELD, UNKNOWN, OK, UNKNOWN],
    ],
    5,
  );
  assert.deepEqual(out, ['sign', 'unknown', 'mismatch', 'unheld', 'unknown']);
});

function accept(p: BatchProposal, statuses: Record<number, ItemStatus[]>, opts: Parameters<typeof runNetwork>[1] = {}, hashes: Record<number, Uint8Array> = {}) {
  return runNetwork(
    parties.map((self) => createAcceptSession({ batchId: p.batchId, self, parties, proposalHash: hashes[self] ?? proposalHash(p), statuses: statuses[self]! })),
    opts,
  );
}

test('ACCEPT: every player gets every player’s statuses, in party order', () => {
  const p = proposal(3);
  const { OK, UNKNOWN, UNHELD } = ItemStatus;
  const st = { 1: [OK, OK, OK], 2: [OK, UNKNOWN, OK], 3: [OK, OK, UNHELD] };
  const res = accept(p, st);
  for (const q of parties) {
    assert.equal(res.sessions.get(q)!.state, 'done', `player ${q}`);
    assert.deepEqual(res.results.get(q), [st[1], st[2], st[3]]);
  }
});

test('ACCEPT: a player that received another proposal (equivocating leader) makes the others abort with CONTEXT_MISMATCH naming it', () => {
  const p = proposal(2);
  const other: BatchProposal = { ...p, items: [p.items[1]!, p.items[0]!] };
  const ok = [ItemStatus.OK, ItemStatus.OK];
  const res = accept(p, { 1: ok, 2: ok, 3: ok }, {}, { 3: proposalHash(other) });
  for (const q of [1, 2]) {
    const s = res.sessions.get(q)!;
    assert.equal(s.state, 'aborted', `player ${q}`);
    assert.equal(s.error?.code, ErrorCode.CONTEXT_MISMATCH);
    assert.deepEqual([...(s.error?.culprits ?? [])], [3]);
    assert.equal(res.results.get(q), undefined);
  }
});

test('ACCEPT: a wrong item count, an unknown status or trailing bytes abort naming the sender', () => {
  const p = proposal(2);
  const ok = [ItemStatus.OK, ItemStatus.OK];
  const cases: [(b: Uint8Array) => Uint8Array, string][] = [
    [(b) => Uint8Array.of(...b.subarray(0, 32), 1, b[33]!), ErrorCode.CONTEXT_MISMATCH],
    [(b) => Uint8Array.of(...b.subarray(0, 34), 4), ErrorCode.MALFORMED_MESSAGE],
    [(b) => Uint8Array.of(...b, 0), ErrorCode.MALFORMED_MESSAGE],
  ];
  for (const [fn, code] of cases) {
    const res = accept(p, { 1: ok, 2: ok, 3: ok }, { faults: [tamperPayload(match.from(2), fn)] });
    for (const q of [1, 3]) {
      const s = res.sessions.get(q)!;
      assert.equal(s.state, 'aborted', `player ${q}`);
      assert.equal(s.error?.code, code);
      assert.deepEqual([...(s.error?.culprits ?? [])], [2]);
    }
  }
});
