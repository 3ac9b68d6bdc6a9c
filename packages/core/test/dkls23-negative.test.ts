/**
 * DKLs23 signing under attack, through the in-memory network (real wire codec): every check of
 * dkls23.md aborts with the right code and culprit, no party outputs a signature, and the ban
 * signal (dklsBanSignal) is set exactly for the failures that ban (§C.6).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createMemoryOtSessionGuard,
  dklsBanSignal,
  dklsOtSessionIds,
  ErrorCode,
  getSuite,
  randomBytes,
  type DklsKeyShare,
  type PartyId,
} from '../src/index.js';
import { decodeEnvelope } from '../src/engine/codec.js';
import { match, tamper, tamperPayload, delay, type Fault } from '../src/testing/index.js';
import { OTE_MESSAGE_BYTES } from '../src/protocols/dkls23/ot-extension.js';
import { dealtKeys, expectAbort, expectNoSignature, expectSigned, NODE, randInt, sign, type SignRun } from './helpers/dkls.js';
import { cheatingSignSession, copyingSignSession, observedSignSession, type Cheat } from './helpers/dkls-adversary.js';

const K2 = dealtKeys('ecdsa-secp256k1', 2, 2);
const K3 = dealtKeys('ecdsa-p256', 3, 3);

function flipBit(b: Uint8Array, lo: number, hi: number): Uint8Array {
  const c = b.slice();
  const bit = randInt(lo * 8, hi * 8 - 1);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

/** The ban signal of `p`'s session. */
function ban(run: SignRun, p: PartyId) {
  return dklsBanSignal(run.res.sessions.get(p)!.error);
}

/** Only `detectors` hold a ban signal, naming `culprit` with `reason`; nobody else does. */
function expectBan(run: SignRun, detectors: readonly PartyId[], culprit: PartyId, reason: string): void {
  for (const p of run.signers) {
    const b = ban(run, p);
    if (detectors.includes(p)) assert.deepEqual(b && { peers: b.peers, reason: b.reason }, { peers: [culprit], reason }, `party ${p} bans ${culprit}`);
    else assert.equal(b, undefined, `party ${p} bans nobody`);
  }
}

function expectNoBan(run: SignRun): void {
  for (const p of run.signers) assert.equal(ban(run, p), undefined, `party ${p} bans nobody`);
}

/** A signing run in which `cheater` runs `cheat`. */
function cheatRun(keys: readonly DklsKeyShare[], signers: readonly PartyId[], cheater: PartyId, cheat: Cheat): SignRun {
  const message = randomBytes(32);
  const sessionId = randomBytes(16);
  const replace = new Map([[cheater, cheatingSignSession({ sessionId, key: keys[cheater - 1]!, signers, message, primitives: NODE }, cheat)]]);
  return sign(keys, signers, { message, sessionId, replace });
}

describe('OT-extension check (§C.2, §B.2): ban, checked before round 2 is sent', () => {
  for (const [name, lo, hi] of [
    ['U', 0, 256 * 80],
    ['x̃', 256 * 80, 256 * 80 + 16],
    ['t̃', 256 * 80 + 16, OTE_MESSAGE_BYTES],
  ] as const) {
    it(`a flipped bit of ${name} in Bob's message → Alice aborts naming Bob; Alice sent nothing of round 2`, () => {
      const sentRound2 = new Set<PartyId>();
      const faults: Fault[] = [
        tamperPayload(match.and(match.fromTo(2, 1), match.round(1), (m) => m.env.kind === 'direct'), (p) => flipBit(p, lo, hi)),
        tamper(match.round(2), (b, m) => (sentRound2.add(m.from), b)),
      ];
      const run = sign(K2, [1, 2], { faults });
      expectNoSignature(run.res);
      expectAbort(run.res, ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED, [1], [2]);
      expectBan(run, [1], 2, 'ot-extension-check');
      assert.equal(sentRound2.has(1), false, 'the OT-extension sender sent no round-2 message');
      // The same hook sees party 1's round-2 messages in an honest run.
      const honest = new Set<PartyId>();
      expectSigned(sign(K2, [1, 2], { faults: [tamper(match.round(2), (b, m) => (honest.add(m.from), b))] }));
      assert.ok(honest.has(1));
    });
  }

  it('3-of-3: only the pair with the bad message is blamed; nobody signs', () => {
    const faults = [tamperPayload(match.and(match.fromTo(3, 2), match.round(1), (m) => m.env.kind === 'direct'), (p) => flipBit(p, 0, 100))];
    const run = sign(K3, [1, 2, 3], { faults });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_OT_EXTENSION_CHECK_FAILED, [2], [3]);
    expectBan(run, [2], 3, 'ot-extension-check');
  });
});

