/**
 * Negative tests: one (or more) per security-checklist item that applies to the DKG. Every bad
 * message goes through the in-memory network and the real wire codec. Each test asserts that the
 * parties that received the bad message aborted with the right code naming the culprit, and that
 * no session (honest or not) holds a result.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createDkgSession,
  decodeEnvelope,
  dkgContext,
  encodeEnvelope,
  ErrorCode,
  getSuite,
  randomBytes,
  type FrostScheme,
  type PartyId,
} from '../src/index.js';
import { drop, match, tamper, tamperEnvelope, tamperPayload, type Fault, type InFlight, type MessagePredicate } from '../src/testing/index.js';
import { ALL_SCHEMES, CraftedDealer, expectAbort, expectNoOutput, maliciousSession, rawScalarBytes, range, runDkg } from './helpers/dkg.js';
import { badPoints } from './helpers/dkg-bad-points.js';

const K = 2;
const N = 3;
const isBroadcast: MessagePredicate = (m) => m.env.kind === 'broadcast';
const r1From = (p: PartyId) => match.and(match.from(p), match.round(1), isBroadcast);
const r2From = (p: PartyId) => match.and(match.from(p), match.round(2));
const toParty = (q: PartyId): MessagePredicate => (m) => m.to === q;

function flipLastByte(b: Uint8Array): Uint8Array {
  const c = b.slice();
  c[c.length - 1]! ^= 1;
  return c;
}

/** Replace `len` bytes at `offset` of a payload. */
function patch(payload: Uint8Array, offset: number, bytes: Uint8Array): Uint8Array {
  const c = payload.slice();
  c.set(bytes, offset);
  return c;
}

