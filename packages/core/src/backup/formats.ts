/**
 * File formats of the backup / export / import flows: JSON with a `version` and a `type`, every
 * byte string lower-case hex, party maps keyed by the decimal index. Parsers are strict: unknown
 * fields, wrong lengths, non-canonical hex, unsorted party lists and inconsistent metadata are
 * rejected with a ProtocolError carrying a stable code. Parsing checks the structure only; the
 * cryptographic checks are `verifyBackupSet`, `recoverFromBackups`, `exportFileProblems` /
 * `combineExport` and `acceptImportedShare`.
 *
 * | type                          | what                                      | writer → reader                  |
 * |-------------------------------|-------------------------------------------|----------------------------------|
 * | `opentsm-backup-secret-key`   | the operator's HPKE key pair (SECRET)     | `tsm backup keygen` → `tsm recover` |
 * | `opentsm-share-backup`        | one node's B_i and its metadata           | node → coordinator               |
 * | `opentsm-backup`              | a key's backup set + its key record       | `tsm backup create` → `verify` / `recover` |
 * | `opentsm-export-share`        | one node's wrapped export share           | node → coordinator               |
 * | `opentsm-export`              | an export (wrapped shares + commitments)  | `tsm keys export` → `tsm recover --wrapped` |
 * | `opentsm-import`              | a client-dealt import request             | `tsm keys import` → every node   |
 *
 * Examples are in docs/protocols/backup.md.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import { equalBytes, toHex } from '../math/bytes.js';
import { getSuite } from '../suites/index.js';
import type { BackupFile, ShareBackup } from './backup.js';
import { JsonReader } from './common.js';
import type { ExportFile, WrappedExportShare } from './export.js';
import { HPKE_SUITES, hpkeKeyFingerprint, hpkePublicKey, isBackupSuite, type BackupSuite, type HpkeKeyPair } from './hpke.js';
import type { ImportRequest } from './import.js';

const MAX_BLOB_HEX = 2 * 64 * 1024;

function suiteOf(r: JsonReader, k = 'suite'): BackupSuite {
  const s = r.raw(k);
  if (!isBackupSuite(s)) r.fail(`unknown HPKE suite ${JSON.stringify(s)} (expected "x25519" or "p256")`);
  return s;
}

function pkLength(suite: BackupSuite): number {
  return suite === 'x25519' ? 32 : 65;
}

function partyRecord<T>(parties: readonly PartyId[], f: (p: PartyId) => T): Record<string, T> {
  const o: Record<string, T> = {};
  for (const p of parties) o[String(p)] = f(p);
  return o;
}

/** The operator key block of a backup file: suite ids, public key and fingerprint (spec §3.2). */
function backupKeyJson(suite: BackupSuite, publicKey: Uint8Array) {
  const ids = HPKE_SUITES[suite];
  return { suite, kem: ids.kem, kdf: ids.kdf, aead: ids.aead, publicKey: toHex(publicKey), fingerprint: toHex(hpkeKeyFingerprint(suite, publicKey)) };
}

function readBackupKey(r: JsonReader): { suite: BackupSuite; publicKey: Uint8Array } {
  const suite = suiteOf(r);
  const ids = HPKE_SUITES[suite];
  if (r.raw('kem') !== ids.kem || r.raw('kdf') !== ids.kdf || r.raw('aead') !== ids.aead) r.fail('kem / kdf / aead ids do not match the suite');
  const publicKey = r.hex('publicKey', pkLength(suite));
  const fp = r.hex('fingerprint', 32);
  if (!equalBytes(fp, hpkeKeyFingerprint(suite, publicKey))) r.fail('fingerprint does not match the public key');
  r.end();
  return { suite, publicKey };
}

// ---------------------------------------------------------------------------------------------
// Operator key pair

/** `{"version":1,"type":"opentsm-backup-secret-key","suite","kem","kdf","aead","secretKey","publicKey","fingerprint"}`. SECRET: write with mode 0600. */
export function serializeBackupSecretKey(kp: HpkeKeyPair): string {
  const pub = backupKeyJson(kp.suite, kp.publicKey);
  return JSON.stringify({ version: 1, type: 'opentsm-backup-secret-key', suite: kp.suite, kem: pub.kem, kdf: pub.kdf, aead: pub.aead, secretKey: toHex(kp.secretKey), publicKey: pub.publicKey, fingerprint: pub.fingerprint }, null, 2) + '\n';
}