describe('RVOLE check (§C.3): ban', () => {
  it('cheating VOLE input (η′ inconsistent with ã) → Bob aborts naming Alice', () => {
    const run = cheatRun(K2, [1, 2], 2, { etaOffset: 1n });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_VOLE_CHECK_FAILED, [1], [2]);
    expectBan(run, [1], 2, 'vole-check');
  });

  it('3-of-3: a cheater toward one victim is named by that victim only', () => {
    const run = cheatRun(K3, [1, 2, 3], 1, { etaOffset: 5n, victims: [3] });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_VOLE_CHECK_FAILED, [3], [1]);
    expectBan(run, [3], 1, 'vole-check');
  });

  it('a tampered RVOLE scalar on the wire → VOLE check fails, sender named', () => {
    const faults = [tamperPayload(match.and(match.fromTo(1, 2), match.round(2), (m) => m.env.kind === 'direct'), (p) => flipBit(p, 33 + 33 + 32 + 64, 33 + 33 + 32 + 64 + 1))];
    const run = sign(K2, [1, 2], { faults });
    expectNoSignature(run.res);
    // The low bit of a canonical scalar can push it to ≥ q only with negligible probability.
    expectAbort(run.res, ErrorCode.DKLS_VOLE_CHECK_FAILED, [2], [1]);
    expectBan(run, [2], 1, 'vole-check');
  });

  it('one column changed consistently: selective failure — caught exactly when Bob\u2019s β bit is 1 (§A)', () => {
    let caught = 0;
    let signed = 0;
    for (let i = 0; i < 16; i++) {
      const run = cheatRun(K2, [1, 2], 2, { column: { index: randInt(0, 511), delta: 1n } });
      if (run.res.results.size === 0) {
        expectAbort(run.res, ErrorCode.DKLS_VOLE_CHECK_FAILED, [1], [2]);
        expectBan(run, [1], 2, 'vole-check');
        caught++;
      } else {
        expectSigned(run); // β bit 0: the cheat had no effect at all
        signed++;
      }
    }
    assert.ok(caught > 0 && signed > 0, `both outcomes occur (caught ${caught}, signed ${signed})`);
  });
});

describe('Γ and Σ pk_j checks (§C.4)', () => {
  it('wrong key share in the RVOLE with an honest pk_j → Γ^v fails at every peer, cheater banned', () => {
    const run = cheatRun(K3, [1, 2, 3], 2, { skOffset: 1n });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_GAMMA_CHECK_FAILED, [1, 3], [2]);
    expectBan(run, [1, 3], 2, 'gamma-check');
  });

  it('RVOLE nonce ≠ the committed R_j → Γ^u fails, cheater banned', () => {
    const run = cheatRun(K2, [1, 2], 1, { rOffset: 7n });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_GAMMA_CHECK_FAILED, [2], [1]);
    expectBan(run, [2], 1, 'gamma-check');
  });

  it('shifted share with a matching pk_j → Σ pk_j ≠ PK at everyone, no culprit, no ban', () => {
    const run = cheatRun(K3, [1, 2, 3], 3, { skOffset: 1n, pkMatches: true });
    expectNoSignature(run.res);
    for (const p of [1, 2]) {
      const e = run.res.sessions.get(p)!.error!;
      assert.ok(e.code === ErrorCode.DKLS_PUBLIC_KEY_MISMATCH || e.code === ErrorCode.SESSION_ABORTED, `party ${p}: ${e.code}`);
      assert.deepEqual(e.culprits, []);
    }
    assert.ok([1, 2, 3].some((p) => run.res.sessions.get(p)!.error!.code === ErrorCode.DKLS_PUBLIC_KEY_MISMATCH));
    expectNoBan(run);
  });
});

