/** Helpers of the lifecycle e2e tests: per-node database reads, raw signed requests, waiting. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { signRequest } from '@opentsm/client';
import type { TestCluster } from './harness.js';

export const enc = new TextEncoder();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface NodeKeyRow {
  status: string;
  version: number;
  threshold: number;
  parties: number[];
  sealed: Buffer;
}

/** Run `f` on node `player`'s SQLite database (read-write, next to the running node: WAL + busy timeout). */
export function withDb<T>(tc: TestCluster, player: number, f: (db: Database.Database) => T): T {
  const db = new Database(`${tc.dir}/node-${player}.db`);
  try {
    db.pragma('busy_timeout = 10000');
    return f(db);
  } finally {
    db.close();
  }
}

/** The key's row on one node (undefined when the node has none). */
export function keyRow(tc: TestCluster, player: number, keyId: string): NodeKeyRow | undefined {
  return withDb(tc, player, (db) => {
    const r = db.prepare('SELECT status, version, threshold, parties, sealed_share FROM keys WHERE key_id = ?').get(keyId) as
      | { status: string; version: number; threshold: number; parties: string; sealed_share: Buffer }
      | undefined;
    return r ? { status: r.status, version: r.version, threshold: r.threshold, parties: JSON.parse(r.parties) as number[], sealed: r.sealed_share } : undefined;
  });
}

/** Number of pending shares (undecided refresh / reshare runs) on one node. */
export function pendingCount(tc: TestCluster, player: number): number {
  return withDb(tc, player, (db) => (db.prepare('SELECT COUNT(*) AS n FROM pending_shares').get() as { n: number }).n);
}

/** Wait until no node has a pending share (recovery settled), then return each node's key row. */
export async function settled(tc: TestCluster, keyId: string, players: number[], timeoutMs = 30_000): Promise<Map<number, NodeKeyRow | undefined>> {
  const t0 = Date.now();
  for (;;) {
    if (players.every((p) => pendingCount(tc, p) === 0)) break;
    if (Date.now() - t0 > timeoutMs) assert.fail(`pending shares left: ${players.map((p) => `${p}:${pendingCount(tc, p)}`).join(' ')}`);
    await sleep(200);
  }
  return new Map(players.map((p) => [p, keyRow(tc, p, keyId)]));
}

/** Send one signed request to one node. */
export async function raw(tc: TestCluster, player: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const s = signRequest(tc.admin, { method, path, ...(text !== undefined ? { body: text } : {}) });
  const headers: Record<string, string> = { ...s.headers, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) };
  const url = tc.cluster.nodes.find((n) => n.player === player)!.apiUrl + path;
  const r = await fetch(url, { method, headers, ...(text !== undefined ? { body: Buffer.from(s.body) } : {}) });
  return { status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } & Record<string, unknown> };
}

