/**
 * The public key record a node returns with a backup or an export share: what the client checks
 * every node agrees on, and the statement the backups are verified against (spec §3.3).
 *
 *   { "scheme", "keyId", "epoch": counter, "epochId": hex, "threshold", "parties": [...],
 *     "groupKey": hex, "publicKey": hex, "chainCode": hex, "verifyingShares": { "1": hex, ... },
 *     "taprootInternalKey"?: hex }
 */
import { keyEpoch, toHex, type KeyShare } from '@opentsm/core';

export interface KeyRecordJson {
  scheme: string;
  keyId: string;
  epoch: number;
  epochId: string;
  threshold: number;
  parties: number[];
  groupKey: string;
  publicKey: string;
  chainCode: string;
  verifyingShares: Record<string, string>;
  taprootInternalKey?: string;
}

export function keyRecordJson(keyId: string, k: KeyShare): KeyRecordJson {
  const parties = [...k.parties].sort((a, b) => a - b);
  const vs: Record<string, string> = {};
  for (const p of parties) vs[String(p)] = toHex(k.verifyingShares[p]!);
  const e = keyEpoch(k);
  return {
    scheme: k.scheme,
    keyId,
    epoch: e.counter,
    epochId: toHex(e.id),
    threshold: k.threshold,
    parties,
    groupKey: toHex(k.groupKey),
    publicKey: toHex(k.publicKey),
    chainCode: toHex(k.chainCode),
    verifyingShares: vs,
    ...(k.taprootInternalKey ? { taprootInternalKey: toHex(k.taprootInternalKey) } : {}),
  };
}
