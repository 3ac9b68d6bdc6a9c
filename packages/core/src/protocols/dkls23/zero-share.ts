/**
 * Zero shares (dkls23.md §B.9, §C.4 round 2): ζ_i = Σ_{j ∈ S\{i}} (i < j ? +1 : −1)·PRF(seed_ij, ctx),
 * where seed_ij is the pair's jointly random seed and ctx binds the signing session and the signer
 * set S. Σ_{i∈S} ζ_i = 0. PRF(seed, ctx) = SHAKE128(H(tag, seed, ctx) ‖ u32(0))[0, 48) mod q.
 */
import type { PartyId } from '../../errors.js';
import type { Suite } from '../../suites/index.js';
import { SCALAR_HASH_BYTES, TAG } from './params.js';
import type { DklsPrimitives } from './primitives.js';
import { scalarsFromHash } from './scalars.js';

export function zeroShare(prims: DklsPrimitives, suite: Suite, self: PartyId, seeds: ReadonlyMap<PartyId, Uint8Array>, ctx: Uint8Array): bigint {
  const q = suite.order;
  let z = 0n;
  for (const [j, seed] of seeds) {
    const [v] = scalarsFromHash(prims.xof(prims.hash(TAG.zeroShare, seed, ctx), new Uint8Array(0), 0, SCALAR_HASH_BYTES, 1), 1, q);
    z += self < j ? v! : q - v!;
  }
  return z % q;
}
