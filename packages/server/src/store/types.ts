/**
 * The node's persistence interface ({@link ShareStore}) and its record types.
 *
 * One implementation per SQL dialect (SQLite via better-sqlite3, PostgreSQL via pg), same schema and
 * migrations, chosen by URL in `openStore()`. Every node is its own security domain and has its own
 * database (or, on PostgreSQL, its own schema).
 *
 * Conventions:
 * - times are milliseconds since the Unix epoch (`number`), except audit `at` (ISO-8601 string,
 *   because it is hashed into the chain exactly as stored);
 * - hex is lower-case without `0x`;
 * - tenancy: every key belongs to one application; `getKey(applicationId, keyId)` and
 *   `listKeys(applicationId)` never return another application's key;
 * - a key is inserted `pending` when its DKG starts and becomes `active` only when the protocol
 *   finished and the node's sealed share is stored (`activateKey`), so a half-made key is never
 *   served: `getKey`/`listKeys` only return `active` keys.
 */

/** Signature algorithm of an application's request-signing key. */
export type AppAlgorithm = 'ed25519' | 'p256';
/** `admin` may manage applications; `app` may only manage and use its own keys. */
export type AppRole = 'admin' | 'app';

/** An authenticated client identity (tenant). */
export interface ApplicationRecord {
  readonly applicationId: string;
  readonly name: string;
  readonly algorithm: AppAlgorithm;
  /** Request-signing public key, lower-case hex. */
  readonly publicKey: string;
  readonly role: AppRole;
  readonly enabled: boolean;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** Input of {@link ShareStore.createApplication}. */
export interface NewApplication {
  readonly applicationId: string;
  readonly name: string;
  readonly algorithm: AppAlgorithm;
  readonly publicKey: string;
  readonly role: AppRole;
  /** Default `true`. */
  readonly enabled?: boolean;
  /** Default `Date.now()`. */
  readonly createdAt?: number;
}

/** Lifecycle state of a key on this node. */
export type KeyStatus = 'pending' | 'active' | 'failed';

/** Public metadata of a key (what listings return; no share). */
export interface KeyInfo {
  readonly keyId: string;
  readonly applicationId: string;
  /** e.g. `frost-ed25519`, `ecdsa-secp256k1`. */
  readonly scheme: string;
  /** k of k-of-n: the number of players needed. */
  readonly threshold: number;
  /** The player indices holding shares (n = parties.length). */
  readonly parties: readonly number[];
  /** Group public key, lower-case hex; `null` while pending or failed. */
  readonly publicKey: string | null;
  readonly status: KeyStatus;
  /** Share version: bumped by every refresh/reshare; bound into the sealed share's AEAD data. */
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Signing protocol: `frost`, `honest-majority` or `dkls23`. */
  readonly protocol: string;
}

/** A key with this node's sealed share (see `crypto/at-rest.ts`); `null` unless active. */
export interface KeyRecord extends KeyInfo {
  readonly sealedShare: Uint8Array | null;
}

/** Input of {@link ShareStore.insertPendingKey}. */
export interface NewKey {
  /** Signing protocol (default: `frost` for frost-* schemes, else `honest-majority`). */
  readonly protocol?: string;
  readonly keyId: string;
  readonly applicationId: string;
  readonly scheme: string;
  readonly threshold: number;
  readonly parties: readonly number[];
  /** Default `Date.now()`. */
  readonly createdAt?: number;
}

/** Input of {@link ShareStore.activateKey}: the output of a finished DKG / import. */
export interface KeyActivation {
  /** Group public key, lower-case hex. */
  readonly publicKey: string;
  /** This node's share, sealed with `sealShare(masterKey, {keyId, player, version}, share)`. */
  readonly sealedShare: Uint8Array;
  /** The version the share was sealed with. Default 1. */
  readonly version?: number;
  /** Default `Date.now()`. */
  readonly updatedAt?: number;
}

/** Input of {@link ShareStore.replaceShare} (refresh / reshare of an active key). */
export interface ShareReplacement {
  /** The version the caller read; the update happens only if the stored version still equals it. */
  readonly expectedVersion: number;
  /** The new version (must be greater than `expectedVersion`); the new share is sealed with it. */
  readonly version: number;
  readonly sealedShare: Uint8Array;
  /** New threshold / parties after a reshare (default: unchanged). */
  readonly threshold?: number;
  readonly parties?: readonly number[];
  /** Default `Date.now()`. */
  readonly updatedAt?: number;
}

/** The operation that produced a pending share. */
export type LifecycleOperation = 'refresh' | 'reshare';

/**
 * What committing a pending share does to this node's `keys` row: `replace` the share of an active
 * key (compare-and-swap on `fromVersion`; threshold and parties updated), `insert` a new active row
 * (a newcomer of a reshare), or `remove` the row (a dealer that leaves the committee).
 */
export type PendingShareAction = 'replace' | 'insert' | 'remove';

/** Input of {@link ShareStore.insertPendingShare}. */
export interface NewPendingShare {
  readonly keyId: string;
  /** The run's session id, lower-case hex. */
  readonly sessionId: string;
  readonly operation: LifecycleOperation;
  readonly action: PendingShareAction;
  /** The key's application (the newcomer's `keys` row is inserted for it). */
  readonly applicationId: string;
  readonly scheme: string;
  /** Signing protocol of the key (`frost`, `honest-majority`, `dkls23`). */
  readonly protocol: string;
  /** Group public key, lower-case hex (unchanged by refresh and reshare). */
  readonly publicKey: string;
  /** The version of the key row the run started from (0 for `insert`: there is none). */
  readonly fromVersion: number;
  /** The version the new share is sealed with (> fromVersion). */
  readonly version: number;
  /** The sealed new share; `null` iff `action` is `remove`. */
  readonly sealedShare: Uint8Array | null;
  /** The key's threshold and parties after the run. */
  readonly threshold: number;
  readonly parties: readonly number[];
  /** Every player of the run (refresh: the key's parties; reshare: old ∪ new), sorted. */
  readonly participants: readonly number[];
  /** The commit digest every participant confirmed, lower-case hex. */
  readonly digest: string;
  /** Default `Date.now()`. */
  readonly createdAt?: number;
}

/** A stored pending share. */
export interface PendingShareRecord extends Omit<Required<NewPendingShare>, 'parties' | 'participants'> {
  readonly parties: readonly number[];
  readonly participants: readonly number[];
}

/**
 * What this node knows about a refresh / reshare run: decided (`committed`, `aborted`), holding a
 * pending share of it (`pending`), or nothing (`unknown`).
 */
export type LifecycleState = 'committed' | 'aborted' | 'pending' | 'unknown';

/** Result of {@link ShareStore.lifecycleStatus}. */
export interface LifecycleStatus {
  readonly state: LifecycleState;
  /** The run's commit digest (hex) when known (pending, committed). */
  readonly digest: string | null;
  /** The version the run produced on this node, when known. */
  readonly version: number | null;
}

/** Input of {@link ShareStore.addBackupRecipient}: an operator backup key authorised by an administrator. */
export interface NewBackupRecipient {
  /** SHA-256(u16(kem) ‖ u16(kdf) ‖ u16(aead) ‖ pkR), lower-case hex. */
  readonly fingerprint: string;
  readonly suite: 'x25519' | 'p256';
  /** pkR, lower-case hex (32 bytes X25519, 65 bytes uncompressed P-256). */
  readonly publicKey: string;
  /** Free text (may be empty). */
  readonly name: string;
  /** The administrator application that authorised it. */
  readonly createdBy: string;
  /** Default `Date.now()`. */
  readonly createdAt?: number;
}

/** A stored authorised backup key. */
export type BackupRecipientRecord = Required<NewBackupRecipient>;

/** Input of {@link ShareStore.setExportPolicy}. */
export interface NewExportPolicy {
  readonly keyId: string;
  readonly allowExport: boolean;
  /** The recipient public keys exports may be wrapped to (lower-case hex), at most 16. */
  readonly recipients: readonly string[];
  /** The administrator application that set it. */
  readonly updatedBy: string;
  /** Default `Date.now()`. */
  readonly updatedAt?: number;
}

/** A key's stored export policy (no row = export forbidden). */
export interface ExportPolicyRecord extends Omit<Required<NewExportPolicy>, 'recipients'> {
  readonly recipients: readonly string[];
}

/** Keyset pagination for {@link ShareStore.listKeys}: order is (createdAt, keyId) ascending. */
export interface ListKeysOptions {
  /** 1..1000, default 100. */
  readonly limit?: number;
  /** The `keyId` of the last key of the previous page (must belong to the same application). */
  readonly after?: string;
}

/** Filter of {@link ShareStore.countKeys}. */
export interface CountKeysOptions {
  readonly applicationId?: string;
  /** Default: every status. */
  readonly status?: KeyStatus;
}

/**
 * One stored audit-log row, exactly as hashed (see `audit/log.ts` for the chain rules; callers
 * should use `appendAudit` / `verifyAuditChain`, not these raw rows).
 */
export interface AuditRow {
  /** 1, 2, 3, ... without gaps. */
  readonly seq: number;
  /** ISO-8601 UTC time (`Date.prototype.toISOString()`). */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly keyId: string | null;
  readonly sessionId: string | null;
  readonly result: string;
  /** Canonical JSON (sorted keys) of a flat object of strings/numbers/booleans/null. */
  readonly detail: string;
  /** Lower-case hex of the previous row's hash (64 zeros for seq 1). */
  readonly prevHash: string;
  /** Lower-case hex SHA-256 of this row's canonical encoding. */
  readonly hash: string;
}

/** Range of {@link ShareStore.listAudit}: rows with seq > afterSeq, ascending. */
export interface ListAuditOptions {
  /** Default 0 (from the start). */
  readonly afterSeq?: number;
  /** 1..10000, default 1000. */
  readonly limit?: number;
  /** Only rows about this key. */
  readonly keyId?: string;
}

/** SQL dialect of a store. */
export type StoreDialect = 'sqlite' | 'postgres';

/** The node's persistence layer. All methods are async and reject with `StoreError`. */
export interface ShareStore {
  readonly dialect: StoreDialect;