describe('Nonce commitment (§B.10)', () => {
  it('copying another signer\u2019s commitment and revealing its (R, salt) fails: the commitment binds the index', () => {
    const captured: { r1?: Uint8Array; r2?: Uint8Array } = {};
    const sessionId = randomBytes(16);
    const message = randomBytes(16);
    const capture = tamper(match.from(1), (b) => {
      const env = decodeEnvelope(b);
      if (env.kind === 'broadcast' && env.round === 1) captured.r1 = env.payload;
      if (env.kind === 'broadcast' && env.round === 2) captured.r2 = env.payload;
      return b;
    });
    // The rusher (2) learns 1's round-2 broadcast before finishing its own round 1.
    const faults = [capture, delay(match.and(match.fromTo(1, 2), match.round(1), (m) => m.env.kind === 'direct'), 3)];
    const replace = new Map([[2, copyingSignSession({ sessionId, key: K2[1]!, signers: [1, 2], message }, () => captured)]]);
    const run = sign(K2, [1, 2], { faults, sessionId, message, replace });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_COMMITMENT_MISMATCH, [1], [2]);
    expectNoBan(run);
  });

  it('a revealed nonce that differs from the commitment → DKLS_COMMITMENT_MISMATCH (no ban)', () => {
    const suite = getSuite('ecdsa-secp256k1');
    const other = suite.encodePoint(suite.G.multiply(suite.randomScalar()));
    const faults = [tamperPayload(match.and(match.from(2), match.round(2), (m) => m.env.kind === 'broadcast'), (p) => Uint8Array.from([...other, ...p.subarray(33)]))];
    const run = sign(K2, [1, 2], { faults });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_COMMITMENT_MISMATCH, [1], [2]);
    expectNoBan(run);
  });
});

describe('OT-extension session ids are never reused (§B.1)', () => {
  it('the same signing session run twice: the second run is refused before anything is sent (default guard)', () => {
    const sessionId = randomBytes(16);
    const message = randomBytes(16);
    expectSigned(sign(K2, [1, 2], { sessionId, message }));
    const run = sign(K2, [1, 2], { sessionId, message });
    expectNoSignature(run.res);
    for (const p of [1, 2]) {
      const e = run.res.sessions.get(p)!.error!;
      assert.equal(e.code, ErrorCode.DKLS_OT_SESSION_REUSED);
      assert.deepEqual(e.culprits, []);
    }
    expectNoBan(run);
  });

  it('a persistent guard is consulted once per OT extension (both directions, distinct ids) and its refusal aborts', () => {
    const calls: { party: PartyId; peer: PartyId; id: string }[] = [];
    const store = new Map<PartyId, ReturnType<typeof createMemoryOtSessionGuard>>();
    const guard = (party: PartyId) => {
      if (!store.has(party)) store.set(party, createMemoryOtSessionGuard());
      const g = store.get(party)!;
      return (peer: PartyId, id: Uint8Array) => {
        assert.equal(id.length, 32);
        calls.push({ party, peer, id: Buffer.from(id).toString('hex') });
        return g(peer, id);
      };
    };
    const keys = dealtKeys('ecdsa-secp256k1', 3, 3);
    const sessionId = randomBytes(16);
    const message = randomBytes(16);
    expectSigned(sign(keys, [1, 2, 3], { sessionId, message, guard }));
    assert.equal(calls.length, 3 * 2 * 2);
    // Party i's id as sender toward j is party j's id as receiver from i, and vice versa; 6 distinct ids.
    assert.equal(new Set(calls.map((c) => c.id)).size, 6);
    // Replay with the same guard: refused; a fresh session id passes.
    const replay = sign(keys, [1, 2, 3], { sessionId, message, guard });
    expectNoSignature(replay.res);
    expectAbort(replay.res, ErrorCode.DKLS_OT_SESSION_REUSED, [1, 2, 3], []);
    expectSigned(sign(keys, [1, 2, 3], { message, guard }));
  });

  it('dklsOtSessionIds lists exactly the ids the guard sees; a throwing guard refuses', () => {
    const sessionId = randomBytes(16);
    const message = randomBytes(16);
    const expected = dklsOtSessionIds({ sessionId, key: K3[0]!, signers: [1, 2, 3], message }).map((x) => `${x.peer}:${Buffer.from(x.otSessionId).toString('hex')}`);
    assert.equal(expected.length, 4);
    const seen: string[] = [];
    const run = sign(K3, [1, 2, 3], {
      sessionId,
      message,
      guard: (p) => (peer, id) => {
        if (p === 1) seen.push(`${peer}:${Buffer.from(id).toString('hex')}`);
        return true;
      },
    });
    expectSigned(run);
    assert.deepEqual(seen.sort(), expected.sort());
    const failing = sign(K2, [1, 2], {
      guard: (p) =>
        p === 1
          ? () => {
              throw new Error('database unavailable');
            }
          : undefined,
    });
    expectNoSignature(failing.res);
    expectAbort(failing.res, ErrorCode.DKLS_OT_SESSION_REUSED, [1], []);
  });

  it('a guard refusing on one party only: that party refuses at start, nobody signs', () => {
    const run = sign(K3, [1, 2, 3], { guard: (p) => (p === 2 ? () => false : undefined) });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.DKLS_OT_SESSION_REUSED, [2], []);
  });

  it('the same session id with a different message or signer set gives different OT ids (not refused)', () => {
    const keys = dealtKeys('ecdsa-p256', 2, 3);
    const sessionId = randomBytes(16);
    const message = Uint8Array.of(1);
    expectSigned(sign(keys, [1, 2], { sessionId, message }));
    expectSigned(sign(keys, [1, 2], { sessionId, message: Uint8Array.of(2) }));
    expectSigned(sign(keys, [1, 3], { sessionId, message }));
  });
});