/** Parse an operator key file; checks pk(secretKey) = publicKey and the fingerprint. Errors never echo the secret. */
export function parseBackupSecretKey(text: string): HpkeKeyPair {
  const r = JsonReader.parse(text, 'backup secret key', ErrorCode.INVALID_RECIPIENT_KEY);
  r.version(1, 'opentsm-backup-secret-key');
  const suite = suiteOf(r);
  const ids = HPKE_SUITES[suite];
  if (r.raw('kem') !== ids.kem || r.raw('kdf') !== ids.kdf || r.raw('aead') !== ids.aead) r.fail('kem / kdf / aead ids do not match the suite');
  const secretKey = r.hex('secretKey', 32);
  const publicKey = r.hex('publicKey', pkLength(suite));
  const fp = r.hex('fingerprint', 32);
  r.end();
  let derived: Uint8Array;
  try {
    derived = hpkePublicKey(suite, secretKey);
  } catch {
    return r.fail('secretKey is not a valid key of the suite');
  }
  if (!equalBytes(derived, publicKey)) r.fail('secretKey does not match publicKey');
  if (!equalBytes(fp, hpkeKeyFingerprint(suite, publicKey))) r.fail('fingerprint does not match the public key');
  return { suite, secretKey, publicKey };
}

// ---------------------------------------------------------------------------------------------
// One node's backup

/** `{"version":1,"type":"opentsm-share-backup","scheme","keyId","epoch","player","backupKey":{…},"blob"}`. */
export function serializeShareBackup(b: ShareBackup): string {
  return JSON.stringify({
    version: 1,
    type: 'opentsm-share-backup',
    scheme: b.scheme,
    keyId: b.keyId,
    epoch: b.epoch,
    player: b.player,
    backupKey: backupKeyJson(b.suite, b.recipientPublicKey),
    blob: toHex(b.blob),
  });
}

export function parseShareBackup(text: string): ShareBackup {
  const r = JsonReader.parse(text, 'share backup', ErrorCode.INVALID_BACKUP);
  r.version(1, 'opentsm-share-backup');
  const scheme = r.scheme();
  const keyId = r.string('keyId');
  const epoch = r.int('epoch', 0, 0xffffffff);
  const player = r.int('player', 1, 0xffff);
  const { suite, publicKey } = readBackupKey(r.object('backupKey'));
  const blobHex = r.raw('blob');
  if (typeof blobHex !== 'string' || blobHex.length > MAX_BLOB_HEX) r.fail('blob must be hex of at most 64 KiB');
  const blob = r.hexValue(blobHex, 'blob');
  r.end();
  return { scheme, keyId, epoch, player, suite, recipientPublicKey: publicKey, blob };
}

// ---------------------------------------------------------------------------------------------
// A key's backup set

/**
 * ```json
 * { "version": 1, "type": "opentsm-backup", "scheme": "ecdsa-secp256k1", "keyId": "…", "epoch": 0,
 *   "threshold": 2, "parties": [1, 2, 3], "groupKey": "02…", "publicKey": "02…", "chainCode": "…",
 *   "verifyingShares": { "1": "03…", "2": "02…", "3": "02…" },
 *   "backupKey": { "suite": "x25519", "kem": 32, "kdf": 1, "aead": 3, "publicKey": "…", "fingerprint": "…" },
 *   "backups": [ { "player": 1, "blob": "01…" }, … ],
 *   "createdAt": "2025-…" }
 * ```
 */
