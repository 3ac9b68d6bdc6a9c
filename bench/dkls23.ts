/**
 * DKLs23 benchmarks (issue 6): key generation and signing with every party in this process (so
 * the time is the total CPU of all parties), side by side with Silence Laboratories'
 * `@silencelaboratories/dkls-wasm-ll-node` (Rust → WebAssembly, DKLs23) doing the same in the
 * same run.
 *
 * - impl 'opentsm (node)': our sessions over the in-memory network (real wire codec, echo
 *   broadcast, every check, final verification) with `nodeDklsPrimitives` (@opentsm/core/node).
 * - impl 'opentsm (noble)': the same with the default browser-safe hashing (information only).
 * - impl 'dkls-wasm-ll-node': the peer's KeygenSession / SignSession as in its README (message
 *   hash computed inside the timed call, as we hash the message inside the session).
 *
 * Extra columns: `bytes_per_signature` (or `bytes`) = every payload delivered, counted once per
 * recipient (our figure includes the engine envelopes and echo hashes); `ratio_vs_peer` =
 * median / the peer's median in this run. Bars: signing ratio ≤ 1.0 for 2-of-2 and 2-of-3;
 * key generation ≤ 1.5.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { KeygenSession, Keyshare, Message, SignSession } from '@silencelaboratories/dkls-wasm-ll-node';
import { createDklsKeygenSession, createDklsSignSession, getSuite, randomBytes, type DklsKeyShare, type DklsPrimitives, type PartyId } from '@opentsm/core';
import { nodeDklsPrimitives } from '@opentsm/core/node';
import { runNetwork, tamper } from '@opentsm/core/testing';
import { row, type BenchRow } from './lib.js';

const SCHEME = 'ecdsa-secp256k1';
/** [k, n, keygen runs, sign runs] */
const CONFIGS: readonly (readonly [number, number, number, number])[] = [
  [2, 2, 5, 30],
  [2, 3, 3, 30],
  [3, 5, 2, 15],
];

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

const range = (n: number): PartyId[] => Array.from({ length: n }, (_, i) => i + 1);

// ---------------------------------------------------------------------------------------------
// OpenTSM

let bytesCounter = 0;
const countBytes = tamper(
  () => true,
  (b) => {
    bytesCounter += b.length;
    return b;
  },
);

function opentsmKeygen(k: number, n: number, primitives: DklsPrimitives): DklsKeyShare[] {
  const parties = range(n);
  const sessionId = randomBytes(16);
  const res = runNetwork(parties.map((self) => createDklsKeygenSession({ sessionId, scheme: SCHEME, self, parties, threshold: k, primitives })), { faults: [countBytes] });
  check(res.results.size === n, 'every opentsm keygen session finished');
  return parties.map((p) => res.results.get(p)!);
}

function opentsmSign(keys: readonly DklsKeyShare[], signers: readonly PartyId[], primitives: DklsPrimitives | undefined): void {
  const sessionId = randomBytes(16);
  const message = randomBytes(32);
  const res = runNetwork(
    signers.map((p) => createDklsSignSession({ sessionId, key: keys[p - 1]!, signers, message, primitives })),
    { faults: [countBytes] },
  );
  check(res.results.size === signers.length, 'every opentsm signing session finished');
  const sig = res.results.get(signers[0]!)!;
  check(getSuite(SCHEME).verify(sig.signature, message, sig.publicKey), 'opentsm signature verifies');
}

// ---------------------------------------------------------------------------------------------
// @silencelaboratories/dkls-wasm-ll-node (party ids 0..n-1), following its README.

const others = (msgs: Message[], party: number) => msgs.filter((m) => m.from_id !== party).map((m) => m.clone());
const to = (msgs: Message[], party: number) => msgs.filter((m) => m.to_id === party).map((m) => m.clone());

function peerBytes(msgs: Message[], parties: number): number {
  let b = 0;
  for (const m of msgs) b += m.payload.length * (m.to_id === undefined ? parties - 1 : 1);
  return b;
}

function freeAll(msgs: Message[]): void {
  for (const m of msgs) m.free();
}

function peerKeygen(k: number, n: number): Keyshare[] {
  const ps: KeygenSession[] = [];
  for (let i = 0; i < n; i++) ps.push(new KeygenSession(n, k, i));
  const m1 = ps.map((p) => p.createFirstMessage());
  const m2 = ps.flatMap((p, i) => p.handleMessages(others(m1, i)));
  const commitments = ps.map((p) => p.calculateChainCodeCommitment());
  const m3 = ps.flatMap((p, i) => p.handleMessages(to(m2, i)));
  const m4 = ps.flatMap((p, i) => p.handleMessages(to(m3, i), commitments));
  ps.flatMap((p, i) => p.handleMessages(others(m4, i)));
  bytesCounter += peerBytes(m1, n) + peerBytes(m2, n) + peerBytes(m3, n) + peerBytes(m4, n);
  for (const m of [m1, m2, m3, m4]) freeAll(m);
  return ps.map((p) => p.keyshare());
}

