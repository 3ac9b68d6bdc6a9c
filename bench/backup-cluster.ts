/**
 * Backup, export and import in a real 3-node cluster on loopback (node processes, TLS 1.3 peer
 * channels, SQLite), driven by the SDK from this process, 2-of-3 keys, operator key suite A
 * (X25519 + ChaCha20-Poly1305):
 * - `cluster backup create`: every node proves its backup (in parallel, one process each), the
 *   SDK collects the three and verifies the whole set (what `tsm backup create` does);
 * - `backup set verify`: `verifyBackupSet` of the file (3 proofs, public data only; what
 *   `tsm backup verify` does, minus the process start);
 * - `offline recover`: `recoverFromBackups` (2 × verify + open, combine, checks);
 * - `cluster export`: export/v1 (zero-sharing + echo round) and the wraps, 3 nodes;
 * - `cluster import`: client split + HPKE, node checks, agreement, refresh, commit, 3 nodes.
 * The per-share core costs are in bench/backup.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { generateBackupKeyPair, randomBytes, recoverFromBackups, serializeBackupFile, toHex, verifyBackupSet, type BackupFile } from '@opentsm/core';
import type { KeyScheme } from '@opentsm/client';
import { percentile, round, type BenchRow } from './lib.js';
import { startCluster } from '../packages/server/test/e2e/harness.js';

async function times(n: number, warmup: number, f: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b);
}

function rowOf(suite: string, op: string, t: number[], extra: Record<string, string | number> = {}): BenchRow {
  return { suite, op, threshold: '2-of-3', impl: 'opentsm (A: X25519+ChaCha20-Poly1305)', runs: t.length, median_ms: round(percentile(t, 50)), p99_ms: round(percentile(t, 99)), ...extra };
}

export async function benchBackupCluster(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tc = await startCluster({ nodes: 3, sessionTimeoutMs: 30_000 });
  try {
    const client = tc.client({ timeoutMs: 60_000 });
    const op = generateBackupKeyPair('x25519');
    await client.addBackupRecipient(op.publicKey, 'bench');
    for (const scheme of ['ecdsa-secp256k1', 'frost-ed25519'] as const satisfies readonly KeyScheme[]) {
      const key = await client.createKey({ scheme, threshold: '2-of-3' });
      let file: BackupFile | undefined;
      const create = await times(6, 1, async () => {
        file = await client.backupKey(key.keyId, op.publicKey);
      });
      const bytes = Buffer.byteLength(serializeBackupFile(file!));
      rows.push(rowOf(scheme, 'cluster backup create (3 nodes + SDK verify)', create, { file_bytes: bytes }));
      rows.push(
        rowOf(
          scheme,
          'backup set verify (3 proofs, offline)',
          await times(6, 1, async () => {
            if (!verifyBackupSet(file!).ok) throw new Error('backup set does not verify');
          }),
        ),
      );
      rows.push(rowOf(scheme, 'offline recover (2 shares, combine)', await times(4, 1, async () => recoverFromBackups(file!, op.secretKey))));
      const recipient = generateBackupKeyPair('x25519');
      await client.setExportPolicy(key.keyId, { allowExport: true, recipients: [recipient.publicKey] });
      rows.push(rowOf(scheme, 'cluster export (export/v1 + wrap, 3 nodes)', await times(10, 2, () => client.exportKey(key.keyId, recipient.publicKey))));
    }
    // Import needs policy.allowImport: enable it and restart the nodes.
    const c = JSON.parse(readFileSync(tc.clusterFile, 'utf8')) as { policy?: { allowImport?: boolean } };
    c.policy = { ...c.policy, allowImport: true };
    writeFileSync(tc.clusterFile, JSON.stringify(c, null, 2));
    for (const n of tc.cluster.nodes) await tc.kill(n.player, 'SIGTERM');
    for (const n of tc.cluster.nodes) tc.start(n.player);
    await tc.waitReady();
    const nodeKeys = Object.fromEntries(tc.cluster.nodes.map((n) => [n.player, n.hpkePublicKey!]));
    for (const scheme of ['ecdsa-secp256k1', 'frost-ed25519'] as const) {
      const source = () => (scheme === 'frost-ed25519' ? { ed25519Seed: randomBytes(32) } : { privateKey: toHex(randomBytes(32)) });
      rows.push(rowOf(scheme, 'cluster import (+ refresh, 3 nodes)', await times(10, 2, () => client.importKey({ scheme, threshold: '2-of-3', ...source(), nodeKeys }))));
    }
  } finally {
    await tc.stop();
  }
  return rows;
}
