/**
 * FROST signing benchmark: one signature by every signer of a k-of-n key, all parties in this
 * process. Rows per suite and quorum (2-of-3, 3-of-5):
 * - `opentsm`: the full frost-sign/v1 session of every signer over the in-memory network (real
 *   wire codec and engine checks): commit, sign, aggregate with every share verified, final
 *   verification, on every signer.
 * - `@noble/curves`: noble's RFC 9591 FROST called directly as one coordinator would: commit and
 *   signShare for every signer, verifyShare of every share, aggregate, verify.
 * - `@cmdcode/frost` (Taproot only; BIP340 FROST): commit packages, signing context, partial
 *   signatures, verify_partial_sig of every share, combine, verify_final_sig.
 * Keys come from our DKG (runDkgLocally), made once per quorum; @cmdcode/frost uses its own dealer.
 */
import type { FrostPublic, FrostSecret, NonceCommitments } from '@noble/curves/abstract/frost.js';
import { combine_partial_sigs, create_commit_pkg, create_dealer_set, get_commit_pkg, get_group_signing_ctx, sign_msg, verify_final_sig, verify_partial_sig } from '@cmdcode/frost/lib';
import { createFrostSignSession, FROST_SCHEMES, getSuite, randomBytes, type FrostScheme, type KeyShare } from '@opentsm/core';
import { runDkgLocally, runNetwork } from '@opentsm/core/testing';
import { row, type BenchRow } from './lib.js';

const QUORUMS: readonly [number, number][] = [
  [2, 3],
  [3, 5],
];
const RUNS = 30;
const WARMUP = 3;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark sanity check failed: ${what}`);
}

/** Our session: every signer's Session over the in-memory network. */
function opentsmSign(keys: readonly KeyShare[], message: Uint8Array): void {
  const signers = keys.map((k) => k.self);
  const sessionId = randomBytes(16);
  const res = runNetwork(keys.map((key) => createFrostSignSession({ sessionId, key, signers, message })));
  check(res.results.size === keys.length, 'every opentsm session finished');
}

/** noble's FROST as a coordinator would call it. */
function nobleSign(scheme: FrostScheme, keys: readonly KeyShare[], message: Uint8Array): Uint8Array {
  const suite = getSuite(scheme);
  const frost = suite.frost;
  const k0 = keys[0]!;
  const verifyingShares: Record<string, Uint8Array> = {};
  for (const p of k0.parties) verifyingShares[frost.Identifier.fromNumber(p)] = k0.verifyingShares[p]!;
  const pub = { signers: { min: k0.threshold, max: k0.parties.length }, commitments: [k0.groupKey], verifyingShares } as FrostPublic;
  const secrets = keys.map((k) => ({ identifier: frost.Identifier.fromNumber(k.self), signingShare: k.secretShare }) as FrostSecret);
  const round1 = secrets.map((s) => frost.commit(s));
  const list: NonceCommitments[] = round1.map((r) => r.commitments);
  const shares: Record<string, Uint8Array> = {};
  secrets.forEach((s, i) => (shares[s.identifier] = frost.signShare(s, pub, round1[i]!.nonces, list, message)));
  for (const s of secrets) check(frost.verifyShare(pub, list, message, s.identifier, shares[s.identifier]!), 'noble share verifies');
  const sig = frost.aggregate(pub, list, message, shares);
  check(frost.verify(sig, message, k0.publicKey), 'noble signature verifies');
  return sig;
}

/** @cmdcode/frost: dealer key outside the timing, then the two rounds for `threshold` signers. */
function cmdcodeSetup(threshold: number, n: number): () => void {
  const group = create_dealer_set(threshold, n);
  const shares = group.shares.slice(0, threshold);
  return () => {
    const message = Buffer.from(randomBytes(32)).toString('hex');
    const commits = shares.map((s) => create_commit_pkg(s));
    const ctx = get_group_signing_ctx(group.group_pk, commits, message);
    const psigs = shares.map((share) => sign_msg(ctx, share, get_commit_pkg(commits, share)));
    for (const sig of psigs) check(verify_partial_sig(ctx, get_commit_pkg(commits, shares.find((s) => s.idx === sig.idx)!), sig.pubkey, sig.psig), 'cmdcode share verifies');
    const signature = combine_partial_sigs(ctx, psigs);
    check(verify_final_sig(ctx, message, signature), 'cmdcode signature verifies');
  };
}

export async function benchFrost(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const scheme of FROST_SCHEMES) {
    for (const [k, n] of QUORUMS) {
      const keys = runDkgLocally(scheme, k, n).slice(0, k);
      const threshold = `${k}-of-${n}`;
      const base = { suite: scheme, op: 'sign', threshold };
      const msg = () => randomBytes(32);
      rows.push(await row({ ...base, impl: 'opentsm' }, () => opentsmSign(keys, msg()), RUNS, WARMUP));
      rows.push(await row({ ...base, impl: '@noble/curves' }, () => nobleSign(scheme, keys, msg()), RUNS, WARMUP));
      if (scheme === 'frost-secp256k1-tr') rows.push(await row({ ...base, impl: '@cmdcode/frost' }, cmdcodeSetup(k, n), RUNS, WARMUP));
    }
  }
  return rows;
}
