/**
 * Verify rejects (verifiable-backup.md §7, §11, §13): flipped bytes anywhere in a backup (header,
 * challenge, seeds, d values, ciphertexts), truncation and trailing bytes, another player's backup,
 * a backup of another key, a share of player 2 proved under player 1's statement (cheating
 * prover), non-canonical and zero d_j, swapped rows, invalid statements (identity X_i, torsioned
 * Ed25519 X_i, low-order X25519 pkR). Plus the grinding demonstration of §10.1: a prover that
 * corrupts 6 rows passes Verify after ~2^6 re-rolls, and recovery still succeeds (P3).
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  assembleBackupFile,
  assertShareBackup,
  backupStatement,
  checkShareBackup,
  createShareBackup,
  generateBackupKeyPair,
  getSuite,
  randomBytes,
  verifyShareBackup,
  ErrorCode,
  ProtocolError,
  type BackupStatement,
  type HpkeKeyPair,
  type KeyShare,
  type ShareBackup,
} from '../src/index.js';
import { runDkgLocally } from '../src/testing/index.js';
import {
  buildRow,
  challengeBit,
  computeChallenge,
  encodeBlob,
  prepareStatement,
  proveBackup,
  recoverShareFromBlob,
  rowCiphertext,
  PVE_ROWS,
  type ProverRow,
} from '../src/backup/proof.js';

/** Uniform integer in [0, n). */
function randIndex(n: number): number {
  const b = randomBytes(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) % n;
}

/** Offsets of the fields of row j in a blob (spec §6.1). */
function rowLayout(blob: Uint8Array, headerLength: number, Lc: number) {
  const e = blob.subarray(headerLength, headerLength + 16);
  let off = headerLength + 16;
  const rows: { bit: 0 | 1; seed: number; d?: number; c: number; end: number }[] = [];
  for (let j = 0; j < PVE_ROWS; j++) {
    const bit = challengeBit(e, j);
    const seed = off;
    off += 32;
    let d: number | undefined;
    if (bit === 1) {
      d = off;
      off += 32;
    }
    rows.push({ bit, seed, ...(d !== undefined ? { d } : {}), c: off, end: off + Lc });
    off += Lc;
  }
  assert.equal(off, blob.length);
  return rows;
}

function flip(blob: Uint8Array, pos: number, mask = 0x01): Uint8Array {
  const t = blob.slice();
  t[pos]! ^= mask;
  return t;
}

describe('tampering: every flipped byte is rejected', () => {
  for (const scheme of ['frost-secp256k1', 'frost-ed25519'] as const) {
    test(scheme, () => {
      const keys = runDkgLocally(scheme, 2, 3);
      const op = generateBackupKeyPair('x25519');
      const b = createShareBackup({ key: keys[0]!, keyId: 'key-0001', recipientPublicKey: op.publicKey });
      const T = backupStatement(keys[0]!, { keyId: 'key-0001', player: 1, suite: 'x25519', recipientPublicKey: op.publicKey });
      assert.equal(verifyShareBackup(b, T), true);
      const p = prepareStatement(T);
      if (scheme === 'frost-secp256k1') assert.equal(p.header.length, 142, 'spec §4: secp256k1 + suite A with an 8-byte key id');
      const H = p.header.length;
      const rows = rowLayout(b.blob, H, p.ciphertextLength);
      const one = rows.find((r) => r.bit === 1)!;
      const zero = rows.find((r) => r.bit === 0)!;
      const last = rows[PVE_ROWS - 1]!;
      const positions = new Set<number>([
        0, // version
        1, // curve id
        3, // kem id
        9, // κ
        14, // key id
        H - 40, // inside lp(pkR) / X_i
        H - 1, // pkR
        H, // challenge, first byte
        H + 15, // challenge, last byte
        zero.seed, // s_{j,0} of a row with bit 0
        zero.c, // enc of its unopened c_{j,1}
        zero.end - 1, // AEAD tag of c_{j,1}
        one.seed, // s_{j,1}
        one.d!, // d_j
        one.d! + 31,
        one.c + 40, // ct of c_{j,0}
        last.seed + 7,
        b.blob.length - 1, // last byte of the last unopened ciphertext
      ]);
      while (positions.size < (scheme === 'frost-secp256k1' ? 22 : 18)) positions.add(randIndex(b.blob.length));
      for (const pos of positions) {
        const bit = 1 << randIndex(8);
        const r = checkShareBackup(flip(b.blob, pos, bit), T);
        assert.equal(r.ok, false, `flip at ${pos} accepted`);
      }
      // Truncated, trailing, empty.
      assert.equal(verifyShareBackup(b.blob.subarray(0, b.blob.length - 1), T), false);
      assert.equal(verifyShareBackup(new Uint8Array([...b.blob, 0]), T), false);
      assert.equal(verifyShareBackup(b.blob.subarray(0, H + 10), T), false);
      assert.equal(verifyShareBackup(new Uint8Array(0), T), false);
      // Wrong argument types throw (noble style), malformed values return false.
      assert.throws(() => verifyShareBackup({ ...b, blob: 'x' as unknown as Uint8Array }, T), TypeError);
      assert.throws(() => verifyShareBackup(b, { ...T, epoch: '0' as unknown as number }), TypeError);
      assert.throws(() => assertShareBackup(flip(b.blob, one.d!), T), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_BACKUP && e.culprits[0] === 1);
    });
  }
});