describe('A: envelope, session and sender', () => {
  for (const scheme of ALL_SCHEMES) {
    describe(scheme, () => {
      it('A1: inner `from` differs from the transport sender → SENDER_MISMATCH', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperEnvelope(match.and(r1From(1), toParty(3)), (e) => ({ ...e, from: 2 }))] });
        expectAbort(run, ErrorCode.SENDER_MISMATCH, 1, [3]);
      });

      it('A2: message for another session → WRONG_SESSION', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperEnvelope(r1From(1), (e) => ({ ...e, sessionId: randomBytes(16) }))] });
        expectAbort(run, ErrorCode.WRONG_SESSION, 1, [2, 3]);
      });

      it('A2: message for another protocol → WRONG_PROTOCOL', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperEnvelope(r2From(2), (e) => ({ ...e, protocol: 'frost/v1' }))] });
        expectAbort(run, ErrorCode.WRONG_PROTOCOL, 2, [1, 3]);
      });

      it('A2/B2: a PoK replayed from another session → INVALID_PROOF_OF_KNOWLEDGE', () => {
        // Party 1's round-1 broadcast of an earlier session with the same parties and threshold.
        const old = createDkgSession({ scheme, sessionId: randomBytes(16), self: 1, parties: range(N), threshold: K });
        const oldPayload = decodeEnvelope(old.start()[0]!.bytes).payload;
        const run = runDkg(scheme, K, N, { faults: [tamperPayload(r1From(1), () => oldPayload)] });
        expectAbort(run, ErrorCode.INVALID_PROOF_OF_KNOWLEDGE, 1, [2, 3]);
      });

      it('B2: a PoK replayed under another identifier in the same session → INVALID_PROOF_OF_KNOWLEDGE', () => {
        let captured: Uint8Array | undefined;
        const capture: Fault = { onSend: (m) => (r1From(1)(m) && (captured = decodeEnvelope(m.bytes).payload), [m]) };
        const run = runDkg(scheme, K, N, { faults: [capture, tamperPayload(r1From(2), () => captured!)] });
        expectAbort(run, ErrorCode.INVALID_PROOF_OF_KNOWLEDGE, 2, [1, 3]);
      });

      it('A3: equivocating broadcaster (two valid round-1 broadcasts) → ECHO_MISMATCH naming it', () => {
        const sessionId = randomBytes(16);
        // Party 1 sends its real broadcast to party 2 and a different, fully valid one to party 3.
        const alt = CraftedDealer.random(scheme, 1, range(N), K, sessionId).round1();
        const run = runDkg(scheme, K, N, { sessionId, faults: [tamperPayload(match.and(r1From(1), toParty(3)), () => alt)] });
        // Party 3 compares the echoes in the round-2 messages of 1 and 2 with its own view.
        expectAbort(run, ErrorCode.ECHO_MISMATCH, 1, [3]);
        const e2 = run.res.sessions.get(2)!.error!;
        // Party 2 either detects it too (culprits {1, 3}: one of them lied) or is told to stop.
        assert.ok(e2.code === ErrorCode.SESSION_ABORTED || (e2.code === ErrorCode.ECHO_MISMATCH && e2.culprits.includes(1)), `${e2.code}`);
      });

      it('A3: a party lying about what it received (wrong echo) → ECHO_MISMATCH', () => {
        const run = runDkg(scheme, K, N, {
          faults: [tamperEnvelope(match.and(r2From(2), toParty(3)), (e) => ({ ...e, echo: patch(e.echo, 2, randomBytes(32)) }))],
        });
        expectAbort(run, ErrorCode.ECHO_MISMATCH, 2, [3]);
      });

      it('A5: two different messages for the same round → DUPLICATE_MESSAGE', () => {
        const second: Fault = {
          onSend: (m) => (match.and(r1From(1), toParty(2))(m) ? [m, { ...m, bytes: encodeEnvelope({ ...m.env, payload: CraftedDealer.random(scheme, 1, range(N), K, m.env.sessionId).round1() }) }] : [m]),
        };
        const run = runDkg(scheme, K, N, { faults: [second] });
        expectAbort(run, ErrorCode.DUPLICATE_MESSAGE, 1, [2]);
      });

      it('A5: message for a round that is not current or next → UNEXPECTED_ROUND', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperEnvelope(r1From(1), (e) => ({ ...e, round: 3 }))] });
        expectAbort(run, ErrorCode.UNEXPECTED_ROUND, 1, [2, 3]);
      });

      it('A5: direct message where a broadcast is expected → UNEXPECTED_MESSAGE_KIND', () => {
        const run = runDkg(scheme, K, N, {
          faults: [tamper(r1From(1), (bytes, m) => encodeEnvelope({ ...decodeEnvelope(bytes), kind: 'direct', to: m.to }))],
        });
        expectAbort(run, ErrorCode.UNEXPECTED_MESSAGE_KIND, 1, [2, 3]);
      });

      it('A5: broadcast where a direct message is expected → UNEXPECTED_MESSAGE_KIND', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperEnvelope(r2From(1), (e) => ({ ...e, kind: 'broadcast', to: 0 }))] });
        expectAbort(run, ErrorCode.UNEXPECTED_MESSAGE_KIND, 1, [2, 3]);
      });

      it('A5: sender not in the session → UNEXPECTED_SENDER', () => {
        const inject: Fault = {
          onSend: (m) => {
            if (!match.and(r1From(1), toParty(2))(m)) return [m];
            const env = { ...m.env, from: 9 };
            const extra: InFlight = { from: 9, to: 2, bytes: encodeEnvelope(env), env, holdFor: 0 };
            return [extra, m];
          },
        };
        const run = runDkg(scheme, K, N, { faults: [inject] });
        expectAbort(run, ErrorCode.UNEXPECTED_SENDER, 9, [2]);
      });

      it('A5: direct message for another party → WRONG_RECIPIENT', () => {
        const redirect: Fault = { onSend: (m) => (match.and(r2From(1), toParty(3))(m) ? [{ ...m, to: 2 }] : [m]) };
        const run = runDkg(scheme, K, N, { faults: [redirect] });
        expectAbort(run, ErrorCode.WRONG_RECIPIENT, 1, [2]);
      });
    });
  }
});

