/**
 * The client API of one node (Fastify). Routes are thin: authenticate (every node verifies the
 * application's signature itself), validate, call the KeyService, map errors to stable codes.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parseHex, toHex, randomBytes, transcriptHash, utf8ToBytes } from '@opentsm/core';
import { fastVerifyRequestSignature } from '../auth/fast-verify.js';
import { AuthError, verifyRequest, type AuthenticatedApp } from '../auth/verify-request.js';
import type { ClusterFile } from '../config/cluster.js';
import { ApiError } from './errors.js';
import type { KeyService } from './key-service.js';
import type { NodeMetrics } from './metrics.js';
import { createApplicationBody, createKeyBody, keyIdParams, listQuery, openApiDocument, signBody, type RegisteredRoute } from './schemas.js';
import type { NodeStore } from './store-port.js';

export const VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
    app?: AuthenticatedApp;
  }
}

/** What a route module gets to register its routes (see `AppDeps.routes`). */
export interface RouteContext {
  /** preValidation hook: verifies the client's signed request (sets req.app). */
  readonly authenticate: (req: FastifyRequest) => Promise<void>;
  /** preValidation hook: authenticate + admin role. */
  readonly requireAdmin: (req: FastifyRequest) => Promise<void>;
  /** The verified caller of an authenticated request. */
  readonly caller: (req: FastifyRequest) => { applicationId: string; requestId: string };
  /** Primary mode: relay the signed request unchanged to these players (no-op in fan-out mode). */
  readonly relay: (req: FastifyRequest, players: number[]) => Promise<unknown>[];
}

export type RouteModule = (app: FastifyInstance, ctx: RouteContext) => void;

export interface AppDeps {
  /** Extra route modules (one file per feature: lifecycle, backup, ...). */
  routes?: readonly RouteModule[];
  player: number;
  cluster: ClusterFile;
  store: NodeStore;
  keys: KeyService;
  metrics: NodeMetrics;
  peerStatus: () => Record<number, 'up' | 'down'>;
  logLevel?: string;
  /** Relay timeout for primary mode. */
  timeoutMs: number;
  now?: () => number;
}

const MAX_BODY = 4 * 1024 * 1024;