  /**
   * Applies pending migrations in one transaction (PostgreSQL: under an advisory lock, so
   * concurrent callers are safe). Idempotent. Resolves to the number of migrations applied.
   * `openStore` calls it unless told not to.
   */
  migrate(): Promise<number>;
  /** Highest applied migration version (0 on an empty database). */
  schemaVersion(): Promise<number>;

  // ---- applications ----
  /** Rejects with `CONFLICT` if the id exists. */
  createApplication(app: NewApplication): Promise<ApplicationRecord>;
  getApplication(applicationId: string): Promise<ApplicationRecord | undefined>;
  /** All applications, ordered by (createdAt, applicationId). */
  listApplications(): Promise<ApplicationRecord[]>;
  /** Resolves to `false` if the application does not exist. */
  setApplicationEnabled(applicationId: string, enabled: boolean): Promise<boolean>;

  // ---- keys ----
  /**
   * Inserts a key in state `pending` (version 0, no public key, no share) when its DKG starts.
   * Rejects with `CONFLICT` if the key id exists, `APPLICATION_NOT_FOUND` for an unknown application.
   */
  insertPendingKey(key: NewKey): Promise<KeyInfo>;
  /**
   * Stores the DKG output (public key, sealed share, version) on a key that stays `pending` — for a
   * two-phase create where the key is activated only once every node confirmed it. Rejects with
   * `KEY_NOT_FOUND` or `KEY_STATE_CONFLICT` (not pending).
   */
  storePendingShare(keyId: string, activation: KeyActivation): Promise<KeyRecord>;
  /**
   * pending → active. With `activation`, stores the public key and sealed share in the same
   * statement; without, the share must have been stored by `storePendingShare`. Rejects with
   * `KEY_NOT_FOUND` or `KEY_STATE_CONFLICT` (not pending: already active or failed; or, without
   * `activation`, no share stored yet).
   */
  activateKey(keyId: string, activation?: KeyActivation): Promise<KeyRecord>;
  /** pending → failed. Resolves to `false` if the key does not exist or is not pending. */
  failKey(keyId: string, updatedAt?: number): Promise<boolean>;
  /**
   * Compare-and-swap of an active key's sealed share (refresh / reshare): succeeds only if the key
   * is active and its version equals `expectedVersion`. Resolves to `false` otherwise.
   */
  replaceShare(keyId: string, replacement: ShareReplacement): Promise<boolean>;
  /**
   * The application's **active** key, or `undefined` (unknown key, another application's key, or
   * a pending/failed key). One primary-key lookup.
   */
  getKey(applicationId: string, keyId: string): Promise<KeyRecord | undefined>;
  /** Any key by id, whatever its application and status (internal use: protocol sessions, admin). */
  getKeyById(keyId: string): Promise<KeyRecord | undefined>;
  /**
   * Store a batch of sealed presignatures of a key for one player set (sorted, comma-separated),
   * in one transaction, only if the key is active at `keyVersion` (a refresh, reshare or restore
   * that committed meanwhile deleted the pool: the batch is stale). Returns how many were stored
   * (0 for a stale batch).
   */
  putPresignatures(keyId: string, keyVersion: number, players: string, items: readonly { presigId: string; sealed: Uint8Array }[]): Promise<number>;
  /**
   * Atomically delete and return the listed presignatures of a key, in one transaction (single
   * use: the caller releases signature shares only after this committed). Ids that do not exist
   * (already used, never held, another key's) are absent from the result. At most 256 ids.
   */
  takePresignatures(keyId: string, presigIds: readonly string[]): Promise<Map<string, TakenPresignatureRow>>;
  /** The oldest presignature ids of a key for a player set. */
  listPresignatureIds(keyId: string, players: string, limit: number): Promise<string[]>;
  countPresignatures(keyId: string, players: string): Promise<number>;
  /** True when the previous process did not stop cleanly (the node then purges the presignature pool). */
  readonly uncleanStart: boolean;
  /** Delete every presignature of every key (after an unclean stop or a restore). */
  purgeAllPresignatures(): Promise<number>;
  /** Delete every presignature of a key (refresh, reshare, restore). Returns how many. */
  deletePresignatures(keyId: string): Promise<number>;
  /**
   * Delete the listed presignatures of a key (ids that can never be used, or a follower's oldest
   * leftovers; deleting presignatures is always safe). Unknown ids are skipped. Returns how many.
   */
  deletePresignatureIds(keyId: string, presigIds: readonly string[]): Promise<number>;
  /** Record an OT-extension session id used with a peer; false if it was used before. */
  recordOtSession(keyId: string, peer: number, otSessionId: string): Promise<boolean>;
  banPeer(keyId: string, peer: number, reason: string): Promise<void>;
  listBans(keyId: string): Promise<{ peer: number; reason: string; createdAt: number }[]>;
  clearBans(keyId: string): Promise<number>;
  /** Keys of every application in one status (startup recovery of `pending` keys), oldest first. */
  listKeysByStatus(status: KeyStatus, limit: number): Promise<KeyRecord[]>;
  /** The application's active keys, ordered by (createdAt, keyId), keyset-paginated. */
  listKeys(applicationId: string, options?: ListKeysOptions): Promise<KeyInfo[]>;
  /** Deletes the application's key (any status). Resolves to `false` if there was none. */
  deleteKey(applicationId: string, keyId: string): Promise<boolean>;
  /** Number of keys (every status unless filtered). */
  countKeys(options?: CountKeysOptions): Promise<number>;

