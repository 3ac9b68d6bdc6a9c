/**
 * Shares at rest: AES-256-GCM under the node's master key, bound to (key id, player, version).
 *
 * Sealed format (version 1):
 *
 * ```
 * 0x01 ‖ masterKeyId (8 bytes) ‖ nonce (12 bytes, crypto.getRandomValues) ‖ ciphertext ‖ tag (16 bytes)
 * ```
 *
 * Associated data (authenticated, not stored):
 *
 * ```
 * header (0x01 ‖ masterKeyId) ‖ lp("opentsm/share/v1") ‖ lp(utf8(keyId)) ‖ lp(u32be(player)) ‖ lp(u32be(version))
 * lp(x) = u32be(len(x)) ‖ x
 * ```
 *
 * So a share copied to another key id, another player's slot, or replayed at an older version does
 * not open; neither does one sealed under another master key. Every failure is the single code
 * `SHARE_DECRYPT_FAILED` with a message that reveals nothing about the key or plaintext.
 *
 * AES-GCM comes from node:crypto (OpenSSL, hardware AES, constant time); random nonces are safe
 * for far more than 2^32 seals per master key at our volumes (NIST SP 800-38D bound), and each
 * refresh re-seals with a fresh nonce.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { AtRestError, AtRestErrorCode } from './errors.js';
import { MASTER_KEY_ID_LENGTH, masterKeyBytes, type MasterKey } from './master-key.js';

export { AtRestError, AtRestErrorCode } from './errors.js';
export {
  generateMasterKey,
  loadMasterKey,
  loadMasterKeyFile,
  loadMasterKeyFromEnv,
  MASTER_KEY_ENV,
  MASTER_KEY_LENGTH,
  MasterKey,
  parseMasterKey,
  writeMasterKeyFile,
  type LoadedMasterKey,
} from './master-key.js';

/** First byte of a sealed share. */
export const SEALED_SHARE_VERSION = 1;
/** Domain-separation tag bound into the associated data. */
export const SHARE_FORMAT_TAG = 'opentsm/share/v1';
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + MASTER_KEY_ID_LENGTH;
/** Bytes a sealed share adds to its plaintext (header, nonce, tag). */
export const SEALED_SHARE_OVERHEAD = HEADER_LENGTH + NONCE_LENGTH + TAG_LENGTH;

/** What a sealed share is bound to. */
export interface ShareBinding {
  /** The key id (1..256 bytes UTF-8). */
  readonly keyId: string;
  /** This node's player index (1..2^32-1). */
  readonly player: number;
  /** The share version (0..2^32-1), bumped by refresh/reshare. */
  readonly version: number;
}

function checkBinding(b: ShareBinding): Uint8Array {
  if (typeof b !== 'object' || b === null) throw new AtRestError(AtRestErrorCode.INVALID_ARGUMENT, 'binding must be {keyId, player, version}');
  if (typeof b.keyId !== 'string' || b.keyId.length === 0) throw new AtRestError(AtRestErrorCode.INVALID_ARGUMENT, 'keyId must be a non-empty string');
  const keyId = utf8ToBytes(b.keyId);
  if (keyId.length > 256) throw new AtRestError(AtRestErrorCode.INVALID_ARGUMENT, 'keyId must be at most 256 bytes');
  if (!Number.isInteger(b.player) || b.player < 1 || b.player > 0xffffffff) {
    throw new AtRestError(AtRestErrorCode.INVALID_ARGUMENT, 'player must be an integer in [1, 2^32)');
  }
  if (!Number.isInteger(b.version) || b.version < 0 || b.version > 0xffffffff) {
    throw new AtRestError(AtRestErrorCode.INVALID_ARGUMENT, 'version must be an integer in [0, 2^32)');
  }
  return keyId;
}

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/** header ‖ lp(tag) ‖ lp(keyId) ‖ lp(u32be(player)) ‖ lp(u32be(version)). */
function associatedData(header: Uint8Array, keyId: Uint8Array, b: ShareBinding): Uint8Array {
  const fields = [utf8ToBytes(SHARE_FORMAT_TAG), keyId, u32be(b.player), u32be(b.version)];
  const total = header.length + fields.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(total);
  out.set(header, 0);
  let off = header.length;
  for (const f of fields) {
    out.set(u32be(f.length), off);
    out.set(f, off + 4);
    off += 4 + f.length;
  }
  return out;
}