describe('Signer set, context and parsing', () => {
  it('a party running with a different signer set → the others abort naming it; nobody signs', () => {
    const keys = dealtKeys('ecdsa-secp256k1', 2, 3);
    // 1 and 2 sign together; 3 believes the set is {1, 3} and sends to 1.
    const run = sign(keys, [1, 2, 3], { signersFor: { 1: [1, 2], 2: [1, 2], 3: [1, 3] } });
    assert.equal(run.res.results.size, 0);
    const e = run.res.sessions.get(1)!.error!;
    assert.equal(e.code, ErrorCode.UNEXPECTED_SENDER);
    assert.deepEqual(e.culprits, [3]);
    assert.equal(run.res.sessions.get(2)!.state, 'aborted');
  });

  for (const [what, opts] of [
    ['message', (keys: readonly DklsKeyShare[]) => ({ messageFor: { 2: randomBytes(8) } as Record<number, Uint8Array>, keys })],
    ['key', (keys: readonly DklsKeyShare[]) => ({ keys: [keys[0]!, dealtKeys('ecdsa-secp256k1', 2, 2)[1]!] })],
  ] as const) {
    it(`a signer with a different ${what} → DKLS_CONTEXT_MISMATCH naming the other signer, no ban`, () => {
      const o = opts(K2);
      const run = sign(o.keys, [1, 2], { messageFor: 'messageFor' in o ? o.messageFor : undefined });
      expectNoSignature(run.res);
      const codes = [1, 2].map((p) => run.res.sessions.get(p)!.error!);
      assert.ok(codes.some((e) => e.code === ErrorCode.DKLS_CONTEXT_MISMATCH));
      for (const [i, e] of codes.entries()) {
        if (e.code === ErrorCode.DKLS_CONTEXT_MISMATCH) assert.deepEqual(e.culprits, [i === 0 ? 2 : 1]);
        else assert.equal(e.code, ErrorCode.SESSION_ABORTED);
      }
      expectNoBan(run);
    });
  }

  it('a truncated round-2 message → MALFORMED_MESSAGE naming the sender, ban', () => {
    const faults = [tamperPayload(match.and(match.fromTo(2, 1), match.round(2), (m) => m.env.kind === 'direct'), (p) => p.subarray(0, p.length - 1))];
    const run = sign(K2, [1, 2], { faults });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.MALFORMED_MESSAGE, [1], [2]);
    expectBan(run, [1], 2, 'malformed-message');
  });

  it('an RVOLE scalar ≥ q → INVALID_SCALAR naming the sender, ban', () => {
    const off = 33 + 33 + 32 + 32 * randInt(0, 1535);
    const faults = [tamperPayload(match.and(match.fromTo(1, 2), match.round(2), (m) => m.env.kind === 'direct'), (p) => Uint8Array.from([...p.subarray(0, off), ...new Uint8Array(32).fill(0xff), ...p.subarray(off + 32)]))];
    const run = sign(K2, [1, 2], { faults });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.INVALID_SCALAR, [2], [1]);
    expectBan(run, [2], 1, 'malformed-message');
  });

  it('Γ^u not a curve point → INVALID_POINT naming the sender, ban', () => {
    const faults = [tamperPayload(match.and(match.fromTo(1, 2), match.round(2), (m) => m.env.kind === 'direct'), (p) => Uint8Array.from([0x05, ...p.subarray(1)]))];
    const run = sign(K2, [1, 2], { faults });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.INVALID_POINT, [2], [1]);
    expectBan(run, [2], 1, 'malformed-message');
  });

  it('a round-2 broadcast of the wrong length → MALFORMED_MESSAGE naming the sender, no signature', () => {
    const faults = [tamperPayload(match.and(match.from(2), match.round(2), (m) => m.env.kind === 'broadcast'), (p) => p.subarray(1))];
    const run = sign(K2, [1, 2], { faults });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.MALFORMED_MESSAGE, [1], [2]);
  });

  it('a tampered final share (u_j) → the receiver\u2019s final verification fails (INVALID_SIGNATURE, no ban); no fairness: the sender may finish', () => {
    const suite = getSuite('ecdsa-p256');
    const faults = [tamperPayload(match.and(match.fromTo(2, 1), match.round(3)), (p) => Uint8Array.from([...suite.encodeScalar(suite.randomScalar()), ...p.subarray(32)]))];
    const run = sign(dealtKeys('ecdsa-p256', 2, 2), [1, 2], { faults });
    const s1 = run.res.sessions.get(1)!;
    assert.equal(s1.state, 'aborted');
    assert.equal(s1.error!.code, ErrorCode.INVALID_SIGNATURE);
    assert.equal(s1.result, undefined);
    expectNoBan(run);
    const s2 = run.res.sessions.get(2)!;
    if (s2.state === 'done') assert.ok(suite.verify(s2.result!.signature, run.message, s2.result!.publicKey), 'what the sender output is valid');
  });
});

