/**
 * `dkls23-sign/v1`: DKLs23 threshold ECDSA signing (three rounds) as an engine session.
 * Spec: docs/protocols/dkls23.md ("Signing"); dkls23.md §C.4.
 *
 *   start    guard; R_i commitment (broadcast); OT-extension messages as receiver       round1.ts
 *   round 1  context check; OT-extension check as sender; sk_i, RVOLEs as sender          round1.ts
 *   round 2  nonce reveal; RVOLE checks as receiver; Γ, Σ pk_j; (u_i, w_i) broadcast      round2.ts
 *   round 3  s = Σw/Σu, low-s, recovery id, final verification → EcdsaSignature          round3.ts
 */
import type { ProtocolStart } from '../../../engine/round.js';
import { Session } from '../../../engine/session.js';
import type { PartyId } from '../../../errors.js';
import { DKLS_SIGN_PROTOCOL } from '../params.js';
import type { EcdsaSignature } from '../signature.js';
import { signContext, type DklsSignParams } from './context.js';
import { startSign } from './round1.js';

/**
 * Create this party's session of one DKLs23 signing run. Parameter errors (signer set not exactly
 * k parties of the key, self missing, bad tweak, key without OT setup, …) and a refusal of the
 * OT-session guard abort the session when it starts (state 'aborted'), like any other failure.
 * On a failed OT-extension, RVOLE or Γ check, `dklsBanSignal(session.error)` names the peer to ban.
 */
export function createDklsSignSession(params: DklsSignParams): Session<EcdsaSignature> {
  const self = params.key.self;
  const parties: PartyId[] = [...new Set([...(Array.isArray(params.signers) ? params.signers : []), self])];
  const start = (): ProtocolStart<EcdsaSignature> => startSign(signContext(params));
  return new Session<EcdsaSignature>({ sessionId: params.sessionId, protocol: DKLS_SIGN_PROTOCOL, self, parties, start });
}

/**
 * The OT-extension session ids a signing session with these parameters will submit to its
 * `otSessionGuard` (two per peer: as sender and as receiver), for nodes that reserve them in an
 * asynchronous store before creating the session. Throws ProtocolError for invalid parameters.
 */
export function dklsOtSessionIds(params: DklsSignParams): { readonly peer: PartyId; readonly otSessionId: Uint8Array }[] {
  const ctx = signContext(params);
  return ctx.peers.flatMap((peer) => {
    const pair = ctx.pairs.get(peer)!;
    return [
      { peer, otSessionId: pair.sidAsSender },
      { peer, otSessionId: pair.sidAsReceiver },
    ];
  });
}