describe('B/C: encodings, points and scalars', () => {
  for (const scheme of ALL_SCHEMES) {
    const suite = getSuite(scheme);
    const Ne = suite.pointLength;
    const Ns = suite.scalarLength;
    describe(scheme, () => {
      it('B3: share ≥ q → INVALID_SCALAR', () => {
        for (const v of [suite.order, suite.order + 1n, (1n << 256n) - 1n]) {
          const run = runDkg(scheme, K, N, { faults: [tamperPayload(match.and(r2From(1), toParty(2)), (p) => patch(p, 0, rawScalarBytes(suite, v)))] });
          expectAbort(run, ErrorCode.INVALID_SCALAR, 1, [2]);
        }
      });

      it('B3: PoK response μ ≥ q → INVALID_SCALAR', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperPayload(r1From(1), (p) => patch(p, 2 + (K + 1) * Ne, rawScalarBytes(suite, suite.order)))] });
        expectAbort(run, ErrorCode.INVALID_SCALAR, 1, [2, 3]);
      });

      for (const bad of badPoints(scheme)) {
        it(`C1: commitment point ${bad.label} → INVALID_POINT`, () => {
          // In C_1[1] and, separately, as the PoK commitment R.
          for (const offset of [2 + Ne, 2 + K * Ne]) {
            const run = runDkg(scheme, K, N, { faults: [tamperPayload(r1From(1), (p) => patch(p, offset, bad.bytes))] });
            expectAbort(run, ErrorCode.INVALID_POINT, 1, [2, 3]);
          }
        });
      }

      it('C2: a zero share (consistent with the sender’s commitments) → ZERO_SCALAR', () => {
        const sessionId = randomBytes(16);
        // f(x) = a0 − (a0/3)·x, so f(3) = 0: the D3 check alone would accept the zero share.
        const a0 = suite.randomScalar();
        const dealer = new CraftedDealer(scheme, 1, range(N), K, sessionId, [a0, suite.Fn.neg(suite.Fn.div(a0, 3n))]);
        const run = runDkg(scheme, K, N, { sessionId, replace: new Map([[1, maliciousSession(dealer)]]) });
        expectAbort(run, ErrorCode.ZERO_SCALAR, 1, [3]);
        assert.equal(run.res.sessions.get(2)!.error?.code, ErrorCode.SESSION_ABORTED);
      });

      it('C2: a zero share (inconsistent) → ZERO_SCALAR', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperPayload(match.and(r2From(1), toParty(2)), (p) => patch(p, 0, new Uint8Array(Ns)))] });
        expectAbort(run, ErrorCode.ZERO_SCALAR, 1, [2]);
      });

      it('malformed payloads (truncated, trailing byte) in every round → MALFORMED_MESSAGE', () => {
        for (const round of [1, 2, 3]) {
          for (const fn of [(p: Uint8Array) => p.subarray(0, p.length - 1), (p: Uint8Array) => Uint8Array.of(...p, 0)]) {
            const run = runDkg(scheme, K, N, {
              faults: [
                tamperPayload(match.and(match.from(2), match.round(round), (m) => m.env.kind !== 'abort'), fn),
                // Round 3 is the last one: keep the sender from finishing before it hears of the abort.
                drop(match.and(match.round(3), isBroadcast, toParty(2))),
              ],
            });
            expectAbort(run, ErrorCode.MALFORMED_MESSAGE, 2, [1, 3]);
          }
        }
      });
    });
  }
});

