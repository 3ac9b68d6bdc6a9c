/**
 * Backup, export and import of keys as cluster operations (docs/operations.md, "Backup, recovery,
 * export and import"; formats and maths: docs/protocols/backup.md, verifiable-backup.md).
 *
 * Every operation runs only after this node verified the client's signed request itself; every
 * node decides on its own policy state (the client cannot make one node speak for another).
 *
 * - Backup (§6–9): each player proves a verifiable encryption of ITS OWN share to an operator
 *   backup key that an administrator authorised on this node (backup recipients; "nodes refuse to
 *   back up to an unknown pkR", §3.2, checklist H2) and returns it with the key's public record.
 *   No session between the nodes: the client collects every player's backup and verifies the set.
 * - Export (§14): only when the key's export policy (set by an administrator, default: forbidden,
 *   H1) allows the given recipient on EVERY player. The players run `export/v1` (zero-sharing
 *   re-randomisation, echo-checked commitments), each wraps its re-randomised share to the
 *   recipient and returns it; nothing new is stored. A node that refuses tells the others at once.
 * - Import (§15): only when the cluster file's `policy.allowImport` is true. Each player opens its
 *   share (HPKE to its pinned identity key), checks it against the Feldman commitments and the
 *   public key, the players agree on importCtx (`import-agree/v1`), then run a Shamir refresh
 *   (core `refresh/v1`) BEFORE the key is ever active: the stored shares are not the ones the
 *   client computed. Then the usual two-phase activation (pending share → commit → active).
 */
import {
  acceptImportedShare,
  createExportZeroSharing,
  createRefreshSession,
  createShareBackup,
  equalBytes,
  hpkeKeyFingerprint,
  inferHpkeSuite,
  keyEpoch,
  keyPackageDigest,
  parseHex,
  parseImportRequest,
  ProtocolError,
  publicPackage,
  serializeShareBackup,
  serializeWrappedExportShare,
  toHex,
  transcriptHash,
  u32be,
  utf8ToBytes,
  validateHpkePublicKey,
  wrapShareForExport,
  type BackupSuite,
  type ImportRequest,
  type Session,
} from '@opentsm/core';
import { sealShare } from '../../crypto/at-rest.js';
import { StoreError } from '../../store/errors.js';
import type { BackupRecipientRecord, ExportPolicyRecord } from '../../store/types.js';
import { createCommitSession } from '../commit-session.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { KEY_ID_RE, sessionIdFor } from '../ids.js';
import { failureToApi, toKeyInfo, type Caller, type KeyInfo } from '../key-service.js';
import type { NodeServices } from '../services.js';
import { SessionFailure } from '../session-runner.js';
import { loadNodeHpkeKey, NodeKeyError, type NodeHpkeKey } from './node-key.js';
import { keyRecordJson, type KeyRecordJson } from './record.js';
import { createAgreementSession, createExportSession, createRefusalSession, EXPORT_PROTOCOL, IMPORT_AGREE_PROTOCOL, parseAbortNotice } from './sessions.js';

export interface BackupResult {
  keyId: string;
  player: number;
  /** The `opentsm-share-backup` document of this node (docs/protocols/backup.md). */
  backup: unknown;
  /** The key's public record this node holds (the statement the backup proves against). */
  record: KeyRecordJson;
}

export interface ExportShareResult {
  keyId: string;
  exportId: string;
  player: number;
  epoch: number;
  quorum: number[];
  suite: BackupSuite;
  /** Z_{j,1..k−1} of every dealer j (hex), as this node received them. */
  commitments: Record<string, string[]>;
  /** The `opentsm-export-share` document of this node. */
  share: unknown;
  record: KeyRecordJson;
}

export interface RecipientInfo {
  fingerprint: string;
  suite: BackupSuite;
  publicKey: string;
  name: string;
  createdAt: string;
}

export interface ExportPolicyInfo {
  keyId: string;
  allowExport: boolean;
  recipients: string[];
  updatedAt?: string;
}

export interface ImportResult extends KeyInfo {
  importId: string;
  epoch: number;
}