export function buildApp(d: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: d.logLevel === 'silent' ? false : { level: d.logLevel ?? 'info', redact: ['req.headers["x-tsm-signature"]'] },
    bodyLimit: MAX_BODY,
    disableRequestLogging: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    genReqId: () => toHex(randomBytes(8)),
  });

  // Keep the raw body: the request signature covers its exact bytes.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    req.rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch {
      done(new ApiError(400, 'BAD_REQUEST', 'request body is not valid JSON'), undefined);
    }
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    let api: ApiError;
    if (err instanceof ApiError) api = err;
    else if (err instanceof AuthError) api = new ApiError(err.status, err.code, err.message);
    else if (typeof err === 'object' && err !== null && 'validation' in err) api = new ApiError(400, 'BAD_REQUEST', (err as unknown as Error).message);
    else if (typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === 413) api = new ApiError(413, 'BODY_TOO_LARGE', 'request body too large');
    else if (typeof err === 'object' && err !== null && (err as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') api = new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'use application/json');
    else if (typeof err === 'object' && err !== null && typeof (err as { statusCode?: number }).statusCode === 'number' && (err as { statusCode: number }).statusCode < 500)
      api = new ApiError((err as { statusCode: number }).statusCode, 'BAD_REQUEST', (err as Error).message);
    else {
      req.log.error({ err }, 'internal error');
      api = new ApiError(500, 'INTERNAL', 'internal error');
    }
    d.metrics.errors.inc({ code: api.code });
    void reply.status(api.status).send(api.toBody());
  });

  const registeredRoutes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods)
      registeredRoutes.push({ method: String(m), url: r.url, schema: r.schema, authenticated: r.preValidation !== undefined });
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send(new ApiError(404, 'NOT_FOUND', 'no such route').toBody());
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    d.metrics.httpRequests.inc({ route, status: String(reply.statusCode) });
    d.metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
    req.log.debug({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  /** Every /v1 route except health and the OpenAPI document is authenticated. */
  const authenticate = async (req: FastifyRequest) => {
    req.app = await verifyRequest(
      { method: req.method, path: req.url, headers: req.headers, rawBody: req.rawBody ?? new Uint8Array(0) },
      {
        getApplication: (id) => d.store.getApplication(id),
        useRequestId: (app, rid, exp) => d.store.useRequestId(app, rid, exp),
        verifySignature: fastVerifyRequestSignature,
        ...(d.now ? { now: d.now } : {}),
      },
    );
  };
  const requireAdmin = async (req: FastifyRequest) => {
    await authenticate(req);
    if (req.app?.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', 'this operation needs the admin role');
  };
  const caller = (req: FastifyRequest) => ({ applicationId: req.app!.applicationId, requestId: req.app!.requestId });

  /**
   * Primary mode: this node relays the client's signed request, unchanged, to the other players,
   * which verify it themselves; the result returned is this node's own (it took part).
   */
  const relay = (req: FastifyRequest, players: number[]): Promise<unknown>[] => {
    if (req.headers['x-tsm-mode'] !== 'primary') return [];
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const h of ['x-tsm-app', 'x-tsm-timestamp', 'x-tsm-request-id', 'x-tsm-signature']) headers[h] = String(req.headers[h]);
    headers['x-tsm-players'] = players.join(',');
    return d.cluster.nodes
      .filter((n) => n.player !== d.player && players.includes(n.player))
      .map(async (n) => {
        try {
          const r = await fetch(n.apiUrl + req.url, { method: req.method, headers, ...(req.rawBody && req.method !== 'GET' ? { body: new Uint8Array(req.rawBody) } : {}), signal: AbortSignal.timeout(d.timeoutMs + 5000) });
          await r.arrayBuffer();
        } catch (err) {
          req.log.warn({ peer: n.player, err: (err as Error).message }, 'relay to peer failed');
        }
      });
  };
  const headerPlayers = (req: FastifyRequest): number[] | undefined => {
    const h = req.headers['x-tsm-players'];
    if (typeof h !== 'string') return undefined;
    if (!/^\d{1,2}(,\d{1,2}){0,63}$/.test(h)) throw new ApiError(400, 'INVALID_PLAYERS', 'x-tsm-players must be a comma-separated list of player indices');
    return h.split(',').map(Number);
  };

  app.get('/v1/health', async () => ({ status: 'ok', player: d.player, version: VERSION, cluster: d.cluster.name, peers: d.peerStatus() }));
  app.get('/v1/openapi.json', async () => openApiDocument(VERSION, registeredRoutes));
  app.get('/metrics', async (_req, reply: FastifyReply) => {
    const st = d.peerStatus();
    d.metrics.peersUp.set(Object.values(st).filter((s) => s === 'up').length);
    void reply.header('content-type', d.metrics.registry.contentType);
    return d.metrics.registry.metrics();
  });

  app.post<{ Body: { scheme: string; threshold: string; players?: number[]; protocol?: string } }>(
    '/v1/keys',
    { schema: { body: createKeyBody }, preValidation: authenticate },
    async (req) => {
      const players = req.body.players ?? headerPlayers(req);
      const n = Number(/-of-(\d+)$/.exec(req.body.threshold)?.[1] ?? 0);
      const relayed = relay(req, players ?? d.cluster.nodes.map((x) => x.player).slice(0, n));
      const res = await d.keys.createKey(caller(req), { ...req.body, players });
      await Promise.all(relayed);
      return res;
    },
  );

  app.get<{ Querystring: { limit?: string; after?: string } }>('/v1/keys', { schema: { querystring: listQuery }, preValidation: authenticate }, async (req) => {
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100)));
    return { keys: await d.keys.listKeys(req.app!.applicationId, limit, req.query.after) };
  });

  app.get<{ Params: { keyId: string } }>('/v1/keys/:keyId', { schema: { params: keyIdParams }, preValidation: authenticate }, async (req) =>
    d.keys.getKey(req.app!.applicationId, req.params.keyId),
  );

  app.post<{ Params: { keyId: string }; Body: { message: string; players?: number[]; path?: string } }>(
    '/v1/keys/:keyId/sign',
    { schema: { params: keyIdParams, body: signBody }, preValidation: authenticate },
    async (req) => {
      let players = req.body.players ?? headerPlayers(req);
      if (!players && req.headers['x-tsm-mode'] === 'primary') {
        // The primary picks the quorum: itself first, then connected peers.
        const key = await d.keys.getKey(req.app!.applicationId, req.params.keyId);
        const t = Number(key.threshold.split('-of-')[0]);
        const k = key.protocol === 'honest-majority' ? 2 * t - 1 : t;
        const st = d.peerStatus();
        const others = key.players.filter((p) => p !== d.player && st[p] === 'up');
        players = [d.player, ...others].slice(0, k).sort((a, b) => a - b);
        if (players.length < k) throw new ApiError(503, 'QUORUM_UNAVAILABLE', `only ${players.length} of the ${k} players needed are reachable`);
      }
      const relayed = players ? relay(req, players) : [];
      const res = await d.keys.sign(caller(req), req.params.keyId, { message: parseHex(req.body.message), players, path: req.body.path });
      await Promise.all(relayed);
      return res;
    },
  );

  app.post<{ Body: { name: string; publicKey: string; algorithm: 'ed25519' | 'p256'; role?: 'admin' | 'app'; applicationId?: string } }>(
    '/v1/applications',
    { schema: { body: createApplicationBody }, preValidation: requireAdmin },
    async (req) => {
      // The id is derived from the request so that every node (fan-out) stores the same one.
      const applicationId = req.body.applicationId ?? 'app_' + toHex(transcriptHash('opentsm/app-id/v1', utf8ToBytes(caller(req).requestId))).slice(0, 24);
      if (await d.store.getApplication(applicationId)) throw new ApiError(409, 'APPLICATION_EXISTS', 'an application with this id already exists');
      const row = await d.store.createApplication({ applicationId, name: req.body.name, algorithm: req.body.algorithm, publicKey: req.body.publicKey, role: req.body.role ?? 'app' });
      await d.store.audit({ actor: req.app!.applicationId, action: 'application.create', result: 'ok', detail: { applicationId, role: row.role } });
      return { applicationId: row.applicationId, name: row.name, algorithm: row.algorithm, publicKey: row.publicKey, role: row.role };
    },
  );

  app.get('/v1/applications', { preValidation: requireAdmin }, async () => ({
    applications: (await d.store.listApplications()).map((a) => ({ applicationId: a.applicationId, name: a.name, algorithm: a.algorithm, role: a.role, enabled: a.enabled })),
  }));

  const ctx: RouteContext = { authenticate, requireAdmin, caller, relay };
  for (const register of d.routes ?? []) register(app, ctx);

  return app;
}
