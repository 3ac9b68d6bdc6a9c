/**
 * `npm run demo`: OpenTSM's protocols in one process, no servers. A 2-of-3 distributed key
 * generation (Pedersen DKG with proofs of knowledge) and a FROST signature by players 1 and 3,
 * every message going through the wire codec and the in-memory network, then an independent
 * verification of the signature (Ed25519 with OpenSSL via node:crypto; BIP340 with noble).
 */
import { createPublicKey, verify } from 'node:crypto';
import { schnorr } from '@noble/curves/secp256k1.js';
import { createFrostSignSession, randomBytes, toHex, type FrostScheme } from '@opentsm/core';
import { runDkgLocally, runNetwork } from '@opentsm/core/testing';

function demo(scheme: FrostScheme, independent: (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean, verifier: string): void {
  const t0 = performance.now();
  const shares = runDkgLocally(scheme, 2, 3);
  const t1 = performance.now();
  const message = new TextEncoder().encode('OpenTSM demo: no single machine ever held this key');
  const signers = [1, 3];
  const sessionId = randomBytes(32);
  const sessions = shares
    .filter((s) => signers.includes(s.self))
    .map((key) => createFrostSignSession({ sessionId, key, signers, message }));
  const run = runNetwork(sessions);
  const t2 = performance.now();
  const result = run.results.get(1);
  if (!result) throw new Error('signing failed');
  const ok = independent(shares[0]!.publicKey, message, result.signature);
  console.log(`\n${scheme}: 2-of-3 key, signed by players ${signers.join(' and ')}`);
  console.log(`  public key  ${toHex(shares[0]!.publicKey)}`);
  console.log(`  signature   ${toHex(result.signature)}`);
  console.log(`  verified by ${verifier}: ${ok ? 'VALID' : 'INVALID'}`);
  console.log(`  DKG ${(t1 - t0).toFixed(1)} ms, signing ${(t2 - t1).toFixed(1)} ms (all players in this process)`);
  if (!ok) process.exitCode = 1;
}

demo(
  'frost-ed25519',
  (pk, msg, sig) => verify(null, msg, createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pk]), format: 'der', type: 'spki' }), sig),
  'OpenSSL (node:crypto Ed25519)',
);
demo('frost-secp256k1-tr', (pk, msg, sig) => schnorr.verify(sig, msg, pk), 'noble BIP340 schnorr.verify');