function decryptFailed(message = 'the sealed share cannot be opened (wrong master key, key id, player or version, or corrupted)'): AtRestError {
  return new AtRestError(AtRestErrorCode.SHARE_DECRYPT_FAILED, message);
}

/** Seals `plaintext` (a serialised share) for storage. */
export function sealShare(masterKey: MasterKey, binding: ShareBinding, plaintext: Uint8Array): Uint8Array {
  const keyId = checkBinding(binding);
  if (!(plaintext instanceof Uint8Array)) throw new AtRestError(AtRestErrorCode.INVALID_ARGUMENT, 'plaintext must be bytes');
  const key = masterKeyBytes(masterKey);
  const header = new Uint8Array(HEADER_LENGTH);
  header[0] = SEALED_SHARE_VERSION;
  header.set(masterKey.id, 1);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LENGTH));
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(associatedData(header, keyId, binding));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(HEADER_LENGTH + NONCE_LENGTH + body.length + final.length + TAG_LENGTH);
  out.set(header, 0);
  out.set(nonce, HEADER_LENGTH);
  out.set(body, HEADER_LENGTH + NONCE_LENGTH);
  out.set(final, HEADER_LENGTH + NONCE_LENGTH + body.length);
  out.set(tag, out.length - TAG_LENGTH);
  return out;
}

/**
 * Opens a sealed share. Throws `SHARE_DECRYPT_FAILED` when the master key, key id, player or
 * version differ from sealing time, or when any byte was changed. The caller should zero the
 * returned plaintext when done.
 */
export function openShare(masterKey: MasterKey, binding: ShareBinding, sealed: Uint8Array): Uint8Array {
  const keyId = checkBinding(binding);
  if (!(sealed instanceof Uint8Array) || sealed.length < SEALED_SHARE_OVERHEAD) throw decryptFailed('the sealed share is truncated');
  if (sealed[0] !== SEALED_SHARE_VERSION) throw decryptFailed('the sealed share has an unknown format version');
  const header = sealed.subarray(0, HEADER_LENGTH);
  const storedId = header.subarray(1);
  let same = true;
  for (let i = 0; i < MASTER_KEY_ID_LENGTH; i++) same &&= storedId[i] === masterKey.id[i];
  if (!same) throw decryptFailed('the share was sealed under a different master key');
  const key = masterKeyBytes(masterKey);
  const nonce = sealed.subarray(HEADER_LENGTH, HEADER_LENGTH + NONCE_LENGTH);
  const body = sealed.subarray(HEADER_LENGTH + NONCE_LENGTH, sealed.length - TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - TAG_LENGTH);
  let partial: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(associatedData(header, keyId, binding));
    decipher.setAuthTag(tag);
    partial = decipher.update(body);
    const rest = decipher.final(); // throws on authentication failure
    const out = new Uint8Array(partial.length + rest.length);
    out.set(partial, 0);
    out.set(rest, partial.length);
    return out;
  } catch {
    throw decryptFailed();
  } finally {
    partial?.fill(0); // also wipes unauthenticated plaintext when the tag check failed
  }
}

/** The master key id (16 hex characters) a sealed share was sealed under, or `undefined` if malformed. */
export function sealedShareMasterKeyId(sealed: Uint8Array): string | undefined {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEALED_SHARE_OVERHEAD || sealed[0] !== SEALED_SHARE_VERSION) return undefined;
  return Buffer.from(sealed.subarray(1, HEADER_LENGTH)).toString('hex');
}
