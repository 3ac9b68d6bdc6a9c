/**
 * Parameters of DKLs23 key generation (`dkls23-keygen/v1`) and of the OT-setup refresh
 * (`dkls23-ot-refresh/v1`), their validation, and the ids every hash of the run is bound to.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import { Writer } from '../../../engine/codec.js';
import { utf8ToBytes } from '../../../math/bytes.js';
import { checkIdentifiers } from '../../../math/polynomial.js';
import { getSuite, isEcdsaScheme, type EcdsaScheme, type Suite } from '../../../suites/index.js';
import { validateDkgParams, type DkgConfig } from '../../dkg/index.js';
import { encodeEpoch, keyEpoch, type KeyShare } from '../../key-share.js';
import type { DklsPeerSetup } from '../key-share.js';
import { DKLS_KEYGEN_PROTOCOL, DKLS_MAX_PARTIES, DKLS_REFRESH_PROTOCOL, TAG } from '../params.js';
import { nobleDklsPrimitives, u16, type DklsPrimitives } from '../primitives.js';

export interface DklsKeygenParams {
  /** Unique id of this run, agreed out of band before round 1 (1..64 bytes; checklist A2). */
  readonly sessionId: Uint8Array;
  /** 'ecdsa-secp256k1' or 'ecdsa-p256'. */
  readonly scheme: string;
  /** This party's identifier (its Shamir x-coordinate, 1..65535). */
  readonly self: PartyId;
  /** Every party of the key, self included (2..64 parties). */
  readonly parties: readonly PartyId[];
  /** k: number of parties that sign together (2 ≤ k ≤ n). */
  readonly threshold: number;
  /** Hash implementation (default: noble; in Node pass `nodeDklsPrimitives` from `@opentsm/core/node`). */
  readonly primitives?: DklsPrimitives;
}

export interface DklsOtRefreshParams {
  /** Unique id of this run (1..64 bytes). */
  readonly sessionId: Uint8Array;
  /**
   * This party's key share. A DklsKeyShare (its setups with parties outside `parties` are kept),
   * or a plain KeyShare of an ECDSA scheme (for example the output of a Shamir refresh or reshare),
   * which has no setup to keep: then every party of the key must take part.
   */
  readonly key: KeyShare;
  /**
   * The parties taking part (ascending, ⊆ key.parties, self included, at least 2). Default: every
   * party of the key. The OT setup of every pair inside this set is renewed; the others are kept.
   */
  readonly parties?: readonly PartyId[];
  readonly primitives?: DklsPrimitives;
}

export interface KeygenConfig {
  readonly mode: 'keygen' | 'refresh';
  readonly protocol: string;
  readonly suite: Suite;
  readonly scheme: EcdsaScheme;
  readonly sessionId: Uint8Array;
  readonly self: PartyId;
  /** Parties taking part in this run, ascending. */
  readonly parties: readonly PartyId[];
  readonly others: readonly PartyId[];
  readonly threshold: number;
  /** Id of the OT setup produced by this run (binds every base OT, gadget vector and signature). */
  readonly setupId: Uint8Array;
  readonly prims: DklsPrimitives;
  /** keygen: the inner Pedersen DKG. */
  readonly dkg?: DkgConfig;
  /** refresh: the key being refreshed, its OT setups kept for pairs outside `parties`, and its public digest. */
  readonly key?: KeyShare;
  readonly keptSetups?: Readonly<Record<PartyId, DklsPeerSetup>>;
  readonly keyDigest?: Uint8Array;
}