export interface BackupServiceOptions {
  /** The node's HPKE identity key file (node config `hpkeKeyFile`); absent: import is refused. */
  hpkeKeyFile?: string | undefined;
}

function sessionId(kind: 'export' | 'import-agree' | 'import-refresh' | 'import-commit', applicationId: string, requestId: string, keyId: string): Uint8Array {
  return sessionIdFor(kind, applicationId, requestId, keyId);
}

function suiteOf(publicKey: Uint8Array, requested: string | undefined): BackupSuite {
  let suite: BackupSuite;
  try {
    suite = inferHpkeSuite(publicKey);
    validateHpkePublicKey(suite, publicKey);
  } catch {
    throw badRequest('INVALID_RECIPIENT_KEY', 'the recipient key is not a valid X25519 (32 bytes) or uncompressed P-256 (65 bytes) HPKE public key');
  }
  if (requested !== undefined && requested !== suite) throw badRequest('INVALID_RECIPIENT_KEY', `the recipient key is a ${suite} key, not ${requested}`);
  return suite;
}

function hexKey(h: string, what: string): Uint8Array {
  try {
    return parseHex(h);
  } catch {
    throw badRequest('INVALID_HEX', `${what} must be lower-case hex`);
  }
}

/** Serialise one operation at a time per kind: a backup costs ~0.5 s of CPU (suite A). */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  constructor(private readonly max: number) {}
  run<T>(f: () => Promise<T>): Promise<T> {
    if (this.waiting >= this.max) return Promise.reject(new ApiError(503, 'BUSY', 'too many backups queued on this node; retry later'));
    this.waiting++;
    const p = this.tail.then(f, f);
    this.tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p.finally(() => this.waiting--);
  }
}

export class BackupService {
  private nodeKey: NodeHpkeKey | undefined;
  private nodeKeyProblem: string | undefined;
  private readonly cpu = new Queue(64);

  constructor(
    private readonly s: NodeServices,
    opts: BackupServiceOptions = {},
  ) {
    const pinned = s.cluster.nodes.find((n) => n.player === s.player)?.hpkePublicKey;
    if (opts.hpkeKeyFile === undefined) this.nodeKeyProblem = 'this node has no HPKE identity key (hpkeKeyFile in its config): the cluster was created before key import existed';
    else if (pinned === undefined) this.nodeKeyProblem = `the cluster file pins no HPKE public key for player ${s.player} (nodes[].hpkePublicKey)`;
    else {
      try {
        // The node's logger exists only once startNode built the app: log on the next tick.
        const k = loadNodeHpkeKey(opts.hpkeKeyFile, s.player, (m) => setImmediate(() => s.log.warn({ file: opts.hpkeKeyFile }, m)));
        if (toHex(k.publicKey) !== pinned) this.nodeKeyProblem = `the HPKE key file ${opts.hpkeKeyFile} does not match the public key pinned for player ${s.player} in the cluster file`;
        else this.nodeKey = k;
      } catch (e) {
        this.nodeKeyProblem = e instanceof NodeKeyError ? e.message : 'cannot load the node HPKE key';
      }
    }
    const problem = this.nodeKeyProblem;
    if (problem !== undefined && opts.hpkeKeyFile !== undefined) setImmediate(() => s.log.warn({ problem }, 'key import disabled on this node'));
  }

  private async audit(actor: string, action: string, result: string, keyId?: string, detail?: Record<string, string | number | boolean>, sid?: Uint8Array): Promise<void> {
    await this.s.store.audit({ actor, action, result, keyId, sessionId: sid ? toHex(sid) : undefined, detail }).catch(() => undefined);
  }