  // ---- refresh / reshare two-phase commit ----
  /**
   * Stores the pending share of a refresh / reshare run, durably. Resolves to `false` (nothing
   * stored) if the key already has a pending share or this node has already decided the run
   * (`lifecycleStatus` recorded it aborted after a peer asked): a run a node gave up on can never
   * be committed. Atomic with {@link lifecycleStatus} (`abortIfUnknown`).
   */
  insertPendingShare(pending: NewPendingShare): Promise<boolean>;
  /** The key's pending share, if any. */
  getPendingShare(keyId: string): Promise<PendingShareRecord | undefined>;
  /** Every pending share, oldest first (startup recovery). */
  listPendingShares(limit: number): Promise<PendingShareRecord[]>;
  /**
   * Commits the pending share of run `sessionId` in one durable transaction: applies it to the key
   * row (`replace`: CAS on `fromVersion` of an active key, new share, version, threshold and
   * parties; `insert`: a new active row; `remove`: deletes the row), deletes the key's
   * presignatures, OT-session ids and peer bans, drops the pending share and records the run
   * `committed`. Resolves to `false` if there is no pending share of that run (nothing changed).
   * Rejects with `KEY_STATE_CONFLICT` (rolled back) if the key row is not in the expected state.
   */
  commitPendingShare(keyId: string, sessionId: string, updatedAt?: number): Promise<boolean>;
  /**
   * Gives up a run: drops its pending share (if any) and records it `aborted`, unless it is
   * recorded `committed`. Resolves to the recorded outcome.
   */
  abortLifecycle(keyId: string, sessionId: string): Promise<'aborted' | 'committed'>;
  /**
   * What this node knows about run `sessionId` of a key. With `abortIfUnknown`, a run with neither
   * a pending share nor an outcome is recorded `aborted` in the same transaction (and reported as
   * such): the node will then refuse to store a pending share of it.
   */
  lifecycleStatus(keyId: string, sessionId: string, options?: { readonly abortIfUnknown?: boolean }): Promise<LifecycleStatus>;

