/**
 * Argument checks shared by both store implementations, so that bad input is refused with
 * `INVALID_ARGUMENT` before it reaches SQL (and both dialects refuse the same things).
 * Messages name the field, never its value.
 */
import { StoreError, StoreErrorCode } from './errors.js';
import type {
  KeyActivation,
  KeyStatus,
  ListAuditOptions,
  ListKeysOptions,
  NewApplication,
  NewKey,
  NewPendingShare,
  PendingShareRecord,
  ShareReplacement,
} from './types.js';

const ID_RE = /^[\x21-\x7e]{1,128}$/; // printable ASCII without spaces
const HEX_RE = /^(?:[0-9a-f]{2})+$/;

function invalid(message: string): StoreError {
  return new StoreError(StoreErrorCode.INVALID_ARGUMENT, message);
}

/** An identifier: 1..128 printable ASCII characters, no spaces. */
export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_RE.test(value)) throw invalid(`${field} must be 1-128 printable ASCII characters`);
  return value;
}

/** A timestamp in ms: a non-negative safe integer. */
export function checkTime(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${field} must be a non-negative integer (ms since the epoch)`);
  }
  return value;
}

/** A non-negative integer below 2^31 (versions, players). */
export function checkSmallInt(value: unknown, field: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw invalid(`${field} must be an integer in [${min}, 2^31)`);
  }
  return value;
}

/** Non-empty lower-case hex of whole bytes, at most `maxBytes`. */
export function checkHex(value: unknown, field: string, maxBytes = 1024): string {
  if (typeof value !== 'string' || !HEX_RE.test(value) || value.length > maxBytes * 2) {
    throw invalid(`${field} must be lower-case hex of 1-${maxBytes} bytes`);
  }
  return value;
}

/** Non-empty bytes, at most 1 MiB. */
export function checkBytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length === 0 || value.length > 1 << 20) {
    throw invalid(`${field} must be 1 byte to 1 MiB`);
  }
  return value;
}

function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || /[\x00-\x1f\x7f]/.test(value)) {
    throw invalid(`${field} must be 1-${max} characters without control characters`);
  }
  return value;
}

/** k-of-n: parties are distinct integers in [1, 65535], 1 <= k <= n. */
export function checkQuorum(threshold: unknown, parties: unknown): { threshold: number; parties: number[] } {
  if (!Array.isArray(parties) || parties.length === 0 || parties.length > 1024) {
    throw invalid('parties must be a non-empty array of at most 1024 player indices');
  }
  const seen = new Set<number>();
  for (const p of parties as unknown[]) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
      throw invalid('parties must be integers in [1, 65535]');
    }
    if (seen.has(p)) throw invalid('parties must be distinct');
    seen.add(p);
  }
  if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1 || threshold > parties.length) {
    throw invalid('threshold must be an integer k with 1 <= k <= number of parties');
  }
  return { threshold, parties: [...(parties as number[])] };
}

/** Validated {@link NewApplication} with defaults filled in. */
export function checkNewApplication(app: NewApplication): Required<NewApplication> {
  checkId(app.applicationId, 'applicationId');
  checkText(app.name, 'name', 200);
  if (app.algorithm !== 'ed25519' && app.algorithm !== 'p256') throw invalid("algorithm must be 'ed25519' or 'p256'");
  if (app.role !== 'admin' && app.role !== 'app') throw invalid("role must be 'admin' or 'app'");
  checkHex(app.publicKey, 'publicKey', 256);
  if (app.enabled !== undefined && typeof app.enabled !== 'boolean') throw invalid('enabled must be a boolean');
  return {
    applicationId: app.applicationId,
    name: app.name,
    algorithm: app.algorithm,
    publicKey: app.publicKey,
    role: app.role,
    enabled: app.enabled ?? true,
    createdAt: app.createdAt === undefined ? Date.now() : checkTime(app.createdAt, 'createdAt'),
  };
}

/** Validated {@link NewKey} with defaults filled in. */
export function checkNewKey(key: NewKey): Required<NewKey> & { parties: number[] } {
  checkId(key.keyId, 'keyId');
  checkId(key.applicationId, 'applicationId');
  checkId(key.scheme, 'scheme');
  const q = checkQuorum(key.threshold, key.parties);
  return {
    keyId: key.keyId,
    applicationId: key.applicationId,
    scheme: key.scheme,
    threshold: q.threshold,
    parties: q.parties,
    createdAt: key.createdAt === undefined ? Date.now() : checkTime(key.createdAt, 'createdAt'),
    protocol: key.protocol === undefined ? (key.scheme.startsWith('frost-') ? 'frost' : 'honest-majority') : checkProtocol(key.protocol),
  };
}

/** Validated {@link KeyActivation} with defaults filled in. */
export function checkActivation(a: KeyActivation): Required<KeyActivation> {
  return {
    publicKey: checkHex(a.publicKey, 'publicKey', 256),
    sealedShare: checkBytes(a.sealedShare, 'sealedShare'),
    version: a.version === undefined ? 1 : checkSmallInt(a.version, 'version', 1),
    updatedAt: a.updatedAt === undefined ? Date.now() : checkTime(a.updatedAt, 'updatedAt'),
  };
}

/** Validated {@link ShareReplacement}; `threshold`/`parties` are both given or both absent in the result. */
export function checkReplacement(
  r: ShareReplacement,
): { expectedVersion: number; version: number; sealedShare: Uint8Array; updatedAt: number; quorum?: { threshold: number; parties: number[] } } {
  const expectedVersion = checkSmallInt(r.expectedVersion, 'expectedVersion');
  const version = checkSmallInt(r.version, 'version', 1);
  if (version <= expectedVersion) throw invalid('version must be greater than expectedVersion');
  const sealedShare = checkBytes(r.sealedShare, 'sealedShare');
  const updatedAt = r.updatedAt === undefined ? Date.now() : checkTime(r.updatedAt, 'updatedAt');
  if ((r.threshold === undefined) !== (r.parties === undefined)) throw invalid('threshold and parties must be given together');
  const quorum = r.threshold === undefined ? undefined : checkQuorum(r.threshold, r.parties);
  return quorum ? { expectedVersion, version, sealedShare, updatedAt, quorum } : { expectedVersion, version, sealedShare, updatedAt };
}

/** Validated {@link ListKeysOptions}. */
export function checkListKeys(o: ListKeysOptions | undefined): { limit: number; after: string | undefined } {
  const limit = o?.limit === undefined ? 100 : checkSmallInt(o.limit, 'limit', 1);
  if (limit > 1000) throw invalid('limit must be at most 1000');
  const after = o?.after === undefined ? undefined : checkId(o.after, 'after');
  return { limit, after };
}

/** Validated {@link ListAuditOptions}. */
export function checkListAudit(o: ListAuditOptions | undefined): { afterSeq: number; limit: number; keyId: string | undefined } {
  const afterSeq = o?.afterSeq === undefined ? 0 : checkTime(o.afterSeq, 'afterSeq');
  const limit = o?.limit === undefined ? 1000 : checkSmallInt(o.limit, 'limit', 1);
  if (limit > 10000) throw invalid('limit must be at most 10000');
  const keyId = o?.keyId === undefined ? undefined : checkId(o.keyId, 'keyId');
  return { afterSeq, limit, keyId };
}

/** Parses the stored `parties` JSON (written by us; a corrupt value is a DB_ERROR, not a crash). */
export function parseParties(json: string): number[] {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new StoreError(StoreErrorCode.DB_ERROR, 'stored parties column is corrupt');
  }
  return v as number[];
}

/** Most rows one `appendAuditEntries` call inserts. */
export const MAX_AUDIT_BATCH = 256;

/** Checks the rows built for `appendAuditEntries`: 1..MAX_AUDIT_BATCH, each following the one before (the first follows `last`). */
export function checkAuditRows(last: { seq: number; hash: string } | undefined, rows: readonly { seq: number; prevHash: string; hash: string }[]): void {
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > MAX_AUDIT_BATCH) throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, `an audit append takes 1 to ${MAX_AUDIT_BATCH} rows`);
  let prev = last;
  for (const row of rows) {
    checkAuditSuccessor(prev, row);
    prev = row;
  }
}

/** Checks a row built for `appendAuditEntries` follows `last` (seq + 1, prev hash linked). */
export function checkAuditSuccessor(
  last: { seq: number; hash: string } | undefined,
  row: { seq: number; prevHash: string },
): void {
  const expectedSeq = (last?.seq ?? 0) + 1;
  const expectedPrev = last?.hash ?? '0'.repeat(64);
  if (row.seq !== expectedSeq || row.prevHash !== expectedPrev) {
    throw new StoreError(StoreErrorCode.AUDIT_CONFLICT, 'audit row does not extend the current chain head');
  }
}

/** A key status. */
export function checkStatus(value: unknown): KeyStatus {
  if (value !== 'pending' && value !== 'active' && value !== 'failed') throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'status must be pending, active or failed');
  return value;
}

/** A key's signing protocol. */
export function checkProtocol(value: unknown): string {
  if (value !== 'frost' && value !== 'honest-majority' && value !== 'dkls23') throw new StoreError(StoreErrorCode.INVALID_ARGUMENT, 'protocol must be frost, honest-majority or dkls23');
  return value;
}

/** A session id of a refresh / reshare run: lower-case hex, 2..128 characters. */
export function checkSessionId(value: unknown): string {
  if (typeof value !== 'string' || !/^(?:[0-9a-f]{2}){1,64}$/.test(value)) throw invalid('sessionId must be lower-case hex of 1-64 bytes');
  return value;
}

/** Validated {@link NewPendingShare} with defaults filled in. */
export function checkNewPendingShare(p: NewPendingShare): PendingShareRecord {
  if (p === null || typeof p !== 'object') throw invalid('pending share must be an object');
  checkId(p.keyId, 'keyId');
  const sessionId = checkSessionId(p.sessionId);
  if (p.operation !== 'refresh' && p.operation !== 'reshare') throw invalid("operation must be 'refresh' or 'reshare'");
  if (p.action !== 'replace' && p.action !== 'insert' && p.action !== 'remove') throw invalid("action must be 'replace', 'insert' or 'remove'");
  checkId(p.applicationId, 'applicationId');
  checkId(p.scheme, 'scheme');
  const protocol = checkProtocol(p.protocol);
  const publicKey = checkHex(p.publicKey, 'publicKey', 256);
  const fromVersion = checkSmallInt(p.fromVersion, 'fromVersion');
  const version = checkSmallInt(p.version, 'version', 1);
  if (version <= fromVersion) throw invalid('version must be greater than fromVersion');
  if (p.action === 'insert' && fromVersion !== 0) throw invalid('fromVersion must be 0 for an insert');
  let sealedShare: Uint8Array | null;
  if (p.action === 'remove') {
    if (p.sealedShare !== null) throw invalid('a removal carries no share');
    sealedShare = null;
  } else sealedShare = checkBytes(p.sealedShare, 'sealedShare');
  const q = checkQuorum(p.threshold, p.parties);
  const participants = checkQuorum(1, p.participants).parties.sort((a, b) => a - b);
  for (const x of q.parties) if (!participants.includes(x)) throw invalid('every party must be a participant');
  const digest = checkHex(p.digest, 'digest', 64);
  return {
    keyId: p.keyId,
    sessionId,
    operation: p.operation,
    action: p.action,
    applicationId: p.applicationId,
    scheme: p.scheme,
    protocol,
    publicKey,
    fromVersion,
    version,
    sealedShare,
    threshold: q.threshold,
    parties: q.parties.sort((a, b) => a - b),
    participants,
    digest,
    createdAt: p.createdAt === undefined ? Date.now() : checkTime(p.createdAt, 'createdAt'),
  };
}
