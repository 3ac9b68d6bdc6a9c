/**
 * Batch signing of ecdsa-hm-sign/v2 (`createEcdsaBatchSignSession`): m items, each with its own
 * presignature, message and tweak, in one run (docs/protocols/ecdsa-honest-majority.md "Batch
 * signing"). Positive runs verify every signature independently (OpenSSL through node:crypto,
 * noble, recovery ids); a batch of one is the single-item protocol on the wire (players running
 * `createEcdsaSignSession` and a batch of one sign together); negative runs check agreement before
 * any share leaves, all-or-nothing output, payload lengths, parameter checks and that every
 * presignature of a batch is consumed whatever happens.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  createEcdsaBatchSignSession,
  createEcdsaSignSession,
  ECDSA_HM_MAX_SIGN_BATCH,
  ECDSA_HM_SIGN_PROTOCOL,
  ecdsaMessageHash,
  presignatureFromBytes,
  presignatureToBytes,
  ProtocolError,
  randomBytes,
  signContextHash,
  transcriptHash,
  type EcdsaScheme,
  type EcdsaSignature,
  type KeyShare,
  type PartyId,
  type Presignature,
  type Session,
} from '../src/index.js';
import { decodeEnvelope } from '../src/engine/codec.js';
import { ecdsaKey } from '../src/protocols/ecdsa-hm/key.js';
import { drop, runNetwork, tamperPayload, type InFlight, type NetworkOptions, type NetworkResult } from '../src/testing/index.js';
import {
  addToScalar,
  defaultArithmetic,
  ECDSA_SCHEMES,
  ecdsaKeys,
  ErrorCode,
  expectAbort,
  expectAllAborted,
  expectPresigned,
  isBroadcast,
  NOBLE,
  recorder,
  runPresign,
  shareOf,
  utf8,
  verifyWithOpenSsl,
} from './helpers/ecdsa.js';

interface Item {
  readonly message: Uint8Array;
  readonly tweak?: bigint;
}

interface BatchRunOptions extends NetworkOptions {
  readonly sessionId?: Uint8Array;
  /** Per-player override of the items (presignatures stay those of `presigs`, by index). */
  readonly itemsFor?: Readonly<Record<PartyId, readonly Item[]>>;
  /** Per-player override of the presignatures. */
  readonly presigsFor?: Readonly<Record<PartyId, readonly Presignature[]>>;
}

/** One batch session per player: item j uses that player's presignature j. */
function runBatch(keys: readonly KeyShare[], presigs: ReadonlyMap<PartyId, readonly Presignature[]>, players: readonly PartyId[], items: readonly Item[], opts: BatchRunOptions = {}) {
  const sessionId = opts.sessionId ?? randomBytes(16);
  const sessions = players.map((p) => {
    const own = opts.itemsFor?.[p] ?? items;
    const ps = opts.presigsFor?.[p] ?? presigs.get(p)!;
    return createEcdsaBatchSignSession({
      sessionId,
      key: shareOf(keys, p),
      items: own.map((it, j) => ({ presignature: ps[j]!, message: it.message, tweak: it.tweak })),
      players,
      arithmetic: defaultArithmetic(p),
    });
  });
  return runNetwork(sessions, opts);
}

/** The signature verifies with OpenSSL (P1363, DER) and noble (low s) under y + ε·G; the recovery id recovers that key. */
function expectValid(scheme: EcdsaScheme, groupKey: Uint8Array, item: Item, sig: EcdsaSignature): void {
  const curve = NOBLE[scheme];
  const tweak = item.tweak ?? 0n;
  const Y = curve.Point.fromBytes(groupKey);
  const expectedKey = tweak === 0n ? Y : Y.add(curve.Point.BASE.multiply(tweak));
  assert.deepEqual(sig.publicKey, expectedKey.toBytes(true), 'publicKey = y + ε·G');
  assert.ok(verifyWithOpenSsl(scheme, sig.publicKey, item.message, sig.signature, sig.der), 'OpenSSL verifies');
  assert.ok(curve.verify(sig.signature, item.message, sig.publicKey, { prehash: true, lowS: true }), 'noble verifies (low s)');
  assert.ok(curve.verify(sig.der, item.message, sig.publicKey, { prehash: true, lowS: true, format: 'der' }), 'noble verifies DER');
  const parsed = curve.Signature.fromBytes(sig.signature, 'compact');
  assert.equal(parsed.hasHighS(), false);
  assert.deepEqual(parsed.addRecoveryBit(sig.recoveryId).recoverPublicKey(sha256(item.message)).toBytes(true), sig.publicKey, 'recovery id recovers the key');
}