export function serializeBackupFile(f: BackupFile): string {
  return (
    JSON.stringify(
      {
        version: 1,
        type: 'opentsm-backup',
        scheme: f.scheme,
        keyId: f.keyId,
        epoch: f.epoch,
        threshold: f.threshold,
        parties: [...f.parties],
        groupKey: toHex(f.groupKey),
        publicKey: toHex(f.publicKey),
        chainCode: toHex(f.chainCode),
        verifyingShares: partyRecord(f.parties, (p) => toHex(f.verifyingShares[p]!)),
        backupKey: backupKeyJson(f.suite, f.recipientPublicKey),
        backups: f.backups.map((b) => ({ player: b.player, blob: toHex(b.blob) })),
        ...(f.createdAt !== undefined ? { createdAt: f.createdAt } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

/** Strict parse of a backup file (structure only; then `verifyBackupSet` / `recoverFromBackups`). */
export function parseBackupFile(text: string): BackupFile {
  const r = JsonReader.parse(text, 'backup file', ErrorCode.INVALID_BACKUP);
  r.version(1, 'opentsm-backup');
  const scheme = r.scheme();
  const suite = getSuite(scheme);
  const keyId = r.string('keyId');
  const epoch = r.int('epoch', 0, 0xffffffff);
  const parties = r.parties('parties');
  const threshold = r.int('threshold', 1, parties.length);
  const groupKey = r.hex('groupKey', suite.pointLength);
  const publicKey = r.hex('publicKey', suite.publicKeyLength);
  const chainCode = r.hex('chainCode', 32);
  const verifyingShares: Record<PartyId, Uint8Array> = {};
  for (const [p, v] of r.partyMap('verifyingShares', parties)) verifyingShares[p] = r.hexValue(v, `verifyingShares.${p}`, suite.pointLength);
  const { suite: backupSuite, publicKey: recipientPublicKey } = readBackupKey(r.object('backupKey'));
  const backups = r.array('backups').map((e, i) => {
    const b = JsonReader.of(e, `backup file.backups[${i}]`, ErrorCode.INVALID_BACKUP);
    const player = b.int('player', 1, 0xffff);
    const h = b.raw('blob');
    if (typeof h !== 'string' || h.length > MAX_BLOB_HEX) b.fail('blob must be hex of at most 64 KiB');
    const blob = b.hexValue(h, 'blob');
    b.end();
    return { player, blob };
  });
  let prev = 0;
  for (const b of backups) {
    if (b.player <= prev) r.fail('backups must be sorted by player, one per player');
    if (!parties.includes(b.player)) r.fail(`backup of player ${b.player}, who holds no share of the key`);
    prev = b.player;
  }
  let createdAt: string | undefined;
  if (r.has('createdAt')) createdAt = r.string('createdAt', 64);
  r.end();
  return { version: 1, scheme, keyId, epoch, threshold, parties, groupKey, publicKey, chainCode, verifyingShares, suite: backupSuite, recipientPublicKey, backups, ...(createdAt !== undefined ? { createdAt } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Export

function wrappedShareJson(s: WrappedExportShare) {
  return { player: s.player, recipientPublicKey: toHex(s.recipientPublicKey), verifyingShare: toHex(s.verifyingShare), ciphertext: toHex(s.ciphertext) };
}

function readWrappedShare(r: JsonReader, pointLength: number, suite: BackupSuite): WrappedExportShare {
  const player = r.int('player', 1, 0xffff);
  const recipientPublicKey = r.hex('recipientPublicKey', pkLength(suite));
  const verifyingShare = r.hex('verifyingShare', pointLength);
  const ciphertext = r.hex('ciphertext');
  r.end();
  return { player, recipientPublicKey, verifyingShare, ciphertext };
}

/** One node's wrapped share: `{"version":1,"type":"opentsm-export-share","suite","player","recipientPublicKey","verifyingShare","ciphertext"}`. */
export function serializeWrappedExportShare(s: WrappedExportShare, suite: BackupSuite): string {
  return JSON.stringify({ version: 1, type: 'opentsm-export-share', suite, ...wrappedShareJson(s) });
}

export function parseWrappedExportShare(text: string, scheme: ExportFile['scheme']): { suite: BackupSuite; share: WrappedExportShare } {
  const r = JsonReader.parse(text, 'export share', ErrorCode.INVALID_EXPORT);
  r.version(1, 'opentsm-export-share');
  const suite = suiteOf(r);
  return { suite, share: readWrappedShare(r, getSuite(scheme).pointLength, suite) };
}

/**
 * ```json
 * { "version": 1, "type": "opentsm-export", "scheme", "keyId", "exportId", "epoch", "threshold",
 *   "quorum": [1, 2], "groupKey", "verifyingShares": { "1": …, "2": … }, "tweak"?: hex,
 *   "exportedGroupKey", "publicKey", "chainCode"?: hex,
 *   "commitments": { "1": [hex, …], "2": [hex, …] }, "suite": "x25519",
 *   "shares": [ { "player", "recipientPublicKey", "verifyingShare", "ciphertext" }, … ] }
 * ```
 */
export function serializeExportFile(f: ExportFile): string {
  return (
    JSON.stringify(
      {
        version: 1,
        type: 'opentsm-export',
        scheme: f.scheme,
        keyId: f.keyId,
        exportId: f.exportId,
        epoch: f.epoch,
        threshold: f.threshold,
        quorum: [...f.quorum],
        groupKey: toHex(f.groupKey),
        verifyingShares: partyRecord(f.quorum, (p) => toHex(f.verifyingShares[p]!)),
        ...(f.tweak !== undefined ? { tweak: toHex(f.tweak) } : {}),
        exportedGroupKey: toHex(f.exportedGroupKey),
        publicKey: toHex(f.publicKey),
        ...(f.chainCode !== undefined ? { chainCode: toHex(f.chainCode) } : {}),
        commitments: partyRecord(f.quorum, (p) => (f.commitments[p] ?? []).map((c) => toHex(c))),
        suite: f.suite,
        shares: f.shares.map(wrappedShareJson),
      },
      null,
      2,
    ) + '\n'
  );
}

export function parseExportFile(text: string): ExportFile {
  const r = JsonReader.parse(text, 'export file', ErrorCode.INVALID_EXPORT);
  r.version(1, 'opentsm-export');
  const scheme = r.scheme();
  const suite = getSuite(scheme);
  const keyId = r.string('keyId');
  const exportId = r.string('exportId');
  const epoch = r.int('epoch', 0, 0xffffffff);
  const quorum = r.parties('quorum');
  const threshold = r.int('threshold', 1, quorum.length);
  const groupKey = r.hex('groupKey', suite.pointLength);
  const verifyingShares: Record<PartyId, Uint8Array> = {};
  for (const [p, v] of r.partyMap('verifyingShares', quorum)) verifyingShares[p] = r.hexValue(v, `verifyingShares.${p}`, suite.pointLength);
  const tweak = r.has('tweak') ? r.hex('tweak', suite.scalarLength) : undefined;
  const exportedGroupKey = r.hex('exportedGroupKey', suite.pointLength);
  const publicKey = r.hex('publicKey', suite.publicKeyLength);
  const chainCode = r.has('chainCode') ? r.hex('chainCode', 32) : undefined;
  const commitments: Record<PartyId, Uint8Array[]> = {};
  for (const [p, v] of r.partyMap('commitments', quorum)) {
    if (!Array.isArray(v) || v.length !== threshold - 1) r.fail(`commitments.${p} must list k − 1 = ${threshold - 1} points`);
    commitments[p] = (v as unknown[]).map((c, i) => r.hexValue(c, `commitments.${p}[${i}]`, suite.pointLength));
  }
  const hpke = suiteOf(r);
  const shares = r.array('shares').map((e, i) => readWrappedShare(JsonReader.of(e, `export file.shares[${i}]`, ErrorCode.INVALID_EXPORT), suite.pointLength, hpke));
  r.end();
  return {
    version: 1,
    scheme,
    keyId,
    exportId,
    epoch,
    threshold,
    quorum,
    groupKey,
    verifyingShares,
    ...(tweak !== undefined ? { tweak } : {}),
    exportedGroupKey,
    publicKey,
    ...(chainCode !== undefined ? { chainCode } : {}),
    commitments,
    suite: hpke,
    shares,
  };
}

// ---------------------------------------------------------------------------------------------
// Import

/**
 * ```json
 * { "version": 1, "type": "opentsm-import", "scheme", "keyId", "importId", "threshold",
 *   "parties": [1, 2, 3], "suite": "x25519", "publicKey": hex (C_0), "commitments": [hex × k],
 *   "chainCodeHash": hex, "shares": { "1": { "recipientPublicKey": hex, "ciphertext": hex }, … } }
 * ```
 */
export function serializeImportRequest(q: ImportRequest): string {
  return JSON.stringify({
    version: 1,
    type: 'opentsm-import',
    scheme: q.scheme,
    keyId: q.keyId,
    importId: q.importId,
    threshold: q.threshold,
    parties: [...q.parties],
    suite: q.suite,
    publicKey: toHex(q.publicKey),
    commitments: q.commitments.map((c) => toHex(c)),
    chainCodeHash: toHex(q.chainCodeHash),
    shares: partyRecord(q.parties, (p) => ({ recipientPublicKey: toHex(q.shares[p]!.recipientPublicKey), ciphertext: toHex(q.shares[p]!.ciphertext) })),
  });
}

export function parseImportRequest(text: string): ImportRequest {
  const r = JsonReader.parse(text, 'import request', ErrorCode.INVALID_IMPORT);
  r.version(1, 'opentsm-import');
  const scheme = r.scheme();
  const suite = getSuite(scheme);
  const keyId = r.string('keyId');
  const importId = r.string('importId');
  const parties = r.parties('parties');
  const threshold = r.int('threshold', 1, parties.length);
  const hpke = suiteOf(r);
  const publicKey = r.hex('publicKey', suite.pointLength);
  const commitments = r.array('commitments').map((c, i) => r.hexValue(c, `commitments[${i}]`, suite.pointLength));
  if (commitments.length !== threshold) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LENGTH, `import request: expected exactly k = ${threshold} commitments`);
  const chainCodeHash = r.hex('chainCodeHash', 32);
  const shares: Record<PartyId, { recipientPublicKey: Uint8Array; ciphertext: Uint8Array }> = {};
  for (const [p, v] of r.partyMap('shares', parties)) {
    const s = JsonReader.of(v, `import request.shares.${p}`, ErrorCode.INVALID_IMPORT);
    shares[p] = { recipientPublicKey: s.hex('recipientPublicKey', pkLength(hpke)), ciphertext: s.hex('ciphertext') };
    s.end();
  }
  r.end();
  return { version: 1, scheme, keyId, importId, threshold, parties, suite: hpke, publicKey, commitments, chainCodeHash, shares };
}