describe('D: Shamir, VSS and DKG', () => {
  for (const scheme of ALL_SCHEMES) {
    const suite = getSuite(scheme);
    const Ne = suite.pointLength;
    const Ns = suite.scalarLength;
    describe(scheme, () => {
      it('D2: commitment with k−1 or k+1 points (valid PoK) → INVALID_COMMITMENT_LENGTH', () => {
        const k = 3;
        const n = 4;
        for (const degree of [k - 2, k]) {
          const sessionId = randomBytes(16);
          // Party 1 deals from a polynomial of degree k−2 (lowers the threshold) or k (raises it).
          const dealer = CraftedDealer.random(scheme, 1, range(n), k, sessionId, degree);
          assert.equal(dealer.coefficients.length, degree + 1);
          const run = runDkg(scheme, k, n, { sessionId, replace: new Map([[1, maliciousSession(dealer)]]) });
          expectAbort(run, ErrorCode.INVALID_COMMITMENT_LENGTH, 1, [2, 3, 4]);
        }
      });

      it('D3: wrong share → INVALID_SHARE blaming the sender', () => {
        const run = runDkg(scheme, K, N, {
          faults: [
            tamperPayload(match.and(r2From(1), toParty(3)), (p) => {
              const s = suite.decodeScalar(p.subarray(0, Ns));
              return patch(p, 0, suite.encodeScalar(suite.Fn.add(s, 1n)));
            }),
          ],
        });
        expectAbort(run, ErrorCode.INVALID_SHARE, 1, [3]);
        assert.deepEqual(run.res.sessions.get(3)!.error!.culprits, [1]);
      });

      it('D3: share from a different (valid, consistently broadcast) polynomial → INVALID_SHARE', () => {
        const sessionId = randomBytes(16);
        const other = CraftedDealer.random(scheme, 1, range(N), K, sessionId);
        const run = runDkg(scheme, K, N, { sessionId, faults: [tamperPayload(match.and(r2From(1), toParty(2)), (p) => patch(p, 0, other.round2(2).subarray(0, Ns)))] });
        expectAbort(run, ErrorCode.INVALID_SHARE, 1, [2]);
      });

      it('D4: bad PoK response μ → INVALID_PROOF_OF_KNOWLEDGE', () => {
        const off = 2 + (K + 1) * Ne;
        const run = runDkg(scheme, K, N, {
          faults: [tamperPayload(r1From(1), (p) => patch(p, off, suite.encodeScalar(suite.Fn.add(suite.decodeScalar(p.subarray(off, off + Ns)), 1n))))],
        });
        expectAbort(run, ErrorCode.INVALID_PROOF_OF_KNOWLEDGE, 1, [2, 3]);
      });

      it('D4: PoK for another statement (C_1[0] or R replaced by a valid point) → INVALID_PROOF_OF_KNOWLEDGE', () => {
        for (const offset of [2, 2 + K * Ne]) {
          const P = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
          const run = runDkg(scheme, K, N, { faults: [tamperPayload(r1From(1), (p) => patch(p, offset, P))] });
          expectAbort(run, ErrorCode.INVALID_PROOF_OF_KNOWLEDGE, 1, [2, 3]);
        }
      });

      it('D4: rogue key C_1[0] = X − Σ others without knowing its discrete log → INVALID_PROOF_OF_KNOWLEDGE', () => {
        // Party 1 waits for the others' round-1 broadcasts (the network delivers them first) and
        // then cannot produce a PoK for its rogue commitment; it reuses an unrelated proof.
        const sessionId = randomBytes(16);
        const dealer = CraftedDealer.random(scheme, 1, range(N), K, sessionId);
        const rogue = suite.encodePoint(suite.G.multiply(suite.randomScalar()).subtract(suite.G.multiply(suite.randomScalar())));
        const run = runDkg(scheme, K, N, { sessionId, faults: [tamperPayload(r1From(1), () => patch(dealer.round1(), 2, rogue))] });
        expectAbort(run, ErrorCode.INVALID_PROOF_OF_KNOWLEDGE, 1, [2, 3]);
      });

      it('chain-code reveal that does not match the round-1 commitment → INVALID_CHAIN_CODE_REVEAL', () => {
        const run = runDkg(scheme, K, N, { faults: [tamperPayload(match.and(r2From(1), toParty(2)), flipLastByte)] });
        expectAbort(run, ErrorCode.INVALID_CHAIN_CODE_REVEAL, 1, [2]);
      });

      it('D5: a party confirming a different public output → PUBLIC_OUTPUT_MISMATCH', () => {
        const r3From1 = match.and(match.from(1), match.round(3), isBroadcast);
        const run = runDkg(scheme, K, N, {
          faults: [
            tamperPayload(r3From1, () => randomBytes(32)),
            // The cheater's own session runs honest code and could finish before the others'
            // abort notices reach it (the last round cannot be fair); the network withholds the
            // honest confirmations from it so that it learns of the abort first.
            drop(match.and(match.round(3), isBroadcast, toParty(1))),
          ],
        });
        expectAbort(run, ErrorCode.PUBLIC_OUTPUT_MISMATCH, 1, [2, 3]);
        assert.equal(run.res.sessions.get(1)!.error?.code, ErrorCode.SESSION_ABORTED);
      });

      it('D5: the confirmation hash covers the chain code, group key and verifying shares', () => {
        // Replay party 2's confirmation from another run with the same session id and parties
        // (new randomness → different key and chain code → different hash): abort.
        const hashes = new Map<PartyId, Uint8Array>();
        const sessionId = randomBytes(16);
        const record: Fault = { onSend: (m) => (m.env.round === 3 && m.env.kind === 'broadcast' && hashes.set(m.from, m.env.payload), [m]) };
        runDkg(scheme, K, N, { sessionId, faults: [record] });
        const run = runDkg(scheme, K, N, {
          sessionId,
          faults: [tamperPayload(match.and(match.from(2), match.round(3), isBroadcast), () => hashes.get(2)!), drop(match.and(match.round(3), isBroadcast, toParty(2)))],
        });
        expectAbort(run, ErrorCode.PUBLIC_OUTPUT_MISMATCH, 2, [1, 3]);
      });
    });
  }
});

describe('abort propagation', () => {
  it('every other party learns of an abort (SESSION_ABORTED) and nobody is left waiting', () => {
    const scheme: FrostScheme = 'frost-secp256k1';
    const run = runDkg(scheme, 3, 5, { faults: [tamperPayload(match.and(r2From(4), toParty(5)), flipLastByte)] });
    expectAbort(run, ErrorCode.INVALID_CHAIN_CODE_REVEAL, 4, [5]);
    for (const p of [1, 2, 3, 4]) assert.equal(run.res.sessions.get(p)!.error?.code, ErrorCode.SESSION_ABORTED);
    expectNoOutput(run);
  });

  it('the context binds parties and threshold: a proof made for another party set is rejected', () => {
    const scheme: FrostScheme = 'frost-ed25519';
    const sessionId = randomBytes(16);
    const dealer = CraftedDealer.random(scheme, 1, range(N), K, sessionId);
    const ctxOther = dkgContext(scheme, sessionId, [1, 2, 3, 4], K);
    const run = runDkg(scheme, K, N, { sessionId, faults: [tamperPayload(r1From(1), () => dealer.round1(ctxOther))] });
    expectAbort(run, ErrorCode.INVALID_PROOF_OF_KNOWLEDGE, 1, [2, 3]);
  });
});
