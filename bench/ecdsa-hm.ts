/**
 * Honest-majority ECDSA benchmark (in-process half of issue 4): every player in this process over
 * the in-memory network (real wire codec, echo broadcast, every check), so each time is the total
 * CPU of all players. Rows per curve and key (2-of-3: 3 players, t = 1; 3-of-5: 5 players, t = 2):
 * - `presign (batch 1)`: one ecdsa-hm-presign/v1 run making one presignature.
 * - `presign (batch 32, per presignature)`: one run making 32, time divided by 32.
 * - `online sign`: one ecdsa-hm-sign/v2 run with a ready presignature (context round, shares,
 *   combination, verification on every player). `online sign (tweak)`: the same with a key tweak
 *   (re-randomised presignature).
 * - `total per signature`: presign (batch 1) + online sign, and the amortised variant.
 * - `@silencelaboratories/dkls-wasm-ll-node` 1.1.2 (DKLs23, WASM): 2-of-3 signing by both signing
 *   parties in this process (pre-signature rounds, last message, combine), key generation outside
 *   the timing; secp256k1 only (the package has no P-256).
 * Every OpenTSM row is measured with both curve back-ends (protocols/ecdsa-hm/arithmetic.ts):
 * `opentsm (noble)` — pure TypeScript, what browsers run — and `opentsm (server)` — the node's
 * back-end, libsecp256k1 (native addon) for secp256k1 and OpenSSL for P-256.
 * Keys come from our DKG (runDkgLocally) and are made once per configuration.
 *
 * Columns: median_ms / p99_ms are wall-clock times per operation (bench/lib.ts convention);
 * cpu_ms is the process CPU time (user + system) of all timed runs divided by the number of runs
 * — "total CPU" in the sense, and less sensitive than wall time to other processes on a
 * loaded machine (getrusage is too coarse to time single runs). The bars and the speedup over
 * DKLs23 are computed from cpu_ms.
 */
import { KeygenSession, Keyshare, Message, SignSession } from '@silencelaboratories/dkls-wasm-ll-node';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { createEcdsaSignSession, createPresignSession, ECDSA_SCHEMES, randomBytes, type KeyShare, type PartyId, type Presignature } from '@opentsm/core';
import { nodeEcdsaHmArithmetic } from '@opentsm/core/node';
import { nobleEcdsaHmArithmetic, type EcdsaHmArithmetic } from '@opentsm/core';
import { runDkgLocally, runNetwork } from '@opentsm/core/testing';
import { performance } from 'node:perf_hooks';
import { percentile, round, type BenchRow } from './lib.js';

const QUORUMS: readonly [k: number, n: number][] = [
  [2, 3],
  [3, 5],
];
const RUNS = 30;
const WARMUP = 5;
const BATCH = 32;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

const BACKENDS: readonly { impl: string; arithmetic: EcdsaHmArithmetic }[] = [
  { impl: 'opentsm (noble)', arithmetic: nobleEcdsaHmArithmetic },
  { impl: 'opentsm (server)', arithmetic: nodeEcdsaHmArithmetic },
];

function presign(keys: readonly KeyShare[], count: number, arithmetic: EcdsaHmArithmetic): Map<PartyId, Presignature[]> {
  const players = keys.map((k) => k.self);
  const sessionId = randomBytes(16);
  const res = runNetwork(keys.map((key) => createPresignSession({ sessionId, key, players, count, arithmetic })));
  check(res.results.size === keys.length, 'every presigning session finished');
  return res.results;
}

function sign(keys: readonly KeyShare[], presigs: ReadonlyMap<PartyId, Presignature>, message: Uint8Array, arithmetic: EcdsaHmArithmetic, tweak = 0n): void {
  const players = keys.map((k) => k.self);
  const sessionId = randomBytes(16);
  const res = runNetwork(keys.map((key) => createEcdsaSignSession({ sessionId, key, presignature: presigs.get(key.self)!, message, players, tweak, arithmetic })));
  check(res.results.size === keys.length, 'every signing session finished');
}

/** A queue of ready presignatures (made outside the timing), one set per call. */
function presignaturePool(keys: readonly KeyShare[], needed: number): () => Map<PartyId, Presignature> {
  const sets: Map<PartyId, Presignature>[] = [];
  while (sets.length < needed) {
    const batch = presign(keys, Math.min(256, needed - sets.length), nodeEcdsaHmArithmetic);
    const n = batch.get(keys[0]!.self)!.length;
    for (let i = 0; i < n; i++) sets.push(new Map([...batch].map(([p, ps]) => [p, ps[i]!])));
  }
  return () => sets.shift()!;
}

/** Like lib.ts `row`, plus cpu_ms (mean process CPU per run); `per` divides every time (batch amortisation). */
async function timedRow(base: { suite: string; op: string; threshold: string; impl: string; players: string }, fn: () => unknown, runs: number, warmup: number, per = 1): Promise<BenchRow> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  return {
    ...base,
    runs,
    median_ms: round(percentile(times, 50) / per),
    p99_ms: round(percentile(times, 99) / per),
    cpu_ms: round((cpu.user + cpu.system) / 1000 / runs / per),
  };
}

// ---------------------------------------------------------------------------------------------
// DKLs23 (Silence Laboratories WASM build).

const others = (msgs: Message[], party: number): Message[] => msgs.filter((m) => m.from_id !== party).map((m) => m.clone());
const toParty = (msgs: Message[], party: number): Message[] => msgs.filter((m) => m.to_id === party).map((m) => m.clone());
const free = (msgs: Message[]): void => msgs.forEach((m) => m.free());

