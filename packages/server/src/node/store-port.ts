/**
 * The storage operations the node's services use. `store/` provides the implementations
 * (SQLite, PostgreSQL); this port keeps the services independent of the SQL details.
 */
export interface ApplicationRow {
  applicationId: string;
  name: string;
  algorithm: 'ed25519' | 'p256';
  publicKey: string;
  role: 'admin' | 'app';
  enabled: boolean;
  createdAt: string;
}

export type KeyStatus = 'pending' | 'active' | 'failed';

export interface KeyRow {
  keyId: string;
  applicationId: string;
  scheme: string;
  threshold: number;
  parties: number[];
  publicKey: string;
  status: KeyStatus;
  version: number;
  sealedShare: Uint8Array | null;
  createdAt: string;
  protocol: string;
}

export interface AuditInput {
  actor: string;
  action: string;
  keyId?: string | undefined;
  sessionId?: string | undefined;
  result: string;
  detail?: Record<string, string | number | boolean> | undefined;
}

export interface NodeStore {
  getApplication(applicationId: string): Promise<ApplicationRow | undefined>;
  createApplication(app: Omit<ApplicationRow, 'createdAt' | 'enabled'> & { enabled?: boolean }): Promise<ApplicationRow>;
  listApplications(): Promise<ApplicationRow[]>;
  useRequestId(applicationId: string, requestId: string, expiresAtMs: number): Promise<boolean>;
  insertPendingKey(k: { keyId: string; applicationId: string; scheme: string; threshold: number; parties: number[]; protocol: string }): Promise<void>;
  /** Store the sealed share of a pending key (still pending until activated). */
  storePendingShare(keyId: string, publicKey: string, sealedShare: Uint8Array, version: number): Promise<void>;
  activateKey(keyId: string): Promise<void>;
  failKey(keyId: string): Promise<void>;
  getKey(applicationId: string, keyId: string): Promise<KeyRow | undefined>;
  listKeys(applicationId: string, opts: { limit: number; after?: string | undefined }): Promise<KeyRow[]>;
  audit(entry: AuditInput): Promise<void>;
  close(): Promise<void>;
}