/** Every player finished with the same m signatures; each verifies for its item. */
function expectBatchSigned(scheme: EcdsaScheme, keys: readonly KeyShare[], res: NetworkResult<EcdsaSignature[]>, items: readonly Item[]): EcdsaSignature[] {
  let sigs: EcdsaSignature[] | undefined;
  for (const [p, s] of res.sessions) {
    assert.equal(s.state, 'done', `player ${p}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
    if (sigs === undefined) sigs = s.result!;
    else assert.deepEqual(s.result, sigs, 'every player outputs the same signatures');
  }
  assert.ok(sigs !== undefined);
  assert.equal(sigs.length, items.length, 'one signature per item');
  sigs.forEach((sig, j) => expectValid(scheme, keys[0]!.groupKey, items[j]!, sig));
  return sigs;
}

const rOf = (sig: EcdsaSignature): bigint => BigInt('0x' + Buffer.from(sig.signature.subarray(0, 32)).toString('hex'));
const randomTweak = (scheme: EcdsaScheme): bigint => NOBLE[scheme].Point.Fn.create(BigInt('0x' + Buffer.from(randomBytes(32)).toString('hex')));

/** Every presignature is consumed: `used`, and neither factory accepts it again. */
function expectConsumed(keys: readonly KeyShare[], presigs: ReadonlyMap<PartyId, readonly Presignature[]>): void {
  for (const [p, ps] of presigs)
    for (const pre of ps) {
      assert.equal(pre.used, true, `player ${p}: presignature ${pre.index} must be consumed`);
      const players = [...pre.players];
      const used = (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.PRESIGNATURE_USED;
      assert.throws(() => createEcdsaBatchSignSession({ sessionId: randomBytes(8), key: shareOf(keys, p), items: [{ presignature: pre, message: utf8('again') }], players }), used);
      assert.throws(() => createEcdsaSignSession({ sessionId: randomBytes(8), key: shareOf(keys, p), presignature: pre, message: utf8('again'), players }), used);
    }
}

describe('ecdsa-hm batch signing', () => {
  for (const scheme of ECDSA_SCHEMES) {
    describe(scheme, () => {
      for (const [k, n] of [
        [2, 3],
        [3, 5],
      ] as const) {
        it(`${k}-of-${n}: a batch of 5 items (2 tweaked) → 5 signatures that OpenSSL and noble verify, in item order`, () => {
          const keys = ecdsaKeys(scheme, k, n);
          const players = keys[0]!.parties.slice(0, 2 * k - 1);
          const presigs = expectPresigned(runPresign(keys, players, 5));
          const items: Item[] = [
            { message: randomBytes(10) },
            { message: randomBytes(33), tweak: randomTweak(scheme) },
            { message: utf8('third item') },
            { message: randomBytes(200), tweak: 1n },
            { message: new Uint8Array(0) },
          ];
          const sigs = expectBatchSigned(scheme, keys, runBatch(keys, presigs, players, items), items);
          // Item j was signed with presignature j: untweaked r = x(R_j) mod q; tweaked r ≠ x(R_j) (re-randomised).
          const pre = presigs.get(players[0]!)!;
          sigs.forEach((sig, j) => {
            if ((items[j]!.tweak ?? 0n) === 0n) assert.equal(rOf(sig), pre[j]!.r, `item ${j}: r of presignature ${j}`);
            else assert.notEqual(rOf(sig), pre[j]!.r, `item ${j}: re-randomised nonce`);
          });
          assert.equal(new Set(sigs.map((s) => rOf(s).toString())).size, sigs.length, 'distinct nonces');
          expectConsumed(keys, presigs);
        });
      }

      it('a batch of one is the single-item protocol: same context hash, same share length, and it signs together with createEcdsaSignSession players', () => {
        const keys = ecdsaKeys(scheme, 2, 3);
        const players = [1, 2, 3];
        for (const tweak of [0n, randomTweak(scheme)]) {
          const presigs = expectPresigned(runPresign(keys, players, 1));
          const message = randomBytes(40);
          const sessionId = randomBytes(16);
          const rec = recorder();
          // Players 1 and 3 run the single-item factory, player 2 a batch of one.
          const sessions: Session<unknown>[] = players.map((p) => {
            const base = { sessionId, key: shareOf(keys, p), players, arithmetic: defaultArithmetic(p) };
            const presignature = presigs.get(p)![0]!;
            return p === 2
              ? createEcdsaBatchSignSession({ ...base, items: [{ presignature, message, tweak }] })
              : createEcdsaSignSession({ ...base, presignature, message, tweak });
          });
          const res = runNetwork(sessions, { faults: [rec.fault] });
          for (const p of players) assert.equal(res.sessions.get(p)!.state, 'done', `player ${p}: ${res.sessions.get(p)!.error?.message ?? ''}`);
          const batch = res.results.get(2) as EcdsaSignature[];
          assert.equal(batch.length, 1);
          for (const p of [1, 3]) assert.deepEqual(res.results.get(p), batch[0], `player ${p} outputs the batch's signature`);
          expectValid(scheme, keys[0]!.groupKey, { message, tweak }, batch[0]!);
          // The wire: round 1 = signContextHash(...) ‖ ρ_i from every player, round 2 = one 32-byte share.
          const pre = presigs.get(1)![0]!;
          const expected = signContextHash(ecdsaKey(shareOf(keys, 1)), players, pre.id, pre.R, ecdsaMessageHash(scheme, message), tweak, sessionId);
          const r1 = rec.sent.filter((m) => m.env.round === 1 && isBroadcast(m));
          const r2 = rec.sent.filter((m) => m.env.round === 2 && isBroadcast(m));
          assert.equal(r1.length, 6);
          assert.equal(r2.length, 6);
          for (const m of r1) {
            assert.equal(m.env.protocol, ECDSA_HM_SIGN_PROTOCOL);
            assert.equal(m.env.payload.length, 64);
            assert.deepEqual(m.env.payload.subarray(0, 32), expected, `player ${m.from}: context hash = signContextHash`);
          }
          for (const m of r2) assert.equal(m.env.payload.length, 32);
        }
      });

      it('a batch of m ≥ 2 broadcasts H(batch-context, item hashes) ‖ ρ_i once, then m × 32 bytes of shares', () => {
        const keys = ecdsaKeys(scheme, 2, 3);
        const players = [1, 2, 3];
        const presigs = expectPresigned(runPresign(keys, players, 3));
        const items: Item[] = [{ message: utf8('a') }, { message: utf8('b'), tweak: 9n }, { message: utf8('c') }];
        const sessionId = randomBytes(16);
        const rec = recorder();
        expectBatchSigned(scheme, keys, runBatch(keys, presigs, players, items, { sessionId, faults: [rec.fault] }), items);
        const key = ecdsaKey(shareOf(keys, 1));
        const itemHashes = items.map((it, j) => {
          const pre = presigs.get(1)![j]!;
          return signContextHash(key, players, pre.id, pre.R, ecdsaMessageHash(scheme, it.message), it.tweak ?? 0n, sessionId);
        });
        const expected = transcriptHash('opentsm/ecdsa-hm-sign/v2/batch-context', ...itemHashes);
        const r1 = rec.sent.filter((m) => m.env.round === 1 && isBroadcast(m));
        const r2 = rec.sent.filter((m) => m.env.round === 2 && isBroadcast(m));
        assert.equal(r1.length, 6);
        for (const m of r1) {
          assert.equal(m.env.payload.length, 64);
          assert.deepEqual(m.env.payload.subarray(0, 32), expected);
        }
        assert.equal(r2.length, 6);
        for (const m of r2) assert.equal(m.env.payload.length, 32 * items.length);
      });
    });
  }

  it(`${ECDSA_HM_MAX_SIGN_BATCH} items sign in one run (the largest batch)`, () => {
    const scheme: EcdsaScheme = 'ecdsa-secp256k1';
    const keys = ecdsaKeys(scheme, 2, 3);
    const players = [1, 2, 3];
    const presigs = expectPresigned(runPresign(keys, players, ECDSA_HM_MAX_SIGN_BATCH));
    const items: Item[] = Array.from({ length: ECDSA_HM_MAX_SIGN_BATCH }, (_, j) => ({ message: utf8(`item ${j}`), tweak: j % 8 === 0 ? BigInt(j + 1) : undefined }));
    expectBatchSigned(scheme, keys, runBatch(keys, presigs, players, items), items);
    expectConsumed(keys, presigs);
  });
});