function bad(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid DKLs23 parameters: ${why}`);
}

export function encodeParties(parties: readonly PartyId[]): Uint8Array {
  const w = new Writer();
  for (const p of parties) w.u16(p);
  return w.finish();
}

function checkSessionId(sid: unknown): asserts sid is Uint8Array {
  if (!(sid instanceof Uint8Array) || sid.length === 0 || sid.length > 64) bad('session id must be 1..64 bytes');
}

function checkPrimitives(p: DklsPrimitives | undefined): DklsPrimitives {
  if (p === undefined) return nobleDklsPrimitives;
  if (typeof p !== 'object' || typeof p.xof !== 'function' || typeof p.hash !== 'function') bad('primitives must implement DklsPrimitives');
  return p;
}

/** Validate key-generation parameters (D1 identifiers, 2 ≤ k ≤ n ≤ 64, ECDSA scheme). */
export function keygenConfig(p: DklsKeygenParams): KeygenConfig {
  if (p === null || typeof p !== 'object') bad('missing parameters');
  if (!isEcdsaScheme(p.scheme)) bad(`scheme must be ecdsa-secp256k1 or ecdsa-p256`);
  checkSessionId(p.sessionId);
  if (!Array.isArray(p.parties) || p.parties.length < 2 || p.parties.length > DKLS_MAX_PARTIES) bad(`number of parties must be in [2, ${DKLS_MAX_PARTIES}]`);
  const suite = getSuite(p.scheme);
  checkIdentifiers(suite, p.parties);
  for (const id of p.parties) if (id > 0xffff) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, `party identifier ${id} exceeds 65535`);
  if (!Number.isSafeInteger(p.threshold) || p.threshold < 2 || p.threshold > p.parties.length) bad(`threshold must be in [2, ${p.parties.length}]`);
  if (!p.parties.includes(p.self)) bad('self is not one of the parties');
  const parties = [...p.parties].sort((a, b) => a - b);
  const sessionId = p.sessionId.slice();
  const prims = checkPrimitives(p.primitives);
  const setupId = prims.hash(TAG.setupId, utf8ToBytes('keygen'), utf8ToBytes(suite.name), sessionId, encodeParties(parties), u16(p.threshold));
  // The inner DKG runs under its own session id derived from ours (domain separation from a
  // stand-alone dkg/v1 run with the same id).
  const dkgSid = prims.hash(TAG.dkgSid, sessionId);
  const dkg = validateDkgParams({ scheme: suite.name, sessionId: dkgSid, self: p.self, parties, threshold: p.threshold });
  return {
    mode: 'keygen',
    protocol: DKLS_KEYGEN_PROTOCOL,
    suite,
    scheme: p.scheme,
    sessionId,
    self: p.self,
    parties,
    others: parties.filter((q) => q !== p.self),
    threshold: p.threshold,
    setupId,
    prims,
    dkg,
  };
}

/** The digest of a key's public data every refresh participant must agree on. */
export function keyDigest(prims: DklsPrimitives, k: KeyShare, participants: readonly PartyId[]): Uint8Array {
  return prims.hash(
    TAG.refreshKey,
    utf8ToBytes(k.scheme),
    u16(k.threshold),
    encodeParties(k.parties),
    k.groupKey,
    ...k.parties.map((p) => k.verifyingShares[p]!),
    k.chainCode,
    encodeEpoch(keyEpoch(k)),
    encodeParties(participants),
  );
}

/** Validate OT-refresh parameters. */
export function refreshConfig(p: DklsOtRefreshParams): KeygenConfig {
  if (p === null || typeof p !== 'object') bad('missing parameters');
  checkSessionId(p.sessionId);
  const key = p.key;
  if (key === null || typeof key !== 'object' || !isEcdsaScheme(key.scheme)) bad('key must be an ECDSA key share');
  const suite = getSuite(key.scheme);
  const parties = p.parties === undefined ? [...key.parties] : [...p.parties];
  if (parties.length < 2) bad('at least two parties take part');
  for (let i = 0; i < parties.length; i++) {
    if (!key.parties.includes(parties[i]!)) bad(`party ${parties[i]} holds no share of this key`);
    if (i > 0 && parties[i]! <= parties[i - 1]!) bad('parties must be ascending and distinct');
  }
  if (!parties.includes(key.self)) bad('self is not one of the parties');
  const previous = (key as { ot?: Readonly<Record<PartyId, DklsPeerSetup>> }).ot ?? {};
  const kept: Record<PartyId, DklsPeerSetup> = {};
  for (const q of key.parties) {
    if (q === key.self || parties.includes(q)) continue;
    const s = previous[q];
    if (s === undefined) bad(`no OT setup with party ${q}: it must take part in the refresh`);
    kept[q] = s;
  }
  const prims = checkPrimitives(p.primitives);
  const sessionId = p.sessionId.slice();
  const digest = keyDigest(prims, key, parties);
  const setupId = prims.hash(TAG.setupId, utf8ToBytes('refresh'), utf8ToBytes(suite.name), sessionId, digest);
  return {
    mode: 'refresh',
    protocol: DKLS_REFRESH_PROTOCOL,
    suite,
    scheme: key.scheme,
    sessionId,
    self: key.self,
    parties,
    others: parties.filter((q) => q !== key.self),
    threshold: key.threshold,
    setupId,
    prims,
    key,
    keptSetups: kept,
    keyDigest: digest,
  };
}

/** Instance id of the base OT with `sender` as base-OT sender and `receiver` as base-OT receiver. */
export function vsotSid(cfg: KeygenConfig, sender: PartyId, receiver: PartyId): Uint8Array {
  return cfg.prims.hash(TAG.vsotSid, cfg.setupId, u16(sender), u16(receiver));
}
