/**
 * Last round of refresh and reshare: the shared confirmation round (../confirmation-round.ts).
 * Every player broadcasts the hash of the complete new public key package (confirmationHash:
 * scheme, threshold, parties, group key, every new verifying share, chain code, new epoch, Taproot
 * internal key, bound to the session id; protocols.md §4.2–4.4, checklist D5/D6) and outputs only
 * if every other player's hash equals its own. The caller keeps new shares pending until every
 * player has reported success (the cluster's two-phase commit) and deletes old shares only then.
 */
export { ConfirmationRound } from '../confirmation-round.js';
