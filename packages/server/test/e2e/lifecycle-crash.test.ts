/**
 * A node killed (-9) during a refresh, at every point of the two-phase commit and at random times:
 * after the restart the nodes settle (no pending share left), every node holds the same version
 * of the key, and every pair of players signs under the unchanged public key. Real 3-node cluster,
 * SQLite. The deterministic points use the test hook OPENTSM_TEST_CRASH_AT (lifecycle/ids.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type TestCluster, loggedTest } from './harness.js';
import { enc, keyRow, settled, sleep } from './lifecycle-helpers.js';
import { independentVerify } from './verifiers.js';

const PLAYERS = [1, 2, 3];

describe('refresh with a node killed (-9) at any point (SQLite)', () => {
  let tc: TestCluster;
  let keyId: string;
  let publicKey: string;
  const scheme = 'frost-secp256k1';

  before(async () => {
    tc = await startCluster({ nodes: 3, store: 'sqlite', sessionTimeoutMs: 2000 });
    const k = await tc.client().createKey({ scheme, threshold: '2-of-3' });
    keyId = k.keyId;
    publicKey = k.publicKey;
  });
  after(async () => {
    await tc?.stop();
  });
  const test = loggedTest(it, () => tc);

  /** Wait for the nodes to settle; every node on one version; every pair signs. Returns the version. */
  const checkUsable = async (tag: string): Promise<number> => {
    const rows = await settled(tc, keyId, PLAYERS);
    const versions = [...rows.values()].map((r) => r?.version);
    assert.equal(new Set(versions).size, 1, `${tag}: every node on the same version (${versions.join(',')})`);
    for (const r of rows.values()) assert.equal(r?.status, 'active');
    const client = tc.client({ timeoutMs: 10_000 });
    for (const players of [[1, 2], [1, 3], [2, 3]]) {
      const m = enc.encode(`${tag} ${players.join()}`);
      const s = await client.sign({ keyId, message: m, players });
      assert.ok(independentVerify(scheme, publicKey, m, s.signature), `${tag}: signers ${players.join()}`);
    }
    return versions[0]!;
  };


  const refreshAttempt = () =>
    tc
      .client({ timeoutMs: 15_000 })
      .refreshKey(keyId)
      .then(
        () => true,
        () => false,
      );

  // Crash point → whether the refresh must end up committed everywhere.
  const points: [string, boolean][] = [
    ['session-done', false], // no pending share stored by the victim: nobody could commit
    ['pending-stored', true], // every player holds the new share: commit is the only safe outcome
    ['commit-confirmed', true], // the others committed
    ['committed', true],
  ];
  for (const [point, committed] of points) {
    test(`killed at '${point}': ${committed ? 'the new shares everywhere' : 'the old shares everywhere'}`, async () => {
      const v = keyRow(tc, 1, keyId)!.version;
      const victim = PLAYERS[Math.floor(Math.random() * PLAYERS.length)]!;
      await tc.restart(victim, { NODE_ENV: 'test', OPENTSM_TEST_CRASH_AT: point });
      await refreshAttempt();
      await tc.restart(victim); // it killed itself; start it again without the hook
      const after = await checkUsable(`${point}@${victim}`);
      assert.equal(after, committed ? v + 1 : v, `${point}@${victim}: version ${after} (from ${v})`);
    });
  }

  test('killed at random times during refreshes (several iterations)', async () => {
    for (let i = 0; i < 4; i++) {
      const v = keyRow(tc, 1, keyId)!.version;
      const victim = PLAYERS[Math.floor(Math.random() * PLAYERS.length)]!;
      const attempt = refreshAttempt();
      await sleep(Math.floor(Math.random() * 60));
      await tc.kill(victim, 'SIGKILL');
      const ok = await attempt;
      tc.start(victim);
      await tc.waitReady();
      const after = await checkUsable(`random ${i}@${victim}`);
      assert.ok(after === v || after === v + 1, `version ${after} from ${v}`);
      console.log(`# random kill ${i} of node ${victim}: refresh ${ok ? 'reported done' : 'failed'}, ${after === v ? 'old' : 'new'} shares everywhere`);
      if (ok) assert.equal(after, v + 1, 'a refresh reported done is committed everywhere');
    }
    // And the key still refreshes normally afterwards.
    const r = await tc.client().refreshKey(keyId);
    assert.equal(r.publicKey, publicKey);
    await checkUsable('final');
  });
});
