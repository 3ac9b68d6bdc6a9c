/**
 * Negative tests of ecdsa-hm-presign/v1 and ecdsa-hm-sign/v2 through the in-memory network with
 * faults (protocols.md §2.5, §2.6; security-checklist.md A2, A3, B3, C1, F1, F3). Each bad
 * message aborts the run: the honest players abort with the expected code, nobody outputs a
 * presignature or a signature, and presignatures are never usable again.
 *
 * Player 2 misbehaves. `maliciousBroadcast` models a player that sends the same wrong value to
 * everyone and echoes it consistently (so the protocol's own check, not the engine's echo, must
 * catch it); `tamperPayload` on one recipient models equivocation or a wrong private share.
 * In the last round nothing is echoed afterwards and a player whose own messages were altered on
 * the wire sees a consistent view; those tests hold back the honest last-round messages to player
 * 2, so that it aborts on the abort notices (the cheater's own outcome is not a property of the
 * protocol: a malicious player can always compute what it likes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createEcdsaSignSession,
  createPresignSession,
  ErrorCode,
  presignatureFromBytes,
  presignatureToBytes,
  ProtocolError,
  randomBytes,
  type EcdsaScheme,
  type KeyShare,
  type PartyId,
  type Presignature,
} from '../src/index.js';
import { drop, runNetwork, tamperPayload, type InFlight } from '../src/testing/index.js';
import {
  addToScalar,
  ECDSA_SCHEMES,
  ecdsaKeys,
  expectAbort,
  expectAllAborted,
  expectPresigned,
  isBroadcast,
  maliciousBroadcast,
  pick,
  recorder,
  runPresign,
  runSign,
  SCALAR_OF_Q,
  shiftPoint,
  utf8,
  WIRE_POINT as POINT,
} from './helpers/ecdsa.js';

const PLAYERS: PartyId[] = [1, 2, 3];
const HONEST: PartyId[] = [1, 3];
const CHEATER = 2;
const MSG = utf8('transfer 10 ETH to 0xabc');
const SCALAR = 32;

/** Offsets inside presigning payloads (docs/protocols/ecdsa-honest-majority.md "Messages"). */
const dealingOffset = (index: number, field: 'k' | 'a' | 'b' | 'd' | 'e'): number => 32 + 160 * index + SCALAR * ['k', 'a', 'b', 'd', 'e'].indexOf(field);
const ROffset = (index: number): number => (POINT + SCALAR) * index;
const wOffset = (index: number): number => (POINT + SCALAR) * index + POINT;

const honestTo = (to: PartyId, round: number) => (m: InFlight) => m.to === to && m.from !== CHEATER && m.env.round === round && m.env.kind !== 'abort';

function keys(scheme: EcdsaScheme) {
  return ecdsaKeys(scheme, 2, 3);
}

