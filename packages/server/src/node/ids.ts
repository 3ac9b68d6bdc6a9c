/**
 * Identifiers every node derives identically from the client's signed request, so that all
 * nodes of a quorum agree on them without talking to each other first (checklist A2: the session
 * id is unique per request and bound into every protocol message and transcript).
 */
import { toHex, transcriptHash, utf8ToBytes } from '@opentsm/core';

export function keyIdFor(applicationId: string, requestId: string): string {
  return 'key_' + toHex(transcriptHash('opentsm/key-id/v1', utf8ToBytes(applicationId), utf8ToBytes(requestId))).slice(0, 32);
}

export function sessionIdFor(kind: 'keygen' | 'keygen-commit' | 'sign', applicationId: string, requestId: string, keyId = ''): Uint8Array {
  return transcriptHash('opentsm/session-id/v1', utf8ToBytes(kind), utf8ToBytes(applicationId), utf8ToBytes(requestId), utf8ToBytes(keyId));
}

export const KEY_ID_RE = /^key_[0-9a-f]{32}$/;