function dklsKeygen(n: number, t: number): Uint8Array[] {
  const parties = Array.from({ length: n }, (_, i) => new KeygenSession(n, t, i));
  const msg1 = parties.map((p) => p.createFirstMessage());
  const msg2 = parties.flatMap((p, i) => p.handleMessages(others(msg1, i)));
  const commitments = parties.map((p) => p.calculateChainCodeCommitment());
  const msg3 = parties.flatMap((p, i) => p.handleMessages(toParty(msg2, i)));
  const msg4 = parties.flatMap((p, i) => p.handleMessages(toParty(msg3, i), commitments));
  parties.forEach((p, i) => p.handleMessages(others(msg4, i)));
  free([...msg1, ...msg2, ...msg3, ...msg4]);
  return parties.map((p) => {
    const ks = p.keyshare();
    const b = ks.toBytes();
    ks.free();
    return b;
  });
}

/** One 2-of-3 signature by the first `t` parties; returns [R, S] and frees everything. */
function dklsSign(shares: Keyshare[], hash: Uint8Array): Uint8Array {
  const parties = shares.map((ks) => new SignSession(ks, 'm')); // consumes the key shares
  const msg1 = parties.map((p) => p.createFirstMessage());
  const msg2 = parties.flatMap((p, i) => p.handleMessages(others(msg1, i)));
  const msg3 = parties.flatMap((p, i) => p.handleMessages(toParty(msg2, i)));
  parties.forEach((p, i) => p.handleMessages(toParty(msg3, i)));
  const msg4 = parties.map((p) => p.lastMessage(hash));
  const sigs = parties.map((p, i) => p.combine(others(msg4, i)) as [Uint8Array, Uint8Array]);
  free([...msg1, ...msg2, ...msg3, ...msg4]);
  const [r, s] = sigs[0]!;
  return Uint8Array.from([...r, ...s]);
}

async function benchDkls(): Promise<BenchRow> {
  const t = 2;
  const shareBytes = dklsKeygen(3, t).slice(0, t);
  const publicKey = Keyshare.fromBytes(shareBytes[0]!);
  const pk = publicKey.publicKey;
  publicKey.free();
  // Sanity: the peer's signature verifies (outside the timing).
  const hash = randomBytes(32);
  const sig = dklsSign(shareBytes.map((b) => Keyshare.fromBytes(b)), hash);
  check(secp256k1.verify(sig, hash, pk, { prehash: false, lowS: false }), 'DKLs23 signature verifies');
  // Key shares are consumed by each SignSession: decode fresh copies outside the timing.
  const runs = 20;
  const ready: Keyshare[][] = Array.from({ length: runs + 3 }, () => shareBytes.map((b) => Keyshare.fromBytes(b)));
  const hashes = Array.from({ length: runs + 3 }, () => randomBytes(32));
  return timedRow(
    { suite: 'ecdsa-secp256k1', op: 'sign (all signing parties)', threshold: '2-of-3', impl: '@silencelaboratories/dkls-wasm-ll-node', players: '2 signers' },
    () => dklsSign(ready.shift()!, hashes.shift()!),
    runs,
    3,
  );
}

// ---------------------------------------------------------------------------------------------

export async function benchEcdsaHm(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const totals: { scheme: string; threshold: string; impl: string; total1: number; totalAmortised: number }[] = [];
  const messages = () => randomBytes(32);
  for (const scheme of ECDSA_SCHEMES) {
    for (const [k, n] of QUORUMS) {
      const keys = runDkgLocally(scheme, k, n).slice(0, 2 * k - 1);
      const threshold = `${k}-of-${n}`;
      for (const { impl, arithmetic } of BACKENDS) {
        const base = { suite: scheme, threshold, impl, players: `${keys.length} players` };
        const p1 = await timedRow({ ...base, op: 'presign (batch 1)' }, () => presign(keys, 1, arithmetic), RUNS, WARMUP);
        const pb = await timedRow({ ...base, op: `presign (batch ${BATCH}, per presignature)` }, () => presign(keys, BATCH, arithmetic), 10, 2, BATCH);
        const pool = presignaturePool(keys, 2 * (RUNS + WARMUP));
        const on = await timedRow({ ...base, op: 'online sign (share + combine + verify)' }, () => sign(keys, pool(), messages(), arithmetic), RUNS, WARMUP);
        const tweak = 0x1234567890abcdefn;
        const onT = await timedRow({ ...base, op: 'online sign with a tweak (re-randomised)' }, () => sign(keys, pool(), messages(), arithmetic, tweak), RUNS, WARMUP);
        rows.push(p1, pb, on, onT);
        totals.push({
          scheme,
          threshold,
          impl,
          total1: round(Number(p1.cpu_ms) + Number(on.cpu_ms)),
          totalAmortised: round(Number(pb.cpu_ms) + Number(on.cpu_ms)),
        });
      }
    }
  }
  const dkls = await benchDkls();
  rows.push(dkls);
  const peer = Number(dkls.cpu_ms);
  for (const t of totals) {
    const r = (op: string, cpu: number): BenchRow => ({
      suite: t.scheme,
      op,
      threshold: t.threshold,
      impl: t.impl,
      runs: RUNS,
      median_ms: NaN,
      p99_ms: NaN,
      cpu_ms: cpu,
      speedup: `${(peer / cpu).toFixed(1)}x vs DKLs23 (cpu)`,
    });
    rows.push(r('total per signature (presign batch 1 + online)', t.total1));
    rows.push(r(`total per signature (presign batch ${BATCH} + online)`, t.totalAmortised));
  }
  return rows;
}
