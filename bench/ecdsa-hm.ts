/**
 * Honest-majority ECDSA benchmark (in-process half of issue 4): every player in this process over
 * the in-memory network (real wire codec, echo broadcast, every check), so each time is the total
 * CPU of all players. Rows per curve and key (2-of-3: 3 players, t = 1; 3-of-5: 5 players, t = 2):
 * - `presign (batch 1)`: one ecdsa-hm-presign/v1 run making one presignature.
 * - `presign (batch 32, per presignature)`: one run making 32, time divided by 32.
 * - `online sign`: one ecdsa-hm-sign/v1 run with a ready presignature (context round, shares,
 *   combination, verification on every player). `online sign (tweak)`: the same with a key tweak
 *   (re-randomised presignature).
 * - `total per signature`: presign (batch 1) + online sign, and the amortised variant.
 * - `@silencelaboratories/dkls-wasm-ll-node` 1.1.2 (DKLs23, WASM): 2-of-3 signing by both signing
 *   parties in this process (pre-signature rounds, last message, combine), key generation outside
 *   the timing; secp256k1 only (the package has no P-256).
 * Keys come from our DKG (runDkgLocally) and are made once per configuration.
 */
import { KeygenSession, Keyshare, Message, SignSession } from '@silencelaboratories/dkls-wasm-ll-node';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { createEcdsaSignSession, createPresignSession, ECDSA_SCHEMES, randomBytes, type KeyShare, type PartyId, type Presignature } from '@opentsm/core';
import { runDkgLocally, runNetwork } from '@opentsm/core/testing';
import { row, round, type BenchRow } from './lib.js';

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

function presign(keys: readonly KeyShare[], count: number): Map<PartyId, Presignature[]> {
  const players = keys.map((k) => k.self);
  const sessionId = randomBytes(16);
  const res = runNetwork(keys.map((key) => createPresignSession({ sessionId, key, players, count })));
  check(res.results.size === keys.length, 'every presigning session finished');
  return res.results;
}

function sign(keys: readonly KeyShare[], presigs: ReadonlyMap<PartyId, Presignature>, message: Uint8Array, tweak = 0n): void {
  const players = keys.map((k) => k.self);
  const sessionId = randomBytes(16);
  const res = runNetwork(keys.map((key) => createEcdsaSignSession({ sessionId, key, presignature: presigs.get(key.self)!, message, players, tweak })));
  check(res.results.size === keys.length, 'every signing session finished');
}

/** A queue of ready presignatures (made outside the timing), one set per call. */
function presignaturePool(keys: readonly KeyShare[], needed: number): () => Map<PartyId, Presignature> {
  const sets: Map<PartyId, Presignature>[] = [];
  while (sets.length < needed) {
    const batch = presign(keys, Math.min(256, needed - sets.length));
    const n = batch.get(keys[0]!.self)!.length;
    for (let i = 0; i < n; i++) sets.push(new Map([...batch].map(([p, ps]) => [p, ps[i]!])));
  }
  return () => sets.shift()!;
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
  return row({ suite: 'ecdsa-secp256k1', op: 'sign (all signing parties)', threshold: '2-of-3', impl: '@silencelaboratories/dkls-wasm-ll-node' }, () => dklsSign(ready.shift()!, randomBytes(32)), runs, 3);
}

// ---------------------------------------------------------------------------------------------

export async function benchEcdsaHm(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const totals: { scheme: string; threshold: string; total1: number; totalAmortised: number }[] = [];
  for (const scheme of ECDSA_SCHEMES) {
    for (const [k, n] of QUORUMS) {
      const keys = runDkgLocally(scheme, k, n).slice(0, 2 * k - 1);
      const threshold = `${k}-of-${n}`;
      const impl = 'opentsm';
      const players = `${keys.length} players`;
      const base = { suite: scheme, threshold, impl, players };
      const p1 = await row({ ...base, op: 'presign (batch 1)' }, () => presign(keys, 1), RUNS, WARMUP);
      const pb = await row({ ...base, op: `presign (batch ${BATCH}, per presignature)` }, () => presign(keys, BATCH), 10, 2);
      pb.median_ms = round(pb.median_ms / BATCH);
      pb.p99_ms = round(pb.p99_ms / BATCH);
      const pool = presignaturePool(keys, 2 * (RUNS + WARMUP));
      const on = await row({ ...base, op: 'online sign' }, () => sign(keys, pool(), randomBytes(32)), RUNS, WARMUP);
      const tweak = 0x1234567890abcdefn;
      const onT = await row({ ...base, op: 'online sign (tweak)' }, () => sign(keys, pool(), randomBytes(32), tweak), RUNS, WARMUP);
      rows.push(p1, pb, on, onT);
      const total1 = round(p1.median_ms + on.median_ms);
      const totalAmortised = round(pb.median_ms + on.median_ms);
      totals.push({ scheme, threshold, total1, totalAmortised });
    }
  }
  const dkls = await benchDkls();
  rows.push(dkls);
  for (const t of totals) {
    const speedup = (x: number) => `${(dkls.median_ms / x).toFixed(1)}x vs DKLs23`;
    rows.push({ suite: t.scheme, op: 'total per signature (presign batch 1 + online)', threshold: t.threshold, impl: 'opentsm', runs: RUNS, median_ms: t.total1, p99_ms: NaN, speedup: speedup(t.total1) });
    rows.push({ suite: t.scheme, op: `total per signature (presign batch ${BATCH} + online)`, threshold: t.threshold, impl: 'opentsm', runs: RUNS, median_ms: t.totalAmortised, p99_ms: NaN, speedup: speedup(t.totalAmortised) });
  }
  return rows;
}