const PLAYERS: PartyId[] = [1, 2, 3];
const HONEST: PartyId[] = [1, 3];
const CHEATER = 2;
const honestTo = (to: PartyId, round: number) => (m: InFlight) => m.to === to && m.from !== CHEATER && m.env.round === round && m.env.kind !== 'abort';

for (const scheme of ECDSA_SCHEMES) {
  describe(`ecdsa-hm batch signing negative (${scheme})`, () => {
    const keys = ecdsaKeys(scheme, 2, 3);
    const fresh = (count: number) => expectPresigned(runPresign(keys, PLAYERS, count));
    const items3: Item[] = [{ message: utf8('pay 1') }, { message: utf8('pay 2'), tweak: 5n }, { message: utf8('pay 3') }];

    it('a different message for one item at one player → CONTEXT_MISMATCH everywhere before any share is sent', () => {
      const presigs = fresh(3);
      const rec = recorder();
      const other = [items3[0]!, items3[1]!, { message: utf8('pay 3 to the attacker') }];
      const res = runBatch(keys, presigs, PLAYERS, items3, { itemsFor: { 3: other }, faults: [rec.fault] });
      expectAllAborted(res);
      expectAbort(res, ErrorCode.CONTEXT_MISMATCH, [1, 2], [3]);
      assert.equal(res.sessions.get(3)!.error?.code, ErrorCode.CONTEXT_MISMATCH);
      assert.equal(rec.sent.filter((m) => m.env.round === 2 && isBroadcast(m)).length, 0, 'no share left any player');
      expectConsumed(keys, presigs);
    });

    it('the same items in another order at one player → CONTEXT_MISMATCH before any share is sent', () => {
      const presigs = fresh(2);
      const rec = recorder();
      const items: Item[] = [{ message: utf8('x') }, { message: utf8('y') }];
      const p1 = presigs.get(1)!;
      const res = runBatch(keys, presigs, PLAYERS, items, { itemsFor: { 1: [items[1]!, items[0]!] }, presigsFor: { 1: [p1[1]!, p1[0]!] }, faults: [rec.fault] });
      expectAllAborted(res);
      expectAbort(res, ErrorCode.CONTEXT_MISMATCH, [2, 3], [1]);
      assert.equal(rec.sent.filter((m) => m.env.round === 2 && isBroadcast(m)).length, 0);
      expectConsumed(keys, presigs);
    });

    it('a wrong share for item 2 of 3 → INVALID_SIGNATURE naming item 1 (0-based); nobody outputs any signature', () => {
      const presigs = fresh(3);
      const res = runBatch(keys, presigs, PLAYERS, items3, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 2 && isBroadcast(m), (p) => addToScalar(p, 32)), drop(honestTo(CHEATER, 2))],
      });
      expectAllAborted(res);
      expectAbort(res, ErrorCode.INVALID_SIGNATURE, HONEST);
      for (const p of HONEST) assert.match(res.sessions.get(p)!.error!.message, /^item 1: the combined signature does not verify/);
      expectConsumed(keys, presigs);
    });

    it('a share payload of m − 1 or m + 1 shares → MALFORMED_MESSAGE blaming the sender', () => {
      for (const bad of [(p: Uint8Array) => p.slice(0, 32 * (items3.length - 1)), (p: Uint8Array) => new Uint8Array([...p, ...p.subarray(0, 32)])]) {
        const presigs = fresh(3);
        const res = runBatch(keys, presigs, PLAYERS, items3, {
          faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 2 && isBroadcast(m), bad), drop(honestTo(CHEATER, 2))],
        });
        expectAllAborted(res);
        expectAbort(res, ErrorCode.MALFORMED_MESSAGE, HONEST, [CHEATER]);
        expectConsumed(keys, presigs);
      }
    });

    it('a share ≥ q for one item → INVALID_SCALAR blaming the sender', () => {
      const presigs = fresh(2);
      const q = NOBLE[scheme].Point.Fn.ORDER;
      const qBytes = Uint8Array.from(Buffer.from(q.toString(16).padStart(64, '0'), 'hex'));
      const res = runBatch(keys, presigs, PLAYERS, items3.slice(0, 2), {
        faults: [
          tamperPayload(
            (m) => m.from === CHEATER && m.env.round === 2 && isBroadcast(m),
            (p) => {
              const out = p.slice();
              out.set(qBytes, 32);
              return out;
            },
          ),
          drop(honestTo(CHEATER, 2)),
        ],
      });
      expectAllAborted(res);
      expectAbort(res, ErrorCode.INVALID_SCALAR, HONEST, [CHEATER]);
    });

    it('the same presignature twice in a batch (the object, or a stored copy) → INVALID_PARAMETERS at start; consumed', () => {
      const presigs = fresh(2);
      const p1 = presigs.get(1)!;
      const twice = [p1[0]!, p1[0]!];
      const res = runBatch(keys, presigs, PLAYERS, [{ message: utf8('a') }, { message: utf8('b') }], { presigsFor: { 1: twice } });
      expectAllAborted(res);
      expectAbort(res, ErrorCode.INVALID_PARAMETERS, [1]);
      assert.match(res.sessions.get(1)!.error!.message, /the same presignature appears twice/);
      for (const p of [2, 3]) assert.equal(res.sessions.get(p)!.error?.code, ErrorCode.SESSION_ABORTED, `player ${p} stops on the notice`);
      expectConsumed(keys, new Map([...presigs].map(([p, ps]) => [p, p === 1 ? [ps[0]!] : ps])));
      // A decoded copy has the same id but is another object: both are consumed, the run refused.
      const copy = presignatureFromBytes(presignatureToBytes(p1[1]!));
      const s = createEcdsaBatchSignSession({ sessionId: randomBytes(8), key: shareOf(keys, 1), items: [{ presignature: p1[1]!, message: utf8('a') }, { presignature: copy, message: utf8('b') }], players: PLAYERS });
      s.start();
      assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
      assert.match(s.error.message, /twice/);
      expectConsumed(keys, new Map([[1, [p1[1]!, copy]]]));
    });

    it(`0 or ${ECDSA_HM_MAX_SIGN_BATCH + 1} items → INVALID_PARAMETERS at start; all ${ECDSA_HM_MAX_SIGN_BATCH + 1} presignatures consumed`, () => {
      const ps = fresh(ECDSA_HM_MAX_SIGN_BATCH + 1).get(1)!;
      for (const items of [[], ps.map((presignature, j) => ({ presignature, message: utf8(`m${j}`) }))]) {
        const s = createEcdsaBatchSignSession({ sessionId: randomBytes(8), key: shareOf(keys, 1), items, players: PLAYERS });
        const out = s.start();
        assert.deepEqual(
          out.map((o) => decodeEnvelope(o.bytes).kind),
          ['abort'],
          'only the abort notice is sent',
        );
        assert.equal(s.state, 'aborted');
        assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
        assert.match(s.error.message, new RegExp(`1\\.\\.${ECDSA_HM_MAX_SIGN_BATCH} items \\(got ${items.length}\\)`));
      }
      expectConsumed(keys, new Map([[1, ps]]));
    });

    it('creation consumes every presignature even when one of them was already used (PRESIGNATURE_USED)', () => {
      const ps = fresh(4).get(1)!;
      ps[2]!.discard();
      assert.throws(
        () => createEcdsaBatchSignSession({ sessionId: randomBytes(8), key: shareOf(keys, 1), items: ps.map((presignature) => ({ presignature, message: utf8('m') })), players: PLAYERS }),
        (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.PRESIGNATURE_USED,
      );
      expectConsumed(keys, new Map([[1, ps]]));
    });

    it('an item without a presignature → INVALID_PARAMETERS thrown before anything is consumed', () => {
      const ps = fresh(2).get(1)!;
      const items = [{ presignature: ps[0]!, message: utf8('m') }, { presignature: {} as Presignature, message: utf8('m') }, { presignature: ps[1]!, message: utf8('m') }];
      assert.throws(
        () => createEcdsaBatchSignSession({ sessionId: randomBytes(8), key: shareOf(keys, 1), items, players: PLAYERS }),
        (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS && /item 1: not a presignature/.test(e.message),
      );
      assert.equal(ps[0]!.used, false);
      assert.equal(ps[1]!.used, false);
      for (const p of ps) p.discard();
    });

    it('a per-item parameter error (tweak ≥ q, presignature of another player set) aborts the whole run at start; every presignature consumed', () => {
      const presigs = fresh(3);
      const q = NOBLE[scheme].Point.Fn.ORDER;
      const res = runBatch(keys, presigs, PLAYERS, items3, { itemsFor: { 3: [items3[0]!, { message: utf8('pay 2'), tweak: q }, items3[2]!] } });
      expectAllAborted(res);
      expectAbort(res, ErrorCode.INVALID_PARAMETERS, [3]);
      assert.match(res.sessions.get(3)!.error!.message, /^item 1: tweak must be a bigint in \[0, q\)/);
      expectConsumed(keys, presigs);

      const k25 = ecdsaKeys(scheme, 2, 5);
      const a = expectPresigned(runPresign(k25, [1, 2, 3], 1)).get(1)!;
      const b = expectPresigned(runPresign(k25, [1, 2, 4], 1)).get(1)!;
      const s = createEcdsaBatchSignSession({ sessionId: randomBytes(8), key: shareOf(k25, 1), items: [{ presignature: a[0]!, message: utf8('m') }, { presignature: b[0]!, message: utf8('m') }], players: [1, 2, 3] });
      s.start();
      assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
      assert.match(s.error.message, /^item 1: the presignature was made by players 1,2,4/);
      assert.equal(a[0]!.used, true);
      assert.equal(b[0]!.used, true);
    });
  });
}