  private fail(op: string, e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (e instanceof SessionFailure && e.protocolCode === 'SESSION_ABORTED') {
      const n = parseAbortNotice(e.message);
      if (n?.code === 'EXPORT_FORBIDDEN') return new ApiError(403, 'EXPORT_FORBIDDEN', `node ${n.player} refuses the export (its export policy for this key does not allow this recipient)`, [n.player]);
      if (n && op === 'key.import') return new ApiError(409, 'IMPORT_REJECTED', `node ${n.player} rejected the import (${n.code})`, [n.player]);
      if (n && op === 'key.export') return new ApiError(409, 'EXPORT_REJECTED', `node ${n.player} aborted the export (${n.code})`, [n.player]);
    }
    if (e instanceof ProtocolError) return e.culprits.length > 0 ? new ApiError(502, e.code, e.message, e.culprits) : badRequest(e.code, e.message);
    const api = failureToApi(e);
    if (api.code === 'INTERNAL') this.s.log.warn({ op, err: e instanceof Error ? `${e.name}: ${e.message}` : 'unknown error' }, 'internal error');
    this.s.metrics.errors.inc({ code: api.code });
    return api;
  }

  /** Tell the other parties of a session that this node refuses (best effort; never throws). */
  private refuse(sid: Uint8Array, protocol: string, parties: readonly number[], code: string, message: string): void {
    if (!parties.includes(this.s.player) || parties.length < 2) return;
    try {
      this.s.runner.run(createRefusalSession({ sessionId: sid, protocol, self: this.s.player, parties, code, message })).catch(() => undefined);
    } catch {
      // a session with this id already ran here: nothing to tell
    }
  }

  // ------------------------------------------------------------------------------ recipients

  private recipientInfo(r: BackupRecipientRecord): RecipientInfo {
    return { fingerprint: r.fingerprint, suite: r.suite, publicKey: r.publicKey, name: r.name, createdAt: new Date(r.createdAt).toISOString() };
  }

  async addRecipient(caller: Caller, body: { publicKey: string; suite?: string | undefined; name?: string | undefined }): Promise<RecipientInfo> {
    const pk = hexKey(body.publicKey, 'publicKey');
    const suite = suiteOf(pk, body.suite);
    const fingerprint = toHex(hpkeKeyFingerprint(suite, pk));
    const existing = await this.s.shareStore.getBackupRecipient(fingerprint);
    if (existing) return this.recipientInfo(existing);
    await this.s.shareStore.addBackupRecipient({ fingerprint, suite, publicKey: toHex(pk), name: body.name ?? '', createdBy: caller.applicationId });
    await this.audit(caller.applicationId, 'backup.recipient.add', 'ok', undefined, { fingerprint, suite });
    return this.recipientInfo((await this.s.shareStore.getBackupRecipient(fingerprint))!);
  }

  async listRecipients(): Promise<RecipientInfo[]> {
    return (await this.s.shareStore.listBackupRecipients()).map((r) => this.recipientInfo(r));
  }

  async removeRecipient(caller: Caller, fingerprint: string): Promise<{ fingerprint: string; removed: boolean }> {
    const removed = await this.s.shareStore.removeBackupRecipient(fingerprint);
    if (!removed) throw new ApiError(404, 'RECIPIENT_NOT_FOUND', 'no authorised backup key with this fingerprint');
    await this.audit(caller.applicationId, 'backup.recipient.remove', 'ok', undefined, { fingerprint });
    return { fingerprint, removed };
  }

  // ------------------------------------------------------------------------------ backup

  async backup(caller: Caller, keyId: string, body: { recipientPublicKey: string; suite?: string | undefined }): Promise<BackupResult> {
    const { share } = await this.s.keys.loadKey(caller.applicationId, keyId);
    const pk = hexKey(body.recipientPublicKey, 'recipientPublicKey');
    const suite = suiteOf(pk, body.suite);
    const fingerprint = toHex(hpkeKeyFingerprint(suite, pk));
    const detail = { recipient: fingerprint, suite, epoch: keyEpoch(share).counter };
    if (!(await this.s.shareStore.getBackupRecipient(fingerprint))) {
      await this.audit(caller.applicationId, 'key.backup', 'BACKUP_KEY_NOT_AUTHORIZED', keyId, detail);
      throw new ApiError(403, 'BACKUP_KEY_NOT_AUTHORIZED', 'this backup key is not authorised on this node (an administrator authorises operator keys: tsm backup authorize)');
    }
    try {
      const b = await this.cpu.run(async () => createShareBackup({ key: share, keyId, recipientPublicKey: pk, suite }));
      await this.audit(caller.applicationId, 'key.backup', 'ok', keyId, detail);
      return { keyId, player: this.s.player, backup: JSON.parse(serializeShareBackup(b)), record: keyRecordJson(keyId, share) };
    } catch (e) {
      const api = this.fail('key.backup', e);
      await this.audit(caller.applicationId, 'key.backup', api.code, keyId, detail);
      throw api;
    }
  }