describe('Strict parsing of the remaining signing fields (B3, C1): culprit named, ban', () => {
  const suite = getSuite('ecdsa-secp256k1');
  const HIGH = new Uint8Array(32).fill(0xff); // ≥ q
  const replaceAt = (p: Uint8Array, off: number, bytes: Uint8Array) => Uint8Array.from([...p.subarray(0, off), ...bytes, ...p.subarray(off + bytes.length)]);
  const NOT_ON_CURVE = Uint8Array.of(0x02, ...new Uint8Array(32).fill(0xff)); // x ≥ p
  const IDENTITY = new Uint8Array(33);
  const pe = suite.pointLength;

  it('ψ_ji ≥ q in the round-2 direct message → INVALID_SCALAR', () => {
    const faults = [tamperPayload(match.and(match.fromTo(1, 2), match.round(2), (m) => m.env.kind === 'direct'), (p) => replaceAt(p, 2 * pe, HIGH))];
    const run = sign(K2, [1, 2], { faults });
    expectNoSignature(run.res);
    expectAbort(run.res, ErrorCode.INVALID_SCALAR, [2], [1]);
    expectBan(run, [2], 1, 'malformed-message');
  });

  for (const [field, off] of [
    ['R_j', 0],
    ['pk_j', pe + 32],
  ] as const) {
    for (const [what, bytes] of [
      ['the identity', IDENTITY],
      ['not a curve point', NOT_ON_CURVE],
    ] as const) {
      it(`${field} ${what} in the round-2 broadcast → INVALID_POINT`, () => {
        const faults = [tamperPayload(match.and(match.from(2), match.round(2), (m) => m.env.kind === 'broadcast'), (p) => replaceAt(p, off, bytes))];
        const run = sign(K2, [1, 2], { faults });
        expectNoSignature(run.res);
        expectAbort(run.res, ErrorCode.INVALID_POINT, [1], [2]);
        expectBan(run, [1], 2, 'malformed-message');
      });
    }
  }

  for (const [field, off] of [
    ['u_j', 0],
    ['w_j', 32],
  ] as const) {
    it(`${field} ≥ q in the round-3 broadcast → INVALID_SCALAR at the receiver (the sender may finish: no fairness)`, () => {
      const faults = [tamperPayload(match.and(match.fromTo(2, 1), match.round(3)), (p) => replaceAt(p, off, HIGH))];
      const run = sign(K2, [1, 2], { faults });
      const s1 = run.res.sessions.get(1)!;
      assert.equal(s1.state, 'aborted');
      assert.equal(s1.result, undefined);
      expectAbort(run.res, ErrorCode.INVALID_SCALAR, [1], [2]);
      assert.deepEqual(ban(run, 1) && { peers: ban(run, 1)!.peers, reason: ban(run, 1)!.reason }, { peers: [2], reason: 'malformed-message' });
    });
  }
});