  // ---- backup recipients and export policies (migration 4) ----
  /** Authorises an operator backup key; resolves to `false` if that fingerprint is already stored. */
  addBackupRecipient(recipient: NewBackupRecipient): Promise<boolean>;
  getBackupRecipient(fingerprint: string): Promise<BackupRecipientRecord | undefined>;
  /** Every authorised backup key, oldest first. */
  listBackupRecipients(): Promise<BackupRecipientRecord[]>;
  /** Resolves to `false` if there was none. */
  removeBackupRecipient(fingerprint: string): Promise<boolean>;
  /** Creates or replaces a key's export policy. */
  setExportPolicy(policy: NewExportPolicy): Promise<ExportPolicyRecord>;
  /** The key's export policy, or `undefined` (export forbidden). */
  getExportPolicy(keyId: string): Promise<ExportPolicyRecord | undefined>;

  // ---- single-use request ids ----
  /**
   * Records a request id atomically. Resolves to `true` the first time, `false` if the id was
   * already recorded for this application (a replay) — even if expired but not yet purged.
   */
  useRequestId(applicationId: string, requestId: string, expiresAtMs: number): Promise<boolean>;
  /** Deletes request ids with `expiresAt <= nowMs`; resolves to the number deleted. */
  purgeExpiredRequestIds(nowMs: number): Promise<number>;
  /**
   * Deletes `aborted` lifecycle outcomes recorded before `beforeMs` for keys this node holds
   * nothing of (no key row, no pending share) — the records a status question about an unknown
   * run writes (node/lifecycle/recovery.ts). Once the run's session has timed out such a record
   * protects nothing (no pending share of that run can be stored any more; a later question
   * records it again), so pruning bounds what a peer's questions can make a node store.
   */
  purgeStaleLifecycleOutcomes(beforeMs: number): Promise<number>;