/** The peer signs with the first k shares; its SignSession consumes a Keyshare (cloned outside the timing). */
function peerSign(shares: Keyshare[], k: number): void {
  const hash = sha256(randomBytes(32));
  const ps = shares.map((s) => new SignSession(s, 'm'));
  const m1 = ps.map((p) => p.createFirstMessage());
  const m2 = ps.flatMap((p, i) => p.handleMessages(others(m1, i)));
  const m3 = ps.flatMap((p, i) => p.handleMessages(to(m2, i)));
  ps.flatMap((p, i) => p.handleMessages(to(m3, i)));
  const m4 = ps.map((p) => p.lastMessage(hash));
  const sigs = ps.map((p, i) => p.combine(others(m4, i)));
  bytesCounter += peerBytes(m1, k) + peerBytes(m2, k) + peerBytes(m3, k) + peerBytes(m4, k);
  for (const m of [m1, m2, m3, m4]) freeAll(m);
  check(sigs.length === k && (sigs[0] as Uint8Array[]).length === 2, 'peer produced a signature');
}

// ---------------------------------------------------------------------------------------------

async function timed(base: { suite: string; op: string; threshold: string; impl: string }, fn: () => unknown, runs: number, warmup: number, bytesKey: string): Promise<BenchRow> {
  // One untimed call to measure the bytes of one run.
  bytesCounter = 0;
  await fn();
  const bytes = bytesCounter;
  const r = await row(base, fn, runs, warmup);
  return { ...r, [bytesKey]: bytes };
}

export async function benchDkls23(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [k, n, keygenRuns, signRuns] of CONFIGS) {
    const threshold = `${k}-of-${n}`;
    const signers = range(k);
    const kg = { suite: SCHEME, op: 'dkls23 keygen (all parties)', threshold };
    const kgOurs = await timed({ ...kg, impl: 'opentsm (node)' }, () => opentsmKeygen(k, n, nodeDklsPrimitives), keygenRuns, 0, 'bytes');
    const kgPeer = await timed({ ...kg, impl: 'dkls-wasm-ll-node' }, () => peerKeygen(k, n).forEach((s) => s.free()), keygenRuns, 0, 'bytes');
    kgOurs.ratio_vs_peer = Math.round((kgOurs.median_ms / kgPeer.median_ms) * 100) / 100;
    rows.push(kgOurs, kgPeer);

    const keys = opentsmKeygen(k, n, nodeDklsPrimitives);
    const sg = { suite: SCHEME, op: 'dkls23 sign (all signers)', threshold };
    const sgOurs = await timed({ ...sg, impl: 'opentsm (node)' }, () => opentsmSign(keys, signers, nodeDklsPrimitives), signRuns, 3, 'bytes_per_signature');
    const sgNoble = await timed({ ...sg, impl: 'opentsm (noble)' }, () => opentsmSign(keys, signers, undefined), Math.ceil(signRuns / 3), 2, 'bytes_per_signature');
    const peerShares = peerKeygen(k, n);
    const serialized = peerShares.slice(0, k).map((s) => s.toBytes());
    for (const s of peerShares) s.free();
    const pool: Keyshare[][] = [];
    const refill = () => {
      for (let i = 0; i < signRuns + 5; i++) pool.push(serialized.map((b) => Keyshare.fromBytes(b)));
    };
    refill();
    const sgPeer = await timed({ ...sg, impl: 'dkls-wasm-ll-node' }, () => peerSign(pool.pop() ?? (refill(), pool.pop()!), k), signRuns, 3, 'bytes_per_signature');
    for (const p of pool) for (const s of p) s.free();
    sgOurs.ratio_vs_peer = Math.round((sgOurs.median_ms / sgPeer.median_ms) * 100) / 100;
    sgNoble.ratio_vs_peer = Math.round((sgNoble.median_ms / sgPeer.median_ms) * 100) / 100;
    rows.push(sgOurs, sgNoble, sgPeer);
  }
  // P-256 (no peer: the WASM build is secp256k1 only).
  const keys = opentsmKeygenP256(2, 2);
  rows.push(await timed({ suite: 'ecdsa-p256', op: 'dkls23 sign (all signers)', threshold: '2-of-2', impl: 'opentsm (node)' }, () => signP256(keys), 30, 3, 'bytes_per_signature'));
  return rows;
}

function opentsmKeygenP256(k: number, n: number): DklsKeyShare[] {
  const parties = range(n);
  const sessionId = randomBytes(16);
  const res = runNetwork(parties.map((self) => createDklsKeygenSession({ sessionId, scheme: 'ecdsa-p256', self, parties, threshold: k, primitives: nodeDklsPrimitives })));
  check(res.results.size === n, 'P-256 keygen finished');
  return parties.map((p) => res.results.get(p)!);
}

function signP256(keys: readonly DklsKeyShare[]): void {
  const sessionId = randomBytes(16);
  const message = randomBytes(32);
  const signers = keys.map((k) => k.self);
  const res = runNetwork(
    keys.map((key) => createDklsSignSession({ sessionId, key, signers, message, primitives: nodeDklsPrimitives })),
    { faults: [countBytes] },
  );
  check(res.results.size === keys.length, 'P-256 signing finished');
}