describe('Secrets are erased when a signing session aborts (engine dispose → eraseSignState)', () => {
  for (const [name, round, from, to, flip] of [
    ['a tampered OT-extension message (abort in round 1)', 1, 2, 1, (p: Uint8Array) => flipBit(p, 0, 100)],
    ['a tampered RVOLE payload (abort in round 2)', 2, 1, 2, (p: Uint8Array) => flipBit(p, 33 + 33 + 32 + 64, 33 + 33 + 32 + 64 + 1)],
  ] as const) {
    it(`${name}: both signers' r_i, φ_i, sk_i, β, T and Q columns are zeroed`, () => {
      const sessionId = randomBytes(16);
      const message = randomBytes(16);
      const observed = [1, 2].map((p) => observedSignSession({ sessionId, key: K2[p - 1]!, signers: [1, 2], message, primitives: NODE }));
      const replace = new Map(observed.map((o, i) => [i + 1, o.session] as const));
      const faults = [tamperPayload(match.and(match.fromTo(from, to), match.round(round), (m) => m.env.kind === 'direct'), flip)];
      const run = sign(K2, [1, 2], { sessionId, message, replace, faults });
      expectNoSignature(run.res);
      for (const [i, o] of observed.entries()) {
        const st = o.state();
        assert.equal(st.r, 0n, `party ${i + 1}: r_i`);
        assert.equal(st.phi, 0n, `party ${i + 1}: φ_i`);
        assert.equal(st.sk, 0n, `party ${i + 1}: sk_i`);
        for (const m of [st.bob, st.qCols, st.c, st.d]) assert.equal(m.size, 0, `party ${i + 1}: per-peer secrets dropped`);
        assert.ok(o.buffers.size >= 2, 'the observer saw β and T');
        for (const b of o.buffers) assert.ok(b.every((x) => x === 0), `party ${i + 1}: a secret buffer was not zeroed`);
      }
    });
  }

  it('control: an honest run erases too (round-2 finalize), and the observer sees the buffers', () => {
    const sessionId = randomBytes(16);
    const message = randomBytes(16);
    const observed = [1, 2].map((p) => observedSignSession({ sessionId, key: K2[p - 1]!, signers: [1, 2], message }));
    const run = sign(K2, [1, 2], { sessionId, message, replace: new Map(observed.map((o, i) => [i + 1, o.session] as const)) });
    expectSigned(run);
    for (const o of observed) {
      assert.equal(o.buffers.size, 3, 'β, T and the checked Q columns');
      assert.equal(o.state().sk, 0n);
      for (const b of o.buffers) assert.ok(b.every((x) => x === 0));
    }
  });
});

describe('Ban signal helper', () => {
  it('no signal without an error, for refusals, or for errors without a culprit', () => {
    assert.equal(dklsBanSignal(undefined), undefined);
    const run = sign(K2, [1, 2], { guard: () => () => false });
    assert.equal(run.res.sessions.get(1)!.error!.code, ErrorCode.DKLS_OT_SESSION_REUSED);
    assert.equal(dklsBanSignal(run.res.sessions.get(1)!.error), undefined);
  });
});
