/**
 * Canonical encodings of the audit log: the detail JSON and the bytes each entry's hash covers.
 *
 * hash = SHA-256( lp("opentsm/audit/v1") ‖ lp(seq decimal) ‖ lp(at) ‖ lp(actor) ‖ lp(action)
 *                 ‖ opt(keyId) ‖ opt(sessionId) ‖ lp(result) ‖ lp(detail canonical JSON) ‖ lp(prevHash 32 bytes) )
 * lp(x)  = u32be(len(x)) ‖ x   (strings as UTF-8)
 * opt(x) = 0x00 when absent, 0x01 ‖ lp(x) when present (so "absent" and "" differ)
 *
 * The genesis entry (seq 1) has prevHash = 32 zero bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/** prev_hash of the first entry: 32 zero bytes, hex. */
export const GENESIS_HASH = '0'.repeat(64);
/** Domain-separation tag of the entry hash. */
export const AUDIT_HASH_TAG = 'opentsm/audit/v1';

/** A detail value: flat scalars only (no objects, arrays or bytes). */
export type AuditDetailValue = string | number | boolean | null;
/** The `detail` of an entry: a flat JSON object. */
export type AuditDetail = Readonly<Record<string, AuditDetailValue>>;

/** The fields an entry's hash covers. */
export interface AuditHashInput {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly keyId: string | null;
  readonly sessionId: string | null;
  readonly result: string;
  /** Canonical JSON text, exactly as stored. */
  readonly detail: string;
  /** Hex of the previous entry's hash. */
  readonly prevHash: string;
}

/** Canonical JSON of a flat detail object: keys sorted by code unit, no whitespace. */
export function canonicalDetailJson(detail: AuditDetail): string {
  const keys = Object.keys(detail).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(detail[k])}`).join(',')}}`;
}

function lp(bytes: Uint8Array): Uint8Array[] {
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, bytes.length, false);
  return [len, bytes];
}

/** The canonical byte encoding of an entry (what {@link auditEntryHash} hashes). */
export function encodeAuditEntry(e: AuditHashInput): Uint8Array {
  const parts: Uint8Array[] = [
    ...lp(utf8ToBytes(AUDIT_HASH_TAG)),
    ...lp(utf8ToBytes(String(e.seq))),
    ...lp(utf8ToBytes(e.at)),
    ...lp(utf8ToBytes(e.actor)),
    ...lp(utf8ToBytes(e.action)),
  ];
  for (const v of [e.keyId, e.sessionId]) {
    if (v === null) parts.push(Uint8Array.of(0));
    else parts.push(Uint8Array.of(1), ...lp(utf8ToBytes(v)));
  }
  parts.push(...lp(utf8ToBytes(e.result)), ...lp(utf8ToBytes(e.detail)), ...lp(hexToBytes(e.prevHash)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Lower-case hex SHA-256 of {@link encodeAuditEntry}. */
export function auditEntryHash(e: AuditHashInput): string {
  return bytesToHex(sha256(encodeAuditEntry(e)));
}
