/**
 * The follower's checks on a batch proposal (src/node/ecdsa/hm-signer.ts, `rpc:hm-sign-batch`),
 * with stubbed node services: a proposal is acted on (presignatures taken, ACCEPT round run) only
 * when it comes from the set's leader, names the canonical player set with this node in it, an
 * active honest-majority key, and decodes strictly; anything else is dropped and changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, toHex } from '@opentsm/core';
import { HmBatchSigner, RPC_SIGN_BATCH } from '../src/node/ecdsa/hm-signer.js';
import { encodeProposal, type BatchProposal } from '../src/node/ecdsa/sign-batch.js';
import type { NodeServices } from '../src/node/services.js';
import type { KeyRow } from '../src/node/store-port.js';

const KEY = `key_${'ab'.repeat(16)}`;

function row(over: Partial<KeyRow> = {}): KeyRow {
  return {
    keyId: KEY,
    applicationId: 'app_1',
    scheme: 'ecdsa-secp256k1',
    threshold: 2,
    parties: [1, 2, 3],
    publicKey: '02' + 'cd'.repeat(32),
    status: 'active',
    version: 1,
    sealedShare: new Uint8Array(1),
    createdAt: new Date(0).toISOString(),
    protocol: 'honest-majority',
    ...over,
  };
}

/** A follower (player 2) on stubs; `calls` records every store / protocol action it takes. */
function follower(keyRow: KeyRow | undefined) {
  const calls: string[] = [];
  let handler: ((from: number, ch: string, payload: Uint8Array) => void) | undefined;
  const s = {
    player: 2,
    sessionTimeoutMs: 1000,
    mux: {
      route: (prefix: string, h: (from: number, ch: string, payload: Uint8Array) => void) => {
        if (prefix === RPC_SIGN_BATCH) handler = h;
      },
      send: () => calls.push('send'),
      isConnected: () => true,
    },
    shareStore: {
      getKeyById: async () => (keyRow ? { ...keyRow, createdAt: 0 } : undefined),
      takePresignatures: async () => (calls.push('take'), new Map()),
    },
    keys: { loadKey: async () => (calls.push('load'), { row: keyRow, share: {} }) },
    runner: { run: async () => (calls.push('accept'), [[1], [1], [1]]) },
    store: { audit: async () => undefined },
    metrics: { errors: { inc: () => undefined }, presignatures: { inc: () => undefined }, signBatchItems: { observe: () => undefined } },
    log: { info: () => undefined, warn: () => undefined },
  } as unknown as NodeServices;
  // The canonical set of a 2-of-3 key: its players sorted, exactly 3 of them (hm-service checkPlayers).
  const checkPlayers = (r: KeyRow, players: number[]) => {
    const sorted = [...players].sort((a, b) => a - b);
    if (sorted.length !== 3 || sorted.some((p) => !r.parties.includes(p))) throw new Error('not a valid set');
    return sorted;
  };
  new HmBatchSigner(s, { used: () => undefined, unheld: () => undefined }, checkPlayers);
  /** Deliver a proposal; wait until `done(calls)` (at most 3 s), or 400 ms when nothing is expected (past the 50 ms arrival wait). */
  const deliver = async (from: number, payload: Uint8Array, done?: (c: string[]) => boolean) => {
    handler!(from, RPC_SIGN_BATCH, payload);
    const until = Date.now() + (done ? 3000 : 400);
    while (Date.now() < until && !(done?.(calls) ?? false)) await new Promise((r) => setTimeout(r, 20));
  };
  return { calls, deliver };
}

const proposal = (over: Partial<BatchProposal> = {}): BatchProposal => ({
  keyId: KEY,
  set: '1,2,3',
  batchId: randomBytes(32),
  items: [{ sid: toHex(randomBytes(32)), digest: toHex(randomBytes(32)), presigId: toHex(randomBytes(32)) }],
  ...over,
});

test('a sound proposal from the set’s leader: the presignatures are taken, then the ACCEPT round runs', async () => {
  const f = follower(row());
  await f.deliver(1, encodeProposal(proposal()), (c) => c.includes('accept'));
  assert.deepEqual(f.calls, ['take', 'load', 'accept']);
});

test('dropped without any action: another sender than the leader, a non-canonical or foreign set, a bad key, a malformed payload', async () => {
  const cases: [string, KeyRow | undefined, number, Uint8Array][] = [
    ['from a player that is not the set’s leader', row(), 3, encodeProposal(proposal())],
    ['unsorted set', row(), 1, encodeProposal(proposal({ set: '1,3,2' }))],
    ['a set without this node', row({ parties: [1, 3, 4] }), 1, encodeProposal(proposal({ set: '1,3,4' }))],
    ['a set of the wrong size', row(), 1, encodeProposal(proposal({ set: '1,2' }))],
    ['a malformed key id', row(), 1, encodeProposal(proposal({ keyId: 'key_../../x' }))],
    ['an unknown key', undefined, 1, encodeProposal(proposal())],
    ['a key that is not active', row({ status: 'pending' }), 1, encodeProposal(proposal())],
    ['a DKLs23 key', row({ protocol: 'dkls23' }), 1, encodeProposal(proposal())],
    ['trailing bytes', row(), 1, Uint8Array.of(...encodeProposal(proposal()), 0)],
    ['truncated', row(), 1, encodeProposal(proposal()).subarray(0, 40)],
  ];
  for (const [what, keyRow, from, payload] of cases) {
    const f = follower(keyRow);
    await f.deliver(from, payload);
    assert.deepEqual(f.calls, [], what);
  }
});
