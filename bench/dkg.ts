/**
 * DKG benchmarks: a complete k-of-n run with every party in this process.
 * - impl 'opentsm': our sessions (dkg/v1) over the in-memory network, real wire codec, echo
 *   broadcast and the round-3 confirmation included.
 * - impl '@noble/curves': noble's DKG.round1/2/3 called directly (no transport, no echo, no
 *   confirmation round) as a baseline for the cryptographic work.
 */
import { getSuite, randomBytes, type FrostScheme, type PartyId } from '@opentsm/core';
import { runDkgLocally } from '@opentsm/core/testing';
import { row, type BenchRow } from './lib.js';

const CONFIGS: readonly (readonly [k: number, n: number, runs: number])[] = [
  [2, 3, 30],
  [3, 5, 20],
  [5, 9, 10],
];
const SCHEMES: readonly FrostScheme[] = ['frost-ed25519', 'frost-secp256k1', 'frost-p256', 'frost-secp256k1-tr'];

function nobleDkg(scheme: FrostScheme, k: number, n: number): void {
  const frost = getSuite(scheme).frost;
  const ids = Array.from({ length: n }, (_, i) => frost.Identifier.fromNumber(i + 1));
  const r1 = ids.map((id) => frost.DKG.round1(id, { min: k, max: n }));
  const others = (i: number) => r1.filter((_, j) => j !== i).map((r) => r.public);
  const r2 = r1.map((r, i) => frost.DKG.round2(r.secret, others(i)));
  for (let i = 0; i < n; i++) {
    const inbox = r2.filter((_, j) => j !== i).map((m) => m[ids[i]!]!);
    frost.DKG.round3(r1[i]!.secret, others(i), inbox);
  }
}

export async function benchDkg(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const scheme of SCHEMES) {
    for (const [k, n, runs] of CONFIGS) {
      const threshold = `${k}-of-${n}`;
      const parties: PartyId[] = Array.from({ length: n }, (_, i) => i + 1);
      rows.push(
        await row({ suite: scheme, op: 'dkg (all parties, one process)', threshold, impl: 'opentsm' }, () => runDkgLocally(scheme, k, n, { parties, sessionId: randomBytes(16) }), runs),
      );
      rows.push(await row({ suite: scheme, op: 'dkg (all parties, one process)', threshold, impl: '@noble/curves' }, () => nobleDkg(scheme, k, n), runs));
    }
  }
  return rows;
}
