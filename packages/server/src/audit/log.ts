/**
 * The node's append-only, hash-chained audit log.
 *
 * Each entry's hash covers its fields and the previous entry's hash (see `canonical.ts`), so
 * modifying, deleting, inserting or reordering stored rows breaks the chain at that point, which
 * {@link verifyAuditChain} reports. (Truncating the *tail* cannot be seen from the log alone: anchor
 * the head — `verifyAuditChain(...).head` — somewhere else, e.g. periodically in another node's log
 * or an external system, and compare.) The database also refuses UPDATE/DELETE on the table via
 * triggers, as defence in depth.
 *
 * Appends are serialised twice: an in-process queue per store (so one node never races itself;
 * entries that queue up while a write runs are written together in the next transaction — group
 * commit) and, inside the store, a write transaction that reads the head and inserts the
 * successors (so replicas sharing one PostgreSQL schema cannot fork the chain either).
 *
 * **No secrets in entries.** The API takes only the listed fields; `detail` must be a flat object
 * of strings, finite numbers, booleans or null (≤ 32 keys, ≤ 512 characters per string) and keys
 * that name secret material (secret, private, password, seed, mnemonic, share, token, master key,
 * plaintext, nonce, …) are refused with `AUDIT_INVALID_ENTRY`. Public values (key ids, public keys,
 * message digests, player lists, error codes) are fine. Callers must still never put a secret in
 * any field: the check is a safety net, not a proof.
 */
import type { AuditRow, ShareStore } from '../store/types.js';
import { MAX_AUDIT_BATCH } from '../store/validate.js';
import { auditEntryHash, canonicalDetailJson, GENESIS_HASH, type AuditDetail, type AuditDetailValue } from './canonical.js';

export { AUDIT_HASH_TAG, auditEntryHash, canonicalDetailJson, encodeAuditEntry, GENESIS_HASH } from './canonical.js';
export type { AuditDetail, AuditDetailValue, AuditHashInput } from './canonical.js';

/** What a caller records. */
export interface AuditEntryInput {
  /** Who: an application id, `node`, `peer:2`, `cli`, ... */
  readonly actor: string;
  /** What: e.g. `key.create`, `key.sign`, `application.create`. */
  readonly action: string;
  /** Outcome: `ok`, or a stable error code (`FORBIDDEN`, `PROTOCOL_ABORTED`, ...). */
  readonly result: string;
  readonly keyId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly detail?: AuditDetail | undefined;
  /** Default: now. */
  readonly at?: Date | undefined;
}

/** A stored, decoded entry. */
export interface AuditEntry {
  readonly seq: number;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly keyId: string | null;
  readonly sessionId: string | null;
  readonly result: string;
  readonly detail: AuditDetail;
  readonly prevHash: string;
  readonly hash: string;
}

/** Why a chain does not verify. */
export type AuditBreak = 'SEQUENCE_GAP' | 'PREV_HASH_MISMATCH' | 'HASH_MISMATCH';

/** Result of {@link verifyAuditChain}. */
export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly head: string }
  | { readonly ok: false; readonly brokenAt: number; readonly reason: AuditBreak; readonly message: string };

/** An audit entry was refused (bad shape, or a detail key that names secret material). */
export class AuditError extends Error {
  override readonly name = 'AuditError';
  readonly code = 'AUDIT_INVALID_ENTRY';
}

const FIELD_RE = /^[^\x00-\x1f\x7f]{1,200}$/;
const DETAIL_KEY_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Detail keys that name secret material (matched case-insensitively, ignoring `_`, `-`, `.`). */
const SECRET_KEY_RE = /secret|private|priv(?:ate)?key|passw|passphrase|seed|mnemonic|^shares?$|secretshare|keyshare|sealed|plaintext|token|masterkey|nonce|^sk$|^pin$/;
const MAX_DETAIL_KEYS = 32;
const MAX_DETAIL_STRING = 512;

function checkField(value: unknown, field: string, optional: boolean): string | null {
  if (value === undefined || value === null) {
    if (optional) return null;
    throw new AuditError(`audit ${field} is required`);
  }
  if (typeof value !== 'string' || !FIELD_RE.test(value)) throw new AuditError(`audit ${field} must be 1-200 characters without control characters`);
  return value;
}

/** Validates a detail object (see the module comment) and returns its canonical JSON. */
export function checkAuditDetail(detail: unknown): string {
  if (detail === undefined || detail === null) return '{}';
  if (typeof detail !== 'object' || Array.isArray(detail) || Object.getPrototypeOf(detail) !== Object.prototype) {
    throw new AuditError('audit detail must be a plain object');
  }
  const entries = Object.entries(detail as Record<string, unknown>);
  if (entries.length > MAX_DETAIL_KEYS) throw new AuditError(`audit detail has more than ${MAX_DETAIL_KEYS} keys`);
  const clean: Record<string, AuditDetailValue> = {};
  for (const [k, v] of entries) {
    if (!DETAIL_KEY_RE.test(k)) throw new AuditError('audit detail keys must be 1-64 characters [A-Za-z0-9_.:-]');
    if (SECRET_KEY_RE.test(k.toLowerCase().replace(/[_.:-]/g, ''))) {
      throw new AuditError(`audit detail key "${k}" names secret material; audit entries never hold secrets`);
    }
    const ok =
      v === null ||
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (typeof v === 'string' && v.length <= MAX_DETAIL_STRING);
    if (!ok) throw new AuditError(`audit detail "${k}" must be a string (≤ ${MAX_DETAIL_STRING} chars), finite number, boolean or null`);
    clean[k] = v;
  }
  return canonicalDetailJson(clean);
}