  // ------------------------------------------------------------------------------ export policy

  private policyInfo(keyId: string, p: ExportPolicyRecord | undefined): ExportPolicyInfo {
    if (!p) return { keyId, allowExport: false, recipients: [] };
    return { keyId, allowExport: p.allowExport, recipients: [...p.recipients], updatedAt: new Date(p.updatedAt).toISOString() };
  }

  /** Admin: the key may be any application's (by id); it must be active on this node. */
  private async anyActiveKey(keyId: string): Promise<void> {
    const k = await this.s.shareStore.getKeyById(keyId);
    if (!k || k.status !== 'active') throw notFound();
  }

  async setExportPolicy(caller: Caller, keyId: string, body: { allowExport: boolean; recipients?: string[] | undefined }): Promise<ExportPolicyInfo> {
    await this.anyActiveKey(keyId);
    const recipients = (body.recipients ?? []).map((h, i) => {
      const pk = hexKey(h, `recipients[${i}]`);
      suiteOf(pk, undefined);
      return toHex(pk);
    });
    if (body.allowExport && recipients.length === 0) throw badRequest('INVALID_POLICY', 'allowing export needs at least one recipient public key (exports are wrapped only to pinned recipients)');
    if (new Set(recipients).size !== recipients.length) throw badRequest('INVALID_POLICY', 'recipients must be distinct');
    const p = await this.s.shareStore.setExportPolicy({ keyId, allowExport: body.allowExport, recipients, updatedBy: caller.applicationId });
    await this.audit(caller.applicationId, 'key.export-policy', 'ok', keyId, { allowExport: body.allowExport, recipients: recipients.length });
    return this.policyInfo(keyId, p);
  }

  async getExportPolicy(keyId: string): Promise<ExportPolicyInfo> {
    await this.anyActiveKey(keyId);
    return this.policyInfo(keyId, await this.s.shareStore.getExportPolicy(keyId));
  }

  // ------------------------------------------------------------------------------ export

  async exportShare(caller: Caller, keyId: string, body: { recipientPublicKey: string; suite?: string | undefined }): Promise<ExportShareResult> {
    const { share } = await this.s.keys.loadKey(caller.applicationId, keyId);
    const quorum = [...share.parties].sort((a, b) => a - b);
    const sid = sessionId('export', caller.applicationId, caller.requestId, keyId);
    const exportId = 'exp_' + toHex(transcriptHash('opentsm/export-id/v1', utf8ToBytes(caller.applicationId), utf8ToBytes(caller.requestId), utf8ToBytes(keyId))).slice(0, 32);
    const epoch = keyEpoch(share).counter;
    let pk: Uint8Array;
    let suite: BackupSuite;
    try {
      pk = hexKey(body.recipientPublicKey, 'recipientPublicKey');
      suite = suiteOf(pk, body.suite);
    } catch (e) {
      this.refuse(sid, EXPORT_PROTOCOL, quorum, 'INVALID_RECIPIENT_KEY', 'invalid recipient key');
      throw e;
    }
    const recipient = toHex(pk);
    const detail = { exportId, recipient: toHex(hpkeKeyFingerprint(suite, pk)), suite, epoch, quorum: quorum.join(',') };
    const policy = await this.s.shareStore.getExportPolicy(keyId);
    if (!policy || !policy.allowExport || !policy.recipients.includes(recipient)) {
      this.refuse(sid, EXPORT_PROTOCOL, quorum, 'EXPORT_FORBIDDEN', 'export forbidden by this node\'s policy');
      await this.audit(caller.applicationId, 'key.export', 'EXPORT_FORBIDDEN', keyId, detail, sid);
      throw new ApiError(403, 'EXPORT_FORBIDDEN', policy?.allowExport ? 'this recipient key is not allowed by the key\'s export policy' : 'the export policy of this key forbids export (an administrator can allow it: tsm keys export-policy)');
    }
    try {
      const context = transcriptHash(
        'opentsm/export-ctx/v1',
        utf8ToBytes(exportId),
        utf8ToBytes(keyId),
        u32be(epoch),
        utf8ToBytes(quorum.join(',')),
        utf8ToBytes(suite),
        pk,
        keyPackageDigest(publicPackage(share)),
      );
      const zero = createExportZeroSharing({ key: share, quorum });
      const rounds = await this.run('export', createExportSession({ sessionId: sid, key: share, quorum, context, zero }));
      const wrapped = wrapShareForExport({ key: share, keyId, exportId, epoch, quorum, recipientPublicKey: pk, suite, rerandomization: rounds });
      for (const z of [...Object.values(rounds.shares), ...Object.values(zero.shares)]) z.fill(0);
      const commitments: Record<string, string[]> = {};
      for (const j of quorum) commitments[String(j)] = (rounds.commitments[j] ?? []).map((c) => toHex(c));
      await this.audit(caller.applicationId, 'key.export', 'ok', keyId, detail, sid);
      return { keyId, exportId, player: this.s.player, epoch, quorum, suite, commitments, share: JSON.parse(serializeWrappedExportShare(wrapped, suite)), record: keyRecordJson(keyId, share) };
    } catch (e) {
      const api = this.fail('key.export', e);
      await this.audit(caller.applicationId, 'key.export', api.code, keyId, detail, sid);
      throw api;
    }
  }

