/**
 * The key's public package, sent by the old players of a reshare to the newcomers over the peer
 * channel ('rpc:lifecycle:pkg'). It is public data (group key, verifying shares, chain code, epoch,
 * Taproot internal key) plus the key's application, protocol and version. A newcomer uses the first
 * well-formed package from a party of the key; it never has to trust it: the dealers' round-1
 * messages carry the digest of the package they hold, and the core session aborts
 * (EPOCH_MISMATCH) if it differs from the one the newcomer was given.
 */
import { getSuite, isScheme, parseHex, toHex, type PublicKeyPackage } from '@opentsm/core';

/** Largest package message accepted (64 parties of 33-byte points fit in a few KiB). */
export const MAX_PACKAGE_BYTES = 64 * 1024;

export interface TransferredPackage {
  readonly sessionId: string;
  readonly keyId: string;
  readonly applicationId: string;
  readonly protocol: string;
  /** The sender's key version (the newcomer seals its share with version + 1). */
  readonly version: number;
  readonly package: PublicKeyPackage;
}

interface PackageJson {
  v: 1;
  sessionId: string;
  keyId: string;
  applicationId: string;
  protocol: string;
  version: number;
  package: {
    scheme: string;
    threshold: number;
    parties: number[];
    groupKey: string;
    publicKey: string;
    verifyingShares: Record<string, string>;
    chainCode: string;
    epoch?: { counter: number; id: string };
    taprootInternalKey?: string;
  };
}

export function encodePackage(t: TransferredPackage): Uint8Array {
  const p = t.package;
  const vs: Record<string, string> = {};
  for (const j of p.parties) vs[String(j)] = toHex(p.verifyingShares[j]!);
  const json: PackageJson = {
    v: 1,
    sessionId: t.sessionId,
    keyId: t.keyId,
    applicationId: t.applicationId,
    protocol: t.protocol,
    version: t.version,
    package: {
      scheme: p.scheme,
      threshold: p.threshold,
      parties: [...p.parties],
      groupKey: toHex(p.groupKey),
      publicKey: toHex(p.publicKey),
      verifyingShares: vs,
      chainCode: toHex(p.chainCode),
      ...(p.epoch ? { epoch: { counter: p.epoch.counter, id: toHex(p.epoch.id) } } : {}),
      ...(p.taprootInternalKey ? { taprootInternalKey: toHex(p.taprootInternalKey) } : {}),
    },
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse a package message; undefined when malformed (shape, sizes, hex lengths). Points are checked by the reshare session. */
export function decodePackage(bytes: Uint8Array): TransferredPackage | undefined {
  if (bytes.length > MAX_PACKAGE_BYTES) return undefined;
  try {
    const j = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (!isObj(j) || j.v !== 1 || !isObj(j.package)) return undefined;
    const { sessionId, keyId, applicationId, protocol, version } = j;
    if (typeof sessionId !== 'string' || !/^[0-9a-f]{64}$/.test(sessionId)) return undefined;
    if (typeof keyId !== 'string' || !/^key_[0-9a-f]{32}$/.test(keyId)) return undefined;
    if (typeof applicationId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(applicationId)) return undefined;
    if (protocol !== 'frost' && protocol !== 'honest-majority' && protocol !== 'dkls23') return undefined;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1 || version >= 0x7fffffff) return undefined;
    const p = j.package;
    if (typeof p.scheme !== 'string' || !isScheme(p.scheme)) return undefined;
    const suite = getSuite(p.scheme);
    if (!Array.isArray(p.parties) || p.parties.length < 1 || p.parties.length > 64) return undefined;
    const parties = p.parties as unknown[];
    if (!parties.every((x): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 0xffff)) return undefined;
    if (new Set(parties).size !== parties.length) return undefined;
    if (typeof p.threshold !== 'number' || !Number.isInteger(p.threshold) || p.threshold < 1 || p.threshold > parties.length) return undefined;
    if (typeof p.groupKey !== 'string' || typeof p.publicKey !== 'string' || typeof p.chainCode !== 'string' || !isObj(p.verifyingShares)) return undefined;
    const verifyingShares: Record<number, Uint8Array> = {};
    for (const x of parties) {
      const h = p.verifyingShares[String(x)];
      if (typeof h !== 'string') return undefined;
      verifyingShares[x] = parseHex(h, suite.pointLength);
    }
    let epoch: { counter: number; id: Uint8Array } | undefined;
    if (p.epoch !== undefined) {
      if (!isObj(p.epoch) || typeof p.epoch.counter !== 'number' || !Number.isSafeInteger(p.epoch.counter) || p.epoch.counter < 0 || p.epoch.counter > 0xffffffff || typeof p.epoch.id !== 'string')
        return undefined;
      epoch = { counter: p.epoch.counter, id: parseHex(p.epoch.id, 32) };
    }
    let taprootInternalKey: Uint8Array | undefined;
    if (p.taprootInternalKey !== undefined) {
      if (typeof p.taprootInternalKey !== 'string') return undefined;
      taprootInternalKey = parseHex(p.taprootInternalKey, suite.pointLength);
    }
    const pkg: PublicKeyPackage = {
      scheme: p.scheme,
      threshold: p.threshold,
      parties: [...parties].sort((a, b) => a - b),
      groupKey: parseHex(p.groupKey, suite.pointLength),
      publicKey: parseHex(p.publicKey, suite.publicKeyLength),
      verifyingShares,
      chainCode: parseHex(p.chainCode, 32),
      ...(epoch ? { epoch } : {}),
      ...(taprootInternalKey ? { taprootInternalKey } : {}),
    };
    return { sessionId, keyId, applicationId, protocol, version, package: pkg };
  } catch {
    return undefined;
  }
}

/**
 * Packages received for reshare runs, by session id: kept until the newcomer's request handler
 * asks for them (the package may arrive before the client's request), bounded in number and age.
 */
export class PackageInbox {
  private readonly buffered = new Map<string, { at: number; items: { from: number; pkg: TransferredPackage }[] }>();
  private readonly waiters = new Map<string, (from: number, pkg: TransferredPackage) => boolean>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxSessions = 256,
  ) {}

  deliver(from: number, payload: Uint8Array): void {
    const pkg = decodePackage(payload);
    if (!pkg) return;
    const w = this.waiters.get(pkg.sessionId);
    if (w && w(from, pkg)) return;
    const now = Date.now();
    for (const [k, b] of this.buffered) if (now - b.at > this.ttlMs) this.buffered.delete(k);
    let b = this.buffered.get(pkg.sessionId);
    if (!b) {
      if (this.buffered.size >= this.maxSessions) this.buffered.delete(this.buffered.keys().next().value!);
      b = { at: now, items: [] };
      this.buffered.set(pkg.sessionId, b);
    }
    if (b.items.length < 64) b.items.push({ from, pkg });
  }

  /** The first package of `sessionId` that `accept` takes, or undefined after `timeoutMs`. */
  wait(sessionId: string, accept: (from: number, pkg: TransferredPackage) => boolean, timeoutMs: number): Promise<TransferredPackage | undefined> {
    const early = this.buffered.get(sessionId);
    this.buffered.delete(sessionId);
    for (const it of early?.items ?? []) if (accept(it.from, it.pkg)) return Promise.resolve(it.pkg);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(sessionId);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(sessionId, (from, pkg) => {
        if (!accept(from, pkg)) return false;
        clearTimeout(timer);
        this.waiters.delete(sessionId);
        resolve(pkg);
        return true;
      });
    });
  }
}
