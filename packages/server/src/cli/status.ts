/** `tsm status`: health of every node of the cluster. */
import type { ClusterFile } from '../config/cluster.js';

export interface NodeHealth {
  player: number;
  url: string;
  status: 'up' | 'down';
  peers?: Record<string, string>;
  error?: string;
}

export async function checkHealth(cluster: ClusterFile, timeoutMs = 2000): Promise<NodeHealth[]> {
  return Promise.all(
    cluster.nodes.map(async (n): Promise<NodeHealth> => {
      try {
        const r = await fetch(`${n.apiUrl}/v1/health`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!r.ok) return { player: n.player, url: n.apiUrl, status: 'down', error: `HTTP ${r.status}` };
        const body = (await r.json()) as { peers?: Record<string, string> };
        return { player: n.player, url: n.apiUrl, status: 'up', ...(body.peers ? { peers: body.peers } : {}) };
      } catch (e) {
        return { player: n.player, url: n.apiUrl, status: 'down', error: (e as Error).message };
      }
    }),
  );
}

/** Resolve when every node answers /v1/health and reports all its peers up; reject after timeoutMs. */
export async function waitForCluster(cluster: ClusterFile, timeoutMs: number): Promise<NodeHealth[]> {
  const deadline = Date.now() + timeoutMs;
  let last: NodeHealth[] = [];
  while (Date.now() < deadline) {
    last = await checkHealth(cluster, 1000);
    const allUp = last.every((h) => h.status === 'up' && Object.values(h.peers ?? {}).every((s) => s === 'up'));
    if (allUp) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  const down = last.filter((h) => h.status !== 'up').map((h) => h.player);
  throw Object.assign(new Error(down.length > 0 ? `node(s) ${down.join(', ')} not up after ${timeoutMs / 1000} s` : `peer channels not all up after ${timeoutMs / 1000} s`), { code: 'CLUSTER_NOT_READY' });
}
