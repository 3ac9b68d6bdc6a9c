/**
 * Starting and stopping one node: load the cluster file and node config, the TLS identity and
 * the master key, open (and migrate) the store, connect the peer channel, serve the client API.
 */
import { readFileSync } from 'node:fs';
import { verifyAuditChain } from '../audit/log.js';
import { loadClusterFile, type ClusterFile } from '../config/cluster.js';
import { ConfigError } from '../config/errors.js';
import { loadNodeConfig, type NodeConfig } from '../config/node-config.js';
import { loadMasterKey } from '../crypto/master-key.js';
import { certFingerprint } from '../pki/fingerprint.js';
import { openStore } from '../store/open.js';
import type { ShareStore } from '../store/types.js';
import { PeerTransport } from '../transport/peer-transport.js';
import { buildApp, type RouteModule } from './app.js';
import { EcdsaHmService } from './ecdsa/hm-service.js';
import { DklsService } from './ecdsa/dkls-service.js';
import { dklsRoutes, ecdsaHmRoutes } from './ecdsa/routes.js';
import type { NodeLogger, NodeServices } from './services.js';
import { KeyRecovery } from './key-recovery.js';
import { KeyService } from './key-service.js';
import { lifecycleModule } from './lifecycle/index.js';
import { NodeMetrics } from './metrics.js';
import { ChannelMux } from './peer-channel.js';
import { SessionRunner } from './session-runner.js';
import { adaptStore } from './store-adapter.js';

export interface RunningNode {
  readonly config: NodeConfig;
  readonly cluster: ClusterFile;
  readonly apiUrl: string;
  close(): Promise<void>;
}

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError('FILE_NOT_FOUND', `cannot read ${what} ${path}`);
  }
}

async function openNodeStore(config: NodeConfig): Promise<ShareStore> {
  return openStore(config.store, { ...(config.storeSchema ? { schema: config.storeSchema } : {}) });
}

