/**
 * BIP340 test vectors (vectors/bip340.csv, all 19 rows, incl. the variable-length messages of
 * rows 15–18) against the verifier of the frost-secp256k1-tr suite (`suite.verify`), which the
 * signing session uses for its final check. A Taproot FROST signature must be exactly a BIP340
 * signature under the x-only group key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getSuite } from '../src/index.js';
import { unhex } from './helpers/frost.js';

interface Row {
  index: number;
  publicKey: string;
  message: string;
  signature: string;
  result: boolean;
  comment: string;
}

function rows(): Row[] {
  const text = readFileSync(new URL('./vectors/bip340.csv', import.meta.url), 'utf8').trim();
  const [header, ...lines] = text.split(/\r?\n/);
  assert.match(header!, /^index,secret key,public key,aux_rand,message,signature,verification result,comment$/);
  return lines.map((l) => {
    const f = l.split(',');
    return { index: Number(f[0]), publicKey: f[2]!, message: f[4]!, signature: f[5]!, result: f[6] === 'TRUE', comment: f.slice(7).join(',') };
  });
}

describe('BIP340 vectors against the frost-secp256k1-tr verifier', () => {
  const suite = getSuite('frost-secp256k1-tr');
  const all = rows();

  it('the file has the 19 current vectors, valid and invalid', () => {
    assert.equal(all.length, 19);
    assert.ok(all.some((r) => r.result) && all.some((r) => !r.result));
  });

  for (const r of all) {
    it(`vector ${r.index}: ${r.result ? 'valid' : 'invalid'}${r.comment ? ` (${r.comment})` : ''}`, () => {
      assert.equal(suite.verify(unhex(r.signature.toLowerCase()), unhex(r.message.toLowerCase()), unhex(r.publicKey.toLowerCase())), r.result);
    });
  }

  it('valid vectors also verify with a 33-byte even-y key; a flipped signature bit fails', () => {
    for (const r of all.filter((x) => x.result)) {
      const sig = unhex(r.signature.toLowerCase());
      const msg = unhex(r.message.toLowerCase());
      const pk = unhex(r.publicKey.toLowerCase());
      assert.ok(suite.verify(sig, msg, Uint8Array.of(0x02, ...pk)));
      const bad = sig.slice();
      bad[63]! ^= 1;
      assert.equal(suite.verify(bad, msg, pk), false);
    }
  });
});