  // ------------------------------------------------------------------------------ import

  async importKey(caller: Caller, body: { request: unknown; protocol?: string | undefined }): Promise<ImportResult> {
    let req: ImportRequest;
    try {
      req = parseImportRequest(JSON.stringify(body.request));
    } catch (e) {
      throw badRequest(e instanceof ProtocolError ? e.code : 'INVALID_IMPORT', e instanceof Error ? e.message : 'invalid import request');
    }
    const keyId = req.keyId;
    if (!KEY_ID_RE.test(keyId)) throw badRequest('INVALID_IMPORT', 'keyId must look like key_<32 hex>');
    const parties = [...req.parties];
    const n = parties.length;
    const k = req.threshold;
    const agreeSid = sessionId('import-agree', caller.applicationId, caller.requestId, keyId);
    const detail = { scheme: req.scheme, threshold: `${k}-of-${n}`, importId: req.importId };
    const reject = async (api: ApiError, tellOthers: boolean): Promise<never> => {
      if (tellOthers) this.refuse(agreeSid, IMPORT_AGREE_PROTOCOL, parties, api.code, api.message);
      await this.audit(caller.applicationId, 'key.import', api.code, keyId, detail, agreeSid);
      throw api;
    };
    if (this.s.cluster.policy?.allowImport !== true)
      return reject(new ApiError(403, 'IMPORT_FORBIDDEN', 'key import is forbidden by the cluster policy (policy.allowImport in cluster.json)'), false);
    const clusterPlayers = this.s.cluster.nodes.map((x) => x.player);
    for (const p of parties) if (!clusterPlayers.includes(p)) return reject(badRequest('INVALID_PLAYERS', `player ${p} is not in the cluster`), false);
    if (!parties.includes(this.s.player)) return reject(badRequest('INVALID_PLAYERS', `this node (player ${this.s.player}) is not one of the import's players`), false);
    let protocol: 'frost' | 'honest-majority';
    if (req.scheme.startsWith('frost-')) {
      if (body.protocol !== undefined) return reject(badRequest('INVALID_PROTOCOL', `protocol applies to ECDSA schemes only (${req.scheme} uses FROST)`), false);
      protocol = 'frost';
    } else if (body.protocol === undefined || body.protocol === 'honest-majority') protocol = 'honest-majority';
    else return reject(new ApiError(501, 'UNSUPPORTED_PROTOCOL', `import into ${body.protocol} keys is not supported (their OT setup needs a DKLs23 key generation); import as honest-majority`), false);
    if (protocol === 'honest-majority' && n < 2 * k - 1)
      return reject(badRequest('INVALID_THRESHOLD', `honest-majority ECDSA needs n ≥ 2k−1: a ${k}-of-n key needs at least ${2 * k - 1} players`), false);
    const nodeKey = this.nodeKey;
    if (!nodeKey) return reject(new ApiError(409, 'NODE_ENCRYPTION_KEY_MISSING', `node ${this.s.player} cannot take part in an import: ${this.nodeKeyProblem ?? 'no HPKE identity key'}`), true);
    try {
      await this.s.store.insertPendingKey({ keyId, applicationId: caller.applicationId, scheme: req.scheme, threshold: k, parties, protocol });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'CONFLICT') return reject(new ApiError(409, 'KEY_EXISTS', 'a key with this id already exists'), true);
      throw this.fail('key.import', e);
    }
    try {
      // §15 steps 2–5: commitments, own share (HPKE to this node's pinned key), Feldman, verifying shares.
      let accepted: ReturnType<typeof acceptImportedShare>;
      try {
        accepted = acceptImportedShare(req, { self: this.s.player, nodeSecretKey: nodeKey.secretKey });
      } catch (e) {
        const api = e instanceof ProtocolError ? badRequest(e.code, e.message) : new ApiError(500, 'INTERNAL', 'internal error');
        this.refuse(agreeSid, IMPORT_AGREE_PROTOCOL, parties, api.code, api.message);
        throw api;
      }
      // Step 6: every node accepted the same importCtx.
      const digest = transcriptHash('opentsm/import-agree/v1', accepted.confirmation);
      await this.run('import-agree', createAgreementSession({ sessionId: agreeSid, self: this.s.player, parties, digest }));
      // Automatic refresh before activation: the stored shares are not the client-dealt ones.
      const refreshSid = sessionId('import-refresh', caller.applicationId, caller.requestId, keyId);
      const share = await this.run('import-refresh', createRefreshSession({ sessionId: refreshSid, key: accepted.key }));
      if (!equalBytes(share.groupKey, accepted.key.groupKey)) throw new ApiError(500, 'INTERNAL', 'internal error');
      const version = 1;
      const publicKey = toHex(share.publicKey);
      const sealed = sealShare(this.s.masterKey, { keyId, player: this.s.player, version }, this.s.keys.encodeShare(protocol, share));
      await this.s.store.storePendingShare(keyId, publicKey, sealed, version);
      const commitDigest = transcriptHash('opentsm/key-commit/v1', utf8ToBytes(keyId), share.groupKey, share.chainCode, utf8ToBytes(parties.join(',')), keyPackageDigest(publicPackage(share)));
      await this.run('import-commit', createCommitSession({ sessionId: sessionId('import-commit', caller.applicationId, caller.requestId, keyId), self: this.s.player, parties, digest: commitDigest }));
      await this.s.store.activateKey(keyId);
      const epoch = keyEpoch(share).counter;
      await this.audit(caller.applicationId, 'key.import', 'ok', keyId, { ...detail, epoch }, agreeSid);
      const row = await this.s.store.getKey(caller.applicationId, keyId);
      if (!row) throw new ApiError(500, 'INTERNAL', 'internal error');
      return { ...toKeyInfo(row), importId: req.importId, epoch };
    } catch (e) {
      await this.s.store.failKey(keyId).catch(() => undefined);
      const api = this.fail('key.import', e);
      await this.audit(caller.applicationId, 'key.import', api.code, keyId, detail, agreeSid);
      throw api;
    }
  }

  private async run<T>(protocol: string, session: Session<T>): Promise<T> {
    const end = this.s.metrics.sessionDuration.startTimer({ protocol });
    this.s.metrics.activeSessions.inc();
    try {
      const r = await this.s.runner.run(session);
      this.s.metrics.sessions.inc({ protocol, result: 'ok' });
      return r;
    } catch (e) {
      this.s.metrics.sessions.inc({ protocol, result: e instanceof SessionFailure ? e.code : 'error' });
      throw e;
    } finally {
      this.s.metrics.activeSessions.dec();
      end();
    }
  }
}