/** Every presignature is consumed and cannot start another signing session. */
function expectConsumed(presigs: ReadonlyMap<PartyId, Presignature>, scheme: EcdsaScheme): void {
  for (const [p, pre] of presigs) {
    assert.equal(pre.used, true, `player ${p}'s presignature must be consumed`);
    assert.throws(
      () => createEcdsaSignSession({ sessionId: randomBytes(8), key: keys(scheme).find((k) => k.self === p)!, presignature: pre, message: MSG, players: PLAYERS }),
      (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.PRESIGNATURE_USED,
    );
  }
}

for (const scheme of ECDSA_SCHEMES) {
  describe(`ecdsa-hm negative (${scheme}): presigning`, () => {
    for (const field of ['k', 'a'] as const) {
      it(`inconsistent RandSS dealing of ${field} (one share off the dealer's polynomial) → INCONSISTENT_SHARES everywhere`, () => {
        // Dealer 2 sends player 3 a share of presignature 1 that is not on its polynomial.
        const run = runPresign(keys(scheme), PLAYERS, 2, {
          faults: [tamperPayload((m) => m.from === CHEATER && m.to === 3 && m.env.round === 1, (p) => addToScalar(p, dealingOffset(1, field)))],
        });
        expectAllAborted(run.res);
        expectAbort(run.res, ErrorCode.INCONSISTENT_SHARES, PLAYERS);
        for (const p of PLAYERS) assert.equal(run.res.sessions.get(p)!.error?.round, field === 'k' ? 2 : 3);
      });
    }

    it('a ZeroSS dealing of b with a non-zero constant → w·G ≠ W → INCONSISTENT_SHARES', () => {
      const run = runPresign(keys(scheme), PLAYERS, 1, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.to === 1 && m.env.round === 1, (p) => addToScalar(p, dealingOffset(0, 'b')))],
      });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.INCONSISTENT_SHARES, PLAYERS);
      assert.match(run.res.sessions.get(3)!.error!.message, /opened w does not match W/);
    });

    it('a wrong R_i (the same to everyone) → INCONSISTENT_SHARES at the honest players', () => {
      const run = runPresign(keys(scheme), PLAYERS, 2, { faults: [maliciousBroadcast(CHEATER, 2, (p) => shiftPoint(scheme, p, ROffset(1)))] });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.INCONSISTENT_SHARES, HONEST);
      assert.match(run.res.sessions.get(1)!.error!.message, /nonce shares R_j are not consistent/);
    });

    it('a wrong w_i (the same to everyone) → w·G ≠ W → INCONSISTENT_SHARES at the honest players', () => {
      const run = runPresign(keys(scheme), PLAYERS, 2, {
        faults: [maliciousBroadcast(CHEATER, 2, (p) => addToScalar(p, wOffset(0))), drop(honestTo(CHEATER, 3))],
      });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.INCONSISTENT_SHARES, HONEST);
      assert.match(run.res.sessions.get(3)!.error!.message, /opened w does not match W/);
    });

    it('a wrong W_i (last round) → INCONSISTENT_SHARES at the honest players', () => {
      const run = runPresign(keys(scheme), PLAYERS, 3, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 3 && isBroadcast(m), (p) => shiftPoint(scheme, p, POINT * 2)), drop(honestTo(CHEATER, 3))],
      });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.INCONSISTENT_SHARES, HONEST);
      assert.match(run.res.sessions.get(1)!.error!.message, /W_j = a_j·R are not consistent/);
    });

    it('equivocation: different (R_i, w_i) broadcasts to different players → ECHO_MISMATCH', () => {
      const run = runPresign(keys(scheme), PLAYERS, 1, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.to === 3 && m.env.round === 2, (p) => addToScalar(p, wOffset(0)))],
      });
      expectAllAborted(run.res);
      for (const p of HONEST) assert.equal(run.res.sessions.get(p)!.error?.code, ErrorCode.ECHO_MISMATCH, `player ${p}`);
    });

    it('invalid encodings are rejected at the wire boundary and blame the sender (B3, C1)', () => {
      const q = SCALAR_OF_Q[scheme];
      const qBytes = Uint8Array.from(Buffer.from(q.toString(16).padStart(64, '0'), 'hex'));
      const overQ = runPresign(keys(scheme), PLAYERS, 1, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.to === 1 && m.env.round === 1, (p) => (p.set(qBytes, dealingOffset(0, 'e')), p))],
      });
      expectAbort(overQ.res, ErrorCode.INVALID_SCALAR, [1], [CHEATER]);
      // The identity has no SEC1 uncompressed encoding; 04 ‖ 0…0 is the (0, 0) convention some
      // libraries use for it (noble maps affine (0, 0) to the identity): rejected as off the curve.
      const identity = runPresign(keys(scheme), PLAYERS, 1, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 2, (p) => (p.set(Uint8Array.of(4, ...new Uint8Array(POINT - 1)), ROffset(0)), p))],
      });
      expectAbort(identity.res, ErrorCode.INVALID_POINT, HONEST, [CHEATER]);
      // A wrong prefix (here 65 zero bytes: SEC1's 00 prefix is a 1-byte encoding of the identity).
      const prefix = runPresign(keys(scheme), PLAYERS, 1, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 2, (p) => (p.set(new Uint8Array(POINT), ROffset(0)), p))],
      });
      expectAbort(prefix.res, ErrorCode.INVALID_POINT, HONEST, [CHEATER]);
      const short = runPresign(keys(scheme), PLAYERS, 2, { faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 3, (p) => p.subarray(0, POINT))] });
      expectAbort(short.res, ErrorCode.MALFORMED_MESSAGE, HONEST, [CHEATER]);
      for (const r of [overQ, identity, prefix, short]) for (const p of HONEST) assert.equal(r.res.results.has(p), false, `player ${p} has no presignatures`);
    });

    it('a player set of size ≠ 2t+1 aborts with the 2k−1 rule; a different batch size at one player → CONTEXT_MISMATCH', () => {
      const k24 = ecdsaKeys(scheme, 2, 4);
      // Everyone asks for all 4 players of a 2-of-4 key.
      const four = runPresign(k24, [1, 2, 3, 4], 1);
      expectAllAborted(four.res);
      for (const s of four.res.sessions.values()) {
        assert.ok(s.error?.code === ErrorCode.INVALID_PARAMETERS || s.error?.code === ErrorCode.SESSION_ABORTED);
      }
      expectAbort(four.res, ErrorCode.INVALID_PARAMETERS, [1]);
      assert.match(four.res.sessions.get(1)!.error!.message, /2-of-4 ECDSA key needs 3 players online \(2k−1\)/);
      // One player is misconfigured with a 4-player set: its session refuses, the others stop.
      const one = runPresign(k24, [1, 2, 3], 1, { playersFor: { 3: [1, 2, 3, 4] } });
      expectAllAborted(one.res);
      expectAbort(one.res, ErrorCode.INVALID_PARAMETERS, [3]);
      // Two players only.
      const two = runPresign(k24, [1, 2], 1);
      expectAllAborted(two.res);
      expectAbort(two.res, ErrorCode.INVALID_PARAMETERS, [1, 2]);
      // Same players, different batch size at player 3.
      const batch = runPresign(keys(scheme), PLAYERS, 2, { countFor: { 3: 3 } });
      expectAllAborted(batch.res);
      expectAbort(batch.res, ErrorCode.CONTEXT_MISMATCH, [1, 2], [3]);
    });
  });

  describe(`ecdsa-hm negative (${scheme}): signing`, () => {
    function fresh(count = 1): Map<PartyId, Presignature[]> {
      return expectPresigned(runPresign(keys(scheme), PLAYERS, count));
    }
    const keyOf = (p: PartyId): KeyShare => keys(scheme).find((k) => k.self === p)!;

    it('a wrong s_i → the signature does not verify → INVALID_SIGNATURE; nobody outputs; presignatures consumed', () => {
      const presigs = pick(fresh(), 0);
      const run = runSign(keys(scheme), presigs, PLAYERS, MSG, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 2 && isBroadcast(m), (p) => addToScalar(p, 0)), drop(honestTo(CHEATER, 2))],
      });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.INVALID_SIGNATURE, HONEST);
      expectConsumed(presigs, scheme);
    });

    it('a different message hash at one player → CONTEXT_MISMATCH before any signature share is released', () => {
      const presigs = pick(fresh(), 0);
      const rec = recorder();
      const run = runSign(keys(scheme), presigs, PLAYERS, MSG, { messageFor: { 3: utf8('transfer 10 ETH to 0xevil') }, faults: [rec.fault] });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.CONTEXT_MISMATCH, [1, 2], [3]);
      expectAbort(run.res, ErrorCode.CONTEXT_MISMATCH, [3], [1]);
      assert.equal(rec.sent.filter((m) => m.env.round === 2 && m.env.kind === 'broadcast').length, 0, 'no s_i left any player');
      expectConsumed(presigs, scheme);
    });

    it('a different tweak at one player → CONTEXT_MISMATCH before any share is released', () => {
      const presigs = pick(fresh(), 0);
      const rec = recorder();
      const run = runSign(keys(scheme), presigs, PLAYERS, MSG, { tweak: 5n, tweakFor: { 1: 6n }, faults: [rec.fault] });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.CONTEXT_MISMATCH, [2, 3], [1]);
      assert.equal(rec.sent.filter((m) => m.env.round === 2 && m.env.kind === 'broadcast').length, 0);
    });

    it('equivocation of the round-1 broadcast (different ρ to different players, with a tweak) → ECHO_MISMATCH, no signature', () => {
      const presigs = pick(fresh(), 0);
      const run = runSign(keys(scheme), presigs, PLAYERS, MSG, {
        tweak: 77n,
        faults: [tamperPayload((m) => m.from === CHEATER && m.to === 3 && m.env.round === 1 && isBroadcast(m), (p) => addToScalar(p, 32))],
      });
      expectAllAborted(run.res);
      for (const p of HONEST) assert.equal(run.res.sessions.get(p)!.error?.code, ErrorCode.ECHO_MISMATCH, `player ${p}`);
      expectConsumed(presigs, scheme);
    });

    it('a presignature is used at most once: after success, after an abort, and a replaying player finds no partner', () => {
      const batch = fresh(2);
      const first = pick(batch, 0);
      // A malicious player 2 keeps a copy of its presignature (the storage encoding) before the first use.
      const kept = presignatureToBytes(first.get(CHEATER)!);
      const signed = runSign(keys(scheme), first, PLAYERS, MSG);
      assert.equal(signed.res.results.size, PLAYERS.length, 'the first use signs');
      expectConsumed(first, scheme);
      // Aborted run (one player got another message): still consumed.
      const second = pick(batch, 1);
      const aborted = runSign(keys(scheme), second, PLAYERS, MSG, { messageFor: { 1: utf8('other') } });
      expectAllAborted(aborted.res);
      expectConsumed(second, scheme);
      // Player 2 replays its kept copy for another message: the copy is usable on its side, but the
      // honest players' presignatures are consumed, so they cannot join (PRESIGNATURE_USED) and
      // nothing is signed; player 2 waits alone and never sees a share.
      const copy = presignatureFromBytes(kept);
      assert.equal(copy.idHex, first.get(CHEATER)!.idHex);
      assert.equal(copy.used, false);
      const replayId = randomBytes(8);
      const other = utf8('second message');
      const cheater = createEcdsaSignSession({ sessionId: replayId, key: keyOf(CHEATER), presignature: copy, message: other, players: PLAYERS });
      for (const p of HONEST)
        assert.throws(
          () => createEcdsaSignSession({ sessionId: replayId, key: keyOf(p), presignature: first.get(p)!, message: other, players: PLAYERS }),
          (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.PRESIGNATURE_USED,
          `player ${p} refuses to reuse its presignature`,
        );
      const rec = recorder();
      const replay = runNetwork([cheater], { faults: [rec.fault] });
      assert.equal(replay.results.size, 0, 'no signature');
      assert.equal(cheater.result, undefined);
      assert.deepEqual(replay.stalled, [CHEATER]);
      assert.equal(rec.sent.filter((m) => m.env.round === 2).length, 0, 'no signature share was sent');
      assert.ok(rec.sent.every((m) => m.from === CHEATER));
    });

    it('players whose presignatures have the same id but different R → CONTEXT_MISMATCH before any share is released', () => {
      const presigs = pick(fresh(), 0);
      const other = fresh().get(3)![0]!; // another valid nonce point
      // Player 3's stored presignature: same fields and id, R patched (the id does not cover R, so
      // presignatureFromBytes accepts it; r is recomputed from the new R, nothing else).
      const bytes = presignatureToBytes(presigs.get(3)!);
      const RAt = bytes.length - 32 - 4 * SCALAR - other.R.length;
      assert.deepEqual(bytes.subarray(RAt, RAt + other.R.length), presigs.get(3)!.R);
      bytes.set(other.R, RAt);
      const patched = presignatureFromBytes(bytes);
      assert.equal(patched.idHex, presigs.get(3)!.idHex, 'same id');
      assert.notDeepEqual(patched.R, presigs.get(3)!.R, 'different R');
      presigs.get(3)!.discard();
      other.discard();
      presigs.set(3, patched);
      const rec = recorder();
      const run = runSign(keys(scheme), presigs, PLAYERS, MSG, { faults: [rec.fault] });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.CONTEXT_MISMATCH, [1, 2], [3]);
      expectAbort(run.res, ErrorCode.CONTEXT_MISMATCH, [3], [1]);
      assert.equal(rec.sent.filter((m) => m.env.round === 2 && m.env.kind === 'broadcast').length, 0, 'no s_i left any player');
      expectConsumed(presigs, scheme);
    });

    it('a player set of size ≠ 2t+1, another player set, another key: refused at start, presignature consumed', () => {
      const k24 = ecdsaKeys(scheme, 2, 4);
      const ps = expectPresigned(runPresign(k24, [1, 2, 3], 1));
      const other = expectPresigned(runPresign(k24, [1, 2, 4], 2));
      // Four players, player 4 with a presignature of the {1,2,4} run: every session refuses.
      const four = runSign(k24, new Map([...pick(ps, 0), [4, other.get(4)![1]!]]), [1, 2, 3, 4], MSG);
      expectAllAborted(four.res);
      for (const p of [1, 2, 3, 4]) assert.equal(four.res.sessions.get(p)!.error?.code, ErrorCode.INVALID_PARAMETERS, `player ${p}`);
      assert.match(four.res.sessions.get(1)!.error!.message, /2-of-4 ECDSA key needs 3 players online \(2k−1\)/);
      expectConsumed(new Map([...pick(ps, 0)]), scheme);
      assert.equal(other.get(4)![1]!.used, true);

      const s = createEcdsaSignSession({ sessionId: randomBytes(8), key: k24[0]!, presignature: other.get(1)![0]!, message: MSG, players: [1, 2, 3] });
      s.start();
      assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
      assert.match(s.error.message, /made by players 1,2,4/);
      assert.equal(other.get(1)![0]!.used, true);

      const foreign = fresh().get(1)![0]!; // a presignature of the 2-of-3 key
      const t = createEcdsaSignSession({ sessionId: randomBytes(8), key: k24[0]!, presignature: foreign, message: MSG, players: [1, 2, 3] });
      t.start();
      assert.equal(t.error?.code, ErrorCode.INVALID_PARAMETERS);
      assert.match(t.error.message, /another key/);
      for (const q of [1, 2, 4]) for (const x of other.get(q)!) x.discard();
    });

    it('a signature share ≥ q is rejected at the wire boundary and blames the sender (B3)', () => {
      const q = SCALAR_OF_Q[scheme];
      const qBytes = Uint8Array.from(Buffer.from(q.toString(16).padStart(64, '0'), 'hex'));
      const run = runSign(keys(scheme), pick(fresh(), 0), PLAYERS, MSG, {
        faults: [tamperPayload((m) => m.from === CHEATER && m.env.round === 2 && isBroadcast(m), () => qBytes.slice()), drop(honestTo(CHEATER, 2))],
      });
      expectAllAborted(run.res);
      expectAbort(run.res, ErrorCode.INVALID_SCALAR, HONEST, [CHEATER]);
    });
  });
}

describe('ecdsa-hm negative: API misuse', () => {
  it('createPresignSession / createEcdsaSignSession refuse non-ECDSA keys and bad counts at start', () => {
    const k = ecdsaKeys('ecdsa-secp256k1', 2, 3);
    for (const count of [0, 257, 1.5]) {
      const s = createPresignSession({ sessionId: randomBytes(8), key: k[0]!, players: PLAYERS, count });
      s.start();
      assert.equal(s.error?.code, ErrorCode.INVALID_PARAMETERS);
      assert.match(s.error.message, /count/);
    }
    const frostKey = { ...k[0]!, scheme: 'frost-secp256k1' as const };
    const f = createPresignSession({ sessionId: randomBytes(8), key: frostKey, players: PLAYERS, count: 1 });
    f.start();
    assert.equal(f.error?.code, ErrorCode.INVALID_PARAMETERS);
    assert.match(f.error.message, /not an ECDSA scheme/);
    assert.throws(
      () => createEcdsaSignSession({ sessionId: randomBytes(8), key: k[0]!, presignature: {} as Presignature, message: MSG, players: PLAYERS }),
      (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS,
    );
  });
});
