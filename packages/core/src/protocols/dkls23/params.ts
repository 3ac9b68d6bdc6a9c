/**
 * DKLs23 parameters (dkls23.md §C.0) and protocol identifiers.
 *
 * t (the paper's number of signers) is `threshold` here: the Shamir polynomial has degree
 * threshold − 1 and every signing run has exactly `threshold` signers.
 */

/** λ_c: base OTs per ordered pair (= rows of the OT-extension matrix). */
export const KAPPA = 256;
/** λ_s: statistical security parameter. */
export const LAMBDA_S = 128;
/** ξ = |q| + 2·λ_s: OTs per RVOLE (columns used for pads). */
export const XI = 256 + 2 * LAMBDA_S;
/** b: width of a check block in bits (GF(2^128)). */
export const BLOCK_BITS = 128;
/** m = ξ / b: data blocks per OT-extension row. */
export const BLOCKS = XI / BLOCK_BITS;
/** L' = ξ + b: extended columns (ξ data + one random padding block). */
export const L_PRIME = XI + BLOCK_BITS;
/** Bytes of one OT-extension row (L' bits). */
export const ROW_BYTES = L_PRIME / 8;
/** Bytes of one OT-extension column (κ bits). */
export const COL_BYTES = KAPPA / 8;
/** RVOLE width: ℓ = 2 inputs (r_i, sk_i) plus ρ = 1 check column. */
export const RVOLE_WIDTH = 3;
/** Bytes hashed per derived scalar (reduced mod q: bias < 2^-128). */
export const SCALAR_HASH_BYTES = 48;
/** Bytes of one base-OT seed. */
export const SEED_BYTES = 32;

/** Envelope protocol ids. */
export const DKLS_KEYGEN_PROTOCOL = 'dkls23-keygen/v1';
export const DKLS_REFRESH_PROTOCOL = 'dkls23-ot-refresh/v1';
export const DKLS_SIGN_PROTOCOL = 'dkls23-sign/v1';

/** Largest supported number of parties (as the DKG). */
export const DKLS_MAX_PARTIES = 64;

/** Domain-separation tags (every hash of the protocol is tagged; dkls23.md §C.0). */
export const TAG = {
  setupId: 'opentsm/dkls23/v1/ot-setup-id',
  dkgSid: 'opentsm/dkls23/v1/keygen-dkg-sid',
  vsotSid: 'opentsm/dkls23/v1/vsot-sid',
  vsotPok: 'opentsm/dkls23/v1/vsot-pok',
  vsotSeed: 'opentsm/dkls23/v1/vsot-seed',
  vsotVerify: 'opentsm/dkls23/v1/vsot-verify',
  zeroCommit: 'opentsm/dkls23/v1/zero-seed-commit',
  zeroSeed: 'opentsm/dkls23/v1/zero-seed',
  keygenConfirm: 'opentsm/dkls23/v1/keygen-confirm',
  refreshKey: 'opentsm/dkls23/v1/refresh-key',
  gadget: 'opentsm/dkls23/v1/gadget',
  signContext: 'opentsm/dkls23/v1/sign-context',
  oteSid: 'opentsm/dkls23/v1/ote-sid',
  otePrg: 'opentsm/dkls23/v1/ote-prg',
  oteChi: 'opentsm/dkls23/v1/ote-chi',
  oteRo: 'opentsm/dkls23/v1/ote-ro',
  rvoleTheta: 'opentsm/dkls23/v1/rvole-theta',
  rvoleMu: 'opentsm/dkls23/v1/rvole-mu',
  zeroShare: 'opentsm/dkls23/v1/zero-share',
  commit: 'opentsm/dkls23/v1/nonce-commit',
  gammaCoefficient: 'opentsm/dkls23/v1/gamma-batch',
} as const;