  // ---- audit log (use audit/log.ts rather than these directly) ----
  /**
   * Appends audit rows atomically: inside one write transaction (SQLite `BEGIN IMMEDIATE`,
   * PostgreSQL table lock) reads the last row, calls `build(last)` (synchronous, pure) and inserts
   * the rows it returns (1..MAX_AUDIT_BATCH), each extending the one before. Rejects with
   * `AUDIT_CONFLICT` (nothing written) if a row's seq is not its predecessor's + 1 or its prev hash
   * is not its predecessor's hash.
   */
  appendAuditEntries(build: (last: AuditRow | undefined) => AuditRow[]): Promise<AuditRow[]>;
  /** Rows with seq > afterSeq in ascending order. */
  listAudit(options?: ListAuditOptions): Promise<AuditRow[]>;
  /** The row with the highest seq, or `undefined` if the log is empty. */
  lastAudit(): Promise<AuditRow | undefined>;

  /** Closes the database (pool). Further calls reject with `CLOSED`. Idempotent. */
  close(): Promise<void>;
}

/** A presignature deleted from the store by {@link ShareStore.takePresignatures}. */
export interface TakenPresignatureRow {
  readonly sealed: Uint8Array;
  readonly keyVersion: number;
  /** Its player set (sorted, comma-separated). */
  readonly players: string;
}
