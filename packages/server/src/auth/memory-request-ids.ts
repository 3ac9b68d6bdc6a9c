/**
 * In-memory single-use request-id registry (tests, single-process embedded nodes). A durable
 * store (SQLite/PostgreSQL) must give the same guarantee: an atomic insert-if-absent.
 */
export interface RequestIdRegistry {
  useRequestId(applicationId: string, requestId: string, expiresAtMs: number): Promise<boolean>;
  /** Number of ids currently remembered. */
  readonly size: number;
}

export function createMemoryRequestIdRegistry(now: () => number = Date.now): RequestIdRegistry {
  const seen = new Map<string, number>();
  let lastSweep = 0;
  const sweep = (t: number) => {
    if (t - lastSweep < 1000) return;
    lastSweep = t;
    for (const [k, exp] of seen) if (exp < t) seen.delete(k);
  };
  return {
    useRequestId(applicationId, requestId, expiresAtMs) {
      const t = now();
      sweep(t);
      const k = `${applicationId}\u0000${requestId}`;
      const exp = seen.get(k);
      if (exp !== undefined && exp >= t) return Promise.resolve(false);
      seen.set(k, expiresAtMs);
      return Promise.resolve(true);
    },
    get size() {
      return seen.size;
    },
  };
}