describe('wrong statement, wrong key, cheating provers', () => {
  let keys: KeyShare[];
  let op: HpkeKeyPair;
  let b1: ShareBackup;
  let T1: BackupStatement;
  before(() => {
    keys = runDkgLocally('ecdsa-secp256k1', 2, 3);
    op = generateBackupKeyPair('x25519');
    b1 = createShareBackup({ key: keys[0]!, keyId: 'k', recipientPublicKey: op.publicKey });
    T1 = backupStatement(keys[0]!, { keyId: 'k', player: 1, suite: 'x25519', recipientPublicKey: op.publicKey });
  });

  test("player 1's backup as player 2's; another X_i, pkR, epoch, key id, threshold, group key", () => {
    const T2 = backupStatement(keys[0]!, { keyId: 'k', player: 2, suite: 'x25519', recipientPublicKey: op.publicKey });
    assert.equal(verifyShareBackup(b1, T1), true);
    assert.equal(verifyShareBackup(b1, T2), false);
    assert.equal(verifyShareBackup(b1, { ...T1, verifyingShare: keys[0]!.verifyingShares[2]! }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, recipientPublicKey: generateBackupKeyPair().publicKey }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, epoch: 1 }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, keyId: 'k2' }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, threshold: 3 }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, partyCount: 4 }), false);
    const other = runDkgLocally('ecdsa-secp256k1', 2, 3);
    assert.equal(verifyShareBackup(b1, { ...T1, groupKey: other[0]!.groupKey }), false);
    // The same share under the other curve's scheme id: the curve id differs only for another curve.
    assert.equal(checkShareBackup(b1, { ...T1, scheme: 'ecdsa-p256' }).ok, false);
  });

  test('an epoch other than the key\'s own is refused (createShareBackup, backupStatement, assembleBackupFile)', () => {
    const isParams = (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_PARAMETERS && /epoch/.test(e.message);
    assert.throws(() => createShareBackup({ key: keys[0]!, keyId: 'k', epoch: 1, recipientPublicKey: op.publicKey }), isParams);
    assert.throws(() => backupStatement(keys[0]!, { keyId: 'k', epoch: 1, player: 1, suite: 'x25519', recipientPublicKey: op.publicKey }), isParams);
    assert.equal(backupStatement(keys[0]!, { keyId: 'k', epoch: 0, player: 1, suite: 'x25519', recipientPublicKey: op.publicKey }).epoch, 0);
    assert.throws(() => assembleBackupFile({ key: keys[0]!, keyId: 'k', epoch: 1, suite: 'x25519', recipientPublicKey: op.publicKey, backups: [b1], verify: false }), isParams);
    // A key at epoch 3: the default is 3, an explicit 3 is accepted, 0 (or 4) is refused.
    const k3: KeyShare = { ...keys[0]!, epoch: { counter: 3, id: randomBytes(32) } };
    const T3 = backupStatement(k3, { keyId: 'k', player: 1, suite: 'x25519', recipientPublicKey: op.publicKey });
    assert.equal(T3.epoch, 3);
    for (const epoch of [0, 4]) {
      assert.throws(() => backupStatement(k3, { keyId: 'k', epoch, player: 1, suite: 'x25519', recipientPublicKey: op.publicKey }), isParams);
      assert.throws(() => createShareBackup({ key: k3, keyId: 'k', epoch, recipientPublicKey: op.publicKey }), isParams);
    }
    const b3 = createShareBackup({ key: k3, keyId: 'k', epoch: 3, recipientPublicKey: op.publicKey });
    assert.equal(b3.epoch, 3);
    assert.equal(verifyShareBackup(b3, T3), true);
    assert.equal(verifyShareBackup(b3, T1), false);
  });

  test('a backup of another key (same player, same operator) fails', () => {
    const other = runDkgLocally('ecdsa-secp256k1', 2, 3);
    const bo = createShareBackup({ key: other[0]!, keyId: 'k', recipientPublicKey: op.publicKey });
    assert.equal(verifyShareBackup(bo, T1), false);
    // Even when the blob's header is rewritten to this statement's header, the proof breaks.
    const p = prepareStatement(T1);
    const po = prepareStatement(backupStatement(other[0]!, { keyId: 'k', player: 1, suite: 'x25519', recipientPublicKey: op.publicKey }));
    const forged = new Uint8Array([...p.header, ...bo.blob.subarray(po.header.length)]);
    const r = checkShareBackup(forged, T1);
    assert.equal(r.ok, false);
  });

  test("player 2's share proved under player 1's statement (cheating prover) is rejected", () => {
    const suite = getSuite('ecdsa-secp256k1');
    const x2 = suite.decodeScalar(keys[1]!.secretShare);
    assert.throws(() => proveBackup(T1, x2), (e: unknown) => e instanceof ProtocolError && e.code === ErrorCode.INVALID_SHARE);
    // A prover without the check: rows of x2 under T1.
    const p = prepareStatement(T1);
    const rows: ProverRow[] = [];
    for (let j = 0; j < PVE_ROWS; j++) rows.push(buildRow(p, j, x2, randomBytes));
    const blob = encodeBlob(p, computeChallenge(p.ctx, rows), rows);
    const r = checkShareBackup(blob, T1);
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /challenge mismatch/);
  });

  test('non-canonical or zero d_j, swapped rows', () => {
    const p = prepareStatement(T1);
    const rows = rowLayout(b1.blob, p.header.length, p.ciphertextLength);
    const one = rows.find((r) => r.bit === 1);
    assert.ok(one?.d !== undefined);
    const n = getSuite('ecdsa-secp256k1').order;
    const nBytes = Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
    for (const d of [nBytes, new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      const t = b1.blob.slice();
      t.set(d, one.d);
      const r = checkShareBackup(t, T1);
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, /canonical non-zero/);
    }
    // Swap two rows with the same challenge bit (same length): the ikmE / aad bind j, so it fails.
    const sameBit = rows.filter((r) => r.bit === rows[0]!.bit);
    const [a, c] = [sameBit[0]!, sameBit[1]!];
    const t = b1.blob.slice();
    t.set(b1.blob.subarray(a.seed, a.end), c.seed);
    t.set(b1.blob.subarray(c.seed, c.end), a.seed);
    assert.equal(verifyShareBackup(t, T1), false);
  });

  test('invalid statements: identity or off-curve X_i, torsioned Ed25519 X_i, low-order X25519 pkR', () => {
    assert.equal(verifyShareBackup(b1, { ...T1, verifyingShare: new Uint8Array(33) }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, groupKey: new Uint8Array(33) }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, recipientPublicKey: new Uint8Array(32) }), false);
    const lowOrder = Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'));
    assert.equal(verifyShareBackup(b1, { ...T1, recipientPublicKey: lowOrder }), false);
    assert.match((checkShareBackup(b1, { ...T1, recipientPublicKey: lowOrder }) as { reason: string }).reason, /invalid statement/);
    // Ed25519: X_i + (a point of order 8) is on the curve but not torsion-free.
    const ed = runDkgLocally('frost-ed25519', 2, 2);
    const Ted = backupStatement(ed[0]!, { keyId: 'e', player: 1, suite: 'x25519', recipientPublicKey: op.publicKey });
    const torsion = ed25519.Point.fromBytes(Uint8Array.from(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')));
    const X = ed25519.Point.fromBytes(ed[0]!.verifyingShares[1]!);
    assert.equal(X.add(torsion).isTorsionFree(), false);
    const r = checkShareBackup(new Uint8Array(200), { ...Ted, verifyingShare: X.add(torsion).toBytes() });
    assert.match((r as { reason: string }).reason, /invalid statement/);
    // Identity (y = 1) as X_i or PK.
    const id = new Uint8Array(32);
    id[0] = 1;
    assert.match((checkShareBackup(new Uint8Array(200), { ...Ted, groupKey: id }) as { reason: string }).reason, /invalid statement/);
    // Invalid parameters.
    assert.equal(verifyShareBackup(b1, { ...T1, threshold: 0 }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, threshold: 4 }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, player: 0 }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, epoch: -1 }), false);
    assert.equal(verifyShareBackup(b1, { ...T1, keyId: '' }), false);
  });

  test('grinding (§10.1): 6 corrupted rows pass Verify after ~2^6 re-rolls, and recovery still succeeds (P3)', () => {
    const suite = getSuite('ecdsa-secp256k1');
    const x = suite.decodeScalar(keys[0]!.secretShare);
    const p = prepareStatement(T1);
    const m = 6;
    const rows: ProverRow[] = [];
    for (let j = 0; j < PVE_ROWS; j++) {
      const row = buildRow(p, j, x, randomBytes);
      // Rows 0..m−1: the branch-1 ciphertext encrypts d_j + 1 instead of d_j (only branch 0 is openable).
      rows.push(j < m ? { ...row, c1: rowCiphertext(p, j, 1, suite.Fn.add(row.d, 1n), row.s1) } : row);
    }
    // Re-roll the last row until the challenge opens branch 0 of every corrupted row.
    let e = computeChallenge(p.ctx, rows);
    let tries = 1;
    while (![...Array(m).keys()].every((j) => challengeBit(e, j) === 0)) {
      rows[PVE_ROWS - 1] = buildRow(p, PVE_ROWS - 1, x, randomBytes);
      e = computeChallenge(p.ctx, rows);
      tries++;
      assert.ok(tries < 5000, 'grinding did not converge');
    }
    const blob = encodeBlob(p, e, rows);
    assert.equal(verifyShareBackup(blob, T1), true, 'a ground proof with corrupted rows verifies (soundness is Q·2^-128, not per row)');
    const r = recoverShareFromBlob(T1, blob, op.secretKey);
    assert.equal(r.share, x);
    assert.deepEqual([...r.badRows], [0, 1, 2, 3, 4, 5], 'bad rows are reported as evidence of cheating');
  });

  test('fixed-seed determinism (test-only RNG injection): same seeds give the same blob, other seeds another', () => {
    const suite = getSuite('ecdsa-secp256k1');
    const x = suite.decodeScalar(keys[0]!.secretShare);
    const seeded = (seed: number) => {
      let ctr = 0;
      return (n: number) => {
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = (seed * 131 + ctr * 17 + i * 7) & 0xff;
        ctr++;
        return out;
      };
    };
    const a = proveBackup(T1, x, seeded(1));
    const b = proveBackup(T1, x, seeded(1));
    const c = proveBackup(T1, x, seeded(2));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(verifyShareBackup(a, T1), true);
  });
});
