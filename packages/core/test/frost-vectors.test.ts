/**
 * RFC 9591 Appendix E test vectors (frost-ed25519 / frost-secp256k1 / frost-p256) and the Zcash
 * Foundation vectors (same scenario, other random draws; big identifiers; the secp256k1-tr
 * Taproot variant), replayed step by step through our FROST functions: shares from the polynomial
 * (Appendix C), nonces from the randomness (§4.1), commitments (§5.1), binding-factor inputs and
 * binding factors (§4.4), signature shares (§5.2), the aggregate signature (§5.3), verification.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  frostAggregate,
  frostCiphersuite,
  frostCommit,
  frostNonceGenerate,
  FrostSigningPackage,
  frostSignShare,
  frostSigningKey,
  frostVerifyShare,
  getSuite,
  type FrostScheme,
  type PartyId,
} from '../src/index.js';
import { bindingFactorPrefix } from '../src/protocols/frost/signing-package.js';
import { dealKeyShares, hex, range, replayRng, unhex, verifyIndependently } from './helpers/frost.js';

interface Vector {
  config: { MAX_PARTICIPANTS: string; MIN_PARTICIPANTS: string; NUM_PARTICIPANTS: string };
  inputs: {
    participant_list: number[];
    group_secret_key: string;
    group_public_key?: string;
    verifying_key_key?: string;
    message: string;
    share_polynomial_coefficients: string[];
    participant_shares: { identifier: number; participant_share: string }[];
  };
  round_one_outputs: {
    outputs: {
      identifier: number;
      hiding_nonce_randomness: string;
      binding_nonce_randomness: string;
      hiding_nonce: string;
      binding_nonce: string;
      hiding_nonce_commitment: string;
      binding_nonce_commitment: string;
      binding_factor_input: string;
      binding_factor: string;
    }[];
  };
  round_two_outputs: { outputs: { identifier: number; sig_share: string }[] };
  final_output: { sig: string };
}

const FILES: [FrostScheme, string][] = [
  ['frost-ed25519', 'frost-ed25519.json'],
  ['frost-secp256k1', 'frost-secp256k1.json'],
  ['frost-p256', 'frost-p256.json'],
  ['frost-ed25519', 'zf/frost-ed25519.json'],
  ['frost-secp256k1', 'zf/frost-secp256k1.json'],
  ['frost-p256', 'zf/frost-p256.json'],
  ['frost-ed25519', 'zf/frost-ed25519-big-identifier.json'],
  ['frost-secp256k1', 'zf/frost-secp256k1-big-identifier.json'],
  ['frost-secp256k1-tr', 'zf/frost-secp256k1-tr.json'],
];

function load(file: string): Vector {
  return JSON.parse(readFileSync(new URL(`./vectors/${file}`, import.meta.url), 'utf8')) as Vector;
}

describe('RFC 9591 / ZF FROST vectors', () => {
  for (const [scheme, file] of FILES) {
    it(`${file} (${scheme})`, () => {
      const v = load(file);
      const suite = getSuite(scheme);
      const cs = frostCiphersuite(suite);
      const max = Number(v.config.MAX_PARTICIPANTS);
      const min = Number(v.config.MIN_PARTICIPANTS);
      const msg = unhex(v.inputs.message);

      // Appendix C: shares are the polynomial evaluated at each identifier (Horner).
      const keys = dealKeyShares(scheme, min, max, {
        parties: range(max),
        secret: suite.decodeScalar(unhex(v.inputs.group_secret_key)),
        coefficients: v.inputs.share_polynomial_coefficients.map((c) => suite.decodeScalar(unhex(c))),
        adjust: false, // dealer keys are signed as given (no TapTweak), like ZF / noble
      });
      assert.equal(hex(keys[0]!.groupKey), v.inputs.group_public_key ?? v.inputs.verifying_key_key);
      for (const p of v.inputs.participant_shares) assert.equal(hex(keys[p.identifier - 1]!.secretShare), p.participant_share, `share ${p.identifier}`);
      const keyOf = (id: PartyId) => keys[id - 1]!;

      // §4.1 nonce_generate and §5.1 commit from the recorded randomness.
      const round1 = v.round_one_outputs.outputs;
      const nonces = round1.map((o) => {
        const share = keyOf(o.identifier).secretShare;
        assert.equal(hex(suite.encodeScalar(frostNonceGenerate(cs, share, unhex(o.hiding_nonce_randomness)))), o.hiding_nonce);
        assert.equal(hex(suite.encodeScalar(frostNonceGenerate(cs, share, unhex(o.binding_nonce_randomness)))), o.binding_nonce);
        const n = frostCommit(keyOf(o.identifier), replayRng([unhex(o.hiding_nonce_randomness), unhex(o.binding_nonce_randomness)]));
        assert.equal(hex(n.commitment.hiding), o.hiding_nonce_commitment);
        assert.equal(hex(n.commitment.binding), o.binding_nonce_commitment);
        return n;
      });
      assert.deepEqual(
        round1.map((o) => o.identifier),
        v.inputs.participant_list,
      );

      // §4.4 binding factors, computed by a signer (own nonces) and by a coordinator (none).
      const list = nonces.map((n) => n.commitment);
      const key = frostSigningKey(keys[0]!);
      const pkg = FrostSigningPackage.create(key, msg, list);
      const prefix = bindingFactorPrefix(cs, key.groupKeyBytes, list, msg);
      for (const o of round1) {
        assert.equal(hex(prefix) + hex(cs.serializeIdentifier(o.identifier)), o.binding_factor_input);
        assert.equal(hex(suite.encodeScalar(pkg.bindingFactors.get(o.identifier)!)), o.binding_factor);
      }

      // §5.2 signature shares (each signer builds its own package with its nonces), §5.4 checks.
      const shares = new Map<PartyId, Uint8Array>();
      round1.forEach((o, i) => {
        const own = FrostSigningPackage.create(frostSigningKey(keyOf(o.identifier)), msg, list, nonces[i]);
        assert.equal(hex(own.groupCommitmentBytes), hex(pkg.groupCommitmentBytes), 'own R_i path gives the same R');
        const z = frostSignShare(keyOf(o.identifier), nonces[i]!, own);
        shares.set(o.identifier, z);
        assert.ok(frostVerifyShare(pkg, o.identifier, suite.decodeScalar(z)));
      });
      for (const o of v.round_two_outputs.outputs) assert.equal(hex(shares.get(o.identifier)!), o.sig_share, `sig share ${o.identifier}`);

      // §5.3 aggregate (verifies every share and the signature).
      const sig = frostAggregate(pkg, shares);
      assert.equal(hex(sig), v.final_output.sig);
      assert.ok(suite.verify(sig, msg, keys[0]!.publicKey));
      assert.ok(verifyIndependently(scheme, sig, msg, keys[0]!.publicKey));
    });
  }
});
