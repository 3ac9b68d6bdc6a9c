/**
 * The key's public package, sent by the old players of a reshare to the newcomers over the peer
 * channel ('rpc:lifecycle:pkg'). It is public data (group key, verifying shares, chain code, epoch,
 * Taproot internal key) plus the key's application, protocol and version. A newcomer uses a
 * package only once k (the package's threshold) distinct parties of the key sent it byte-identical
 * (after canonical re-encoding), so fewer than k colluding old players cannot make it store a wrong
 * version, protocol or application. The public key package itself is checked by the core session
 * anyway: the dealers' round-1 messages carry the digest of the package they hold, and the session
 * aborts (EPOCH_MISMATCH) if it differs from the one the newcomer was given.
 */
import { getSuite, isScheme, parseHex, toHex, type PublicKeyPackage } from '@opentsm/core';
import { KEY_ID_RE } from '../ids.js';

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
    if (typeof keyId !== 'string' || !KEY_ID_RE.test(keyId)) return undefined;
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
 * Packages received for reshare runs, by session id and sender: kept until the newcomer's request
 * handler asks for them (a package may arrive before the client's request), bounded in age and per
 * sender. At most one package per (session, sender) is kept (the first); a sender that buffers more
 * than `maxPerSender` sessions drops its own oldest, never another sender's package.
 */
export class PackageInbox {
  /** session id → sender → package (Map order: arrival). */
  private readonly buffered = new Map<string, Map<number, { at: number; pkg: TransferredPackage }>>();
  /** sender → its buffered session ids, oldest first. */
  private readonly bySender = new Map<number, string[]>();
  private readonly waiters = new Map<string, (from: number, pkg: TransferredPackage) => void>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxPerSender = 16,
  ) {}

  deliver(from: number, payload: Uint8Array): void {
    const pkg = decodePackage(payload);
    if (!pkg) return;
    const w = this.waiters.get(pkg.sessionId);
    if (w) return w(from, pkg);
    this.expire(Date.now());
    let b = this.buffered.get(pkg.sessionId);
    if (b?.has(from)) return; // one package per (session, sender)
    const mine = this.bySender.get(from) ?? [];
    if (mine.length >= this.maxPerSender) this.drop(from, mine.shift()!);
    if (!b) {
      b = new Map();
      this.buffered.set(pkg.sessionId, b);
    }
    b.set(from, { at: Date.now(), pkg });
    mine.push(pkg.sessionId);
    this.bySender.set(from, mine);
  }

  /** How many packages are buffered (tests). */
  get size(): number {
    let n = 0;
    for (const b of this.buffered.values()) n += b.size;
    return n;
  }

  private drop(from: number, sessionId: string): void {
    const b = this.buffered.get(sessionId);
    b?.delete(from);
    if (b && b.size === 0) this.buffered.delete(sessionId);
    const mine = this.bySender.get(from);
    if (!mine) return;
    const i = mine.indexOf(sessionId);
    if (i >= 0) mine.splice(i, 1);
    if (mine.length === 0) this.bySender.delete(from);
  }

  private expire(now: number): void {
    for (const [sid, b] of this.buffered) for (const [from, it] of b) if (now - it.at > this.ttlMs) this.drop(from, sid);
  }

  private take(sessionId: string): { from: number; pkg: TransferredPackage }[] {
    const b = this.buffered.get(sessionId);
    if (!b) return [];
    const items = [...b].map(([from, it]) => ({ from, pkg: it.pkg }));
    for (const { from } of items) this.drop(from, sessionId);
    return items;
  }

  /**
   * The package of `sessionId` that `accept` takes and that `pkg.package.threshold` distinct senders
   * sent identically (one package counted per sender, the first it sent), or undefined after `timeoutMs`.
   */
  wait(sessionId: string, accept: (from: number, pkg: TransferredPackage) => boolean, timeoutMs: number): Promise<TransferredPackage | undefined> {
    const seen = new Set<number>();
    const votes = new Map<string, Set<number>>();
    const agreed = (from: number, pkg: TransferredPackage): boolean => {
      if (seen.has(from)) return false;
      seen.add(from);
      if (!accept(from, pkg)) return false;
      const fp = new TextDecoder().decode(encodePackage(pkg));
      const v = votes.get(fp) ?? new Set<number>();
      v.add(from);
      votes.set(fp, v);
      return v.size >= pkg.package.threshold;
    };
    for (const it of this.take(sessionId)) if (agreed(it.from, it.pkg)) return Promise.resolve(it.pkg);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(sessionId);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(sessionId, (from, pkg) => {
        if (!agreed(from, pkg)) return;
        clearTimeout(timer);
        this.waiters.delete(sessionId);
        resolve(pkg);
      });
    });
  }
}
