/**
 * Identifiers every node derives identically from the client's signed request, so that all
 * nodes of a quorum agree on them without talking to each other first (checklist A2: the session
 * id is unique per request and bound into every protocol message and transcript).
 */
import { toHex, transcriptHash, utf8ToBytes } from '@opentsm/core';

export function keyIdFor(applicationId: string, requestId: string): string {
  return 'key_' + toHex(transcriptHash('opentsm/key-id/v1', utf8ToBytes(applicationId), utf8ToBytes(requestId))).slice(0, 32);
}

/**
 * The session id of one protocol run of a client request: H(kind, application id, request id,
 * key id, ...more) — every feature (keygen, signing, presigning, lifecycle, backup) derives its ids
 * here, with its own `kind`, so that ids of different runs never collide.
 */
export function sessionIdFor(kind: string, applicationId: string, requestId: string, keyId = '', ...more: string[]): Uint8Array {
  return transcriptHash('opentsm/session-id/v1', ...[kind, applicationId, requestId, keyId, ...more].map((f) => utf8ToBytes(f)));
}

export const KEY_ID_RE = /^key_[0-9a-f]{32}$/;