type AuditFields = { actor: string; action: string; result: string; keyId: string | null; sessionId: string | null; detail: string; at: string };

interface Queued {
  readonly fields: AuditFields;
  resolve(entry: AuditEntry): void;
  reject(err: unknown): void;
}

/** Per store: entries waiting to be written, and whether a write is running. */
const queues = new WeakMap<ShareStore, { waiting: Queued[]; writing: boolean }>();

/**
 * Group commit: entries appended while a write is running are written together by the next one
 * (one transaction, in call order), so a busy node does not pay one transaction per entry.
 */
async function drain(store: ShareStore, q: { waiting: Queued[]; writing: boolean }): Promise<void> {
  q.writing = true;
  try {
    while (q.waiting.length > 0) {
      const batch = q.waiting.splice(0, MAX_AUDIT_BATCH);
      try {
        const rows = await store.appendAuditEntries((last) => {
          let prev = last;
          return batch.map(({ fields }) => {
            const base = { ...fields, seq: (prev?.seq ?? 0) + 1, prevHash: prev?.hash ?? GENESIS_HASH };
            const row = { ...base, hash: auditEntryHash(base) };
            prev = row;
            return row;
          });
        });
        batch.forEach((b, i) => b.resolve(decode(rows[i]!)));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  } finally {
    q.writing = false;
  }
}

function decode(row: AuditRow): AuditEntry {
  let detail: AuditDetail = {};
  try {
    const parsed: unknown = JSON.parse(row.detail);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) detail = parsed as AuditDetail;
  } catch {
    // a corrupted detail still decodes (as {}); verifyAuditChain reports the broken hash
  }
  return { ...row, detail };
}

/**
 * Appends one entry and resolves to it (with its seq and hash). Rejects with `AuditError` for a
 * malformed entry (nothing is written) or a `StoreError` from the database.
 */
export function appendAudit(store: ShareStore, entry: AuditEntryInput): Promise<AuditEntry> {
  let fields: AuditFields;
  try {
    const at = entry.at ?? new Date();
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new AuditError('audit at must be a valid Date');
    fields = {
      actor: checkField(entry.actor, 'actor', false)!,
      action: checkField(entry.action, 'action', false)!,
      result: checkField(entry.result, 'result', false)!,
      keyId: checkField(entry.keyId, 'keyId', true),
      sessionId: checkField(entry.sessionId, 'sessionId', true),
      detail: checkAuditDetail(entry.detail),
      at: at.toISOString(),
    };
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new AuditError('invalid audit entry'));
  }
  return new Promise<AuditEntry>((resolve, reject) => {
    let q = queues.get(store);
    if (!q) queues.set(store, (q = { waiting: [], writing: false }));
    q.waiting.push({ fields, resolve, reject });
    if (!q.writing) void drain(store, q);
  });
}

/** Entries with seq > `afterSeq`, ascending (optionally only those about `keyId`). */
export async function readAudit(store: ShareStore, options: { afterSeq?: number; limit?: number; keyId?: string } = {}): Promise<AuditEntry[]> {
  return (await store.listAudit(options)).map(decode);
}

/**
 * Walks the whole log in pages and checks, for every entry in seq order: seq is the previous + 1
 * (starting at 1), prev_hash equals the previous entry's hash (genesis: 32 zero bytes), and hash
 * recomputes. Resolves to `{ok: true, entries, head}` (head = last hash, or the genesis hash for an
 * empty log) or `{ok: false, brokenAt, reason, message}` at the first broken entry (for a deleted
 * entry, brokenAt is the missing seq).
 */
export async function verifyAuditChain(store: ShareStore, options: { pageSize?: number } = {}): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? 1000;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const page = await store.listAudit({ afterSeq: expectedSeq - 1, limit: pageSize });
    for (const row of page) {
      if (row.seq !== expectedSeq) {
        return { ok: false, brokenAt: expectedSeq, reason: 'SEQUENCE_GAP', message: `entry ${expectedSeq} is missing` };
      }
      if (row.prevHash !== prevHash) {
        return { ok: false, brokenAt: row.seq, reason: 'PREV_HASH_MISMATCH', message: `entry ${row.seq} does not link to entry ${row.seq - 1}` };
      }
      if (auditEntryHashSafe(row) !== row.hash) {
        return { ok: false, brokenAt: row.seq, reason: 'HASH_MISMATCH', message: `entry ${row.seq} was modified` };
      }
      prevHash = row.hash;
      expectedSeq++;
    }
    if (page.length < pageSize) return { ok: true, entries: expectedSeq - 1, head: prevHash };
  }
}

/** {@link auditEntryHash}, but a row too corrupted to encode (e.g. non-hex prev_hash) yields ''. */
function auditEntryHashSafe(row: AuditRow): string {
  try {
    return auditEntryHash(row);
  } catch {
    return '';
  }
}