export async function startNode(config: NodeConfig): Promise<RunningNode> {
  const cluster = loadClusterFile(config.clusterFile);
  const me = cluster.nodes.find((n) => n.player === config.player);
  if (!me) throw new ConfigError('NOT_IN_CLUSTER', `player ${config.player} is not in the cluster file ${config.clusterFile}`);
  const certPem = readFile(config.identity.certFile, 'certificate');
  const keyPem = readFile(config.identity.keyFile, 'identity key');
  if (certFingerprint(certPem) !== me.fingerprint)
    throw new ConfigError('FINGERPRINT_MISMATCH', `the certificate ${config.identity.certFile} does not match the fingerprint pinned for player ${config.player} in the cluster file`);
  const mk = await loadMasterKey({ file: config.masterKeyFile });
  const metrics = new NodeMetrics();
  const shareStore = await openNodeStore(config);
  const store = adaptStore(shareStore);
  for (const a of cluster.applications) {
    if (!(await store.getApplication(a.applicationId)))
      await store.createApplication({ applicationId: a.applicationId, name: a.name, algorithm: a.algorithm, publicKey: a.publicKey, role: a.role });
  }
  const logRef: { current?: { warn(o: object, m?: string): void; info(o: object, m?: string): void } } = {};
  const transport = new PeerTransport({
    logger: { info: (o, m) => logRef.current?.info(o, m), warn: (o, m) => logRef.current?.warn(o, m) },
    self: config.player,
    listen: config.peer,
    identity: { certPem, keyPem },
    peers: cluster.nodes.filter((n) => n.player !== config.player).map((n) => ({ player: n.player, url: n.peerUrl, fingerprint: n.fingerprint })),
  });
  const mux = new ChannelMux(transport);
  const runner = new SessionRunner(mux.defaultChannel, {
    timeoutMs: config.sessionTimeoutMs,
    onProtocolError: ({ channel, error }) =>
      logRef.current?.warn({ session: channel, code: error.code, culprits: error.culprits, round: error.round }, 'protocol session aborted'),
  });
  const keys = new KeyService({
    player: config.player,
    cluster,
    store,
    masterKey: mk.key,
    runner,
    metrics,
    onInternalError: (op, err) => logRef.current?.warn({ op, err: err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error' }, 'internal error'),
  });
  const log0: NodeLogger = { info: (o, m) => logRef.current?.info(o, m), warn: (o, m) => logRef.current?.warn(o, m) };
  const services: NodeServices = {
    player: config.player,
    cluster,
    shareStore,
    store,
    masterKey: mk.key,
    runner,
    mux,
    keys,
    metrics,
    log: log0,
    sessionTimeoutMs: config.sessionTimeoutMs,
    keyLocks: new Set(),
  };
  // Feature modules: one line each.
  const routes: RouteModule[] = [];
  const hm = new EcdsaHmService(services, config.presignPool);
  keys.registerSigner('honest-majority', hm.sign);
  routes.push(ecdsaHmRoutes(hm));
  routes.push(lifecycleModule(services));
  const dkls = new DklsService(services);
  keys.registerProtocol('dkls23', dkls.driver);
  routes.push(dklsRoutes(dkls));
  routes.push((await import('./backup/index.js')).backupModule(services, config));
  const app = buildApp({
    routes,
    player: config.player,
    cluster,
    store,
    keys,
    metrics,
    peerStatus: () => transport.peerStatus(),
    logLevel: config.logLevel,
    timeoutMs: config.sessionTimeoutMs,
  });
  const log = app.log;
  logRef.current = log;
  // Presignatures are a cache of preprocessing and must never come back once used (checklist F3):
  // a crash, a power cut or a database restored from a backup could resurrect used ones, so every
  // start discards the whole pool; the pool refills in the background.
  const purged = await shareStore.purgeAllPresignatures();
  if (purged > 0) log.info({ purged, uncleanStart: shareStore.uncleanStart }, 'presignature pool discarded at start (presignatures are never restored)');
  if (mk.insecurePermissions) log.warn({ file: config.masterKeyFile }, 'master key file is readable by group/others: chmod 600 it');
  const recovery = new KeyRecovery(config.player, mux, store, (o, m) => log.info(o, m));
  const leftover = await recovery.snapshot();
  if (leftover > 0) log.info({ keys: leftover }, 'resolving keys left pending by a crash');
  await transport.start();
  await app.listen({ host: config.api.host, port: config.api.port });
  recovery.start();
  hm.start();
  // Housekeeping every minute: expired request ids; `aborted` records of runs of keys this node
  // holds nothing of, once those runs are long over (store/types.ts purgeStaleLifecycleOutcomes).
  const outcomeRetentionMs = Math.max(7 * 86_400_000, 100 * config.sessionTimeoutMs);
  const purge = setInterval(() => {
    void shareStore.purgeExpiredRequestIds(Date.now()).catch(() => undefined);
    void shareStore.purgeStaleLifecycleOutcomes(Date.now() - outcomeRetentionMs).catch(() => undefined);
  }, 60_000);
  purge.unref();
  log.info({ player: config.player, api: `http://${config.api.host}:${config.api.port}`, peer: `${config.peer.host}:${config.peer.port}`, store: config.store.startsWith('sqlite:') ? 'sqlite' : 'postgres' }, 'node started');
  let closed = false;
  return {
    config,
    cluster,
    apiUrl: me.apiUrl,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(purge);
      recovery.stop();
      hm.stop();
      await app.close();
      await transport.close();
      await store.close();
    },
  };
}

export async function startNodeFromFile(path: string): Promise<RunningNode> {
  return startNode(loadNodeConfig(path));
}

export async function verifyNodeAudit(configPath: string): Promise<{ ok: true; entries: number } | { ok: false; brokenAt: number; reason: string }> {
  const config = loadNodeConfig(configPath);
  const store = await openNodeStore(config);
  try {
    const r = await verifyAuditChain(store);
    return r.ok ? { ok: true, entries: r.entries } : { ok: false, brokenAt: r.brokenAt, reason: r.reason };
  } finally {
    await store.close();
  }
}
