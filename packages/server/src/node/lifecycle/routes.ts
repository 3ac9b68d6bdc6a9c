/**
 * Client API of refresh, reshare and xpub (docs/api.md):
 *
 *   POST /v1/keys/:keyId/refresh   {}                                   → LifecycleResult
 *   POST /v1/keys/:keyId/reshare   {"threshold":"k-of-n","players":[…]} → LifecycleResult
 *   GET  /v1/keys/:keyId/xpub?path=m/0                                  → {"keyId","xpub","path"}
 *
 * Fan-out: the client sends the same signed request to every player of the run (refresh: the key's
 * players; reshare: old ∪ new). Primary mode (x-tsm-mode: primary): this node relays it to them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteContext } from '../app.js';
import { keyIdParams } from '../schemas.js';
import type { NodeServices } from '../services.js';
import type { LifecycleService } from './service.js';

export const refreshBody = { type: 'object', additionalProperties: false, properties: {} } as const;

export const reshareBody = {
  type: 'object',
  additionalProperties: false,
  required: ['threshold', 'players'],
  properties: {
    threshold: { type: 'string', pattern: '^[0-9]{1,2}-of-[0-9]{1,2}$' },
    players: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 64 }, minItems: 1, maxItems: 64, uniqueItems: true },
  },
} as const;

export const xpubQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { path: { type: 'string', maxLength: 3000, pattern: "^m(/[0-9]{1,10}['hH]?){0,255}$" } },
} as const;

export function lifecycleRoutes(svc: LifecycleService, services: NodeServices) {
  return (app: FastifyInstance, ctx: RouteContext): void => {
    const primary = (req: FastifyRequest) => req.headers['x-tsm-mode'] === 'primary';

    app.post<{ Params: { keyId: string }; Body: Record<string, never> }>(
      '/v1/keys/:keyId/refresh',
      { schema: { params: keyIdParams, body: refreshBody }, preValidation: ctx.authenticate },
      async (req) => {
        const caller = ctx.caller(req);
        let relayed: Promise<unknown>[] = [];
        if (primary(req)) relayed = ctx.relay(req, (await services.keys.getKey(caller.applicationId, req.params.keyId)).players);
        const res = await svc.refresh(caller, req.params.keyId);
        await Promise.all(relayed);
        return res;
      },
    );

    app.post<{ Params: { keyId: string }; Body: { threshold: string; players: number[] } }>(
      '/v1/keys/:keyId/reshare',
      { schema: { params: keyIdParams, body: reshareBody }, preValidation: ctx.authenticate },
      async (req) => {
        const caller = ctx.caller(req);
        let relayed: Promise<unknown>[] = [];
        if (primary(req)) {
          // Old ∪ new; a primary without the key does not know the old players: every node (the others answer 404 at once).
          const own = await services.store.getKey(caller.applicationId, req.params.keyId);
          const targets = own && own.status === 'active' ? [...new Set([...own.parties, ...req.body.players])] : services.cluster.nodes.map((n) => n.player);
          relayed = ctx.relay(req, targets.sort((a, b) => a - b));
        }
        const res = await svc.reshare(caller, req.params.keyId, req.body);
        await Promise.all(relayed);
        return res;
      },
    );

    app.get<{ Params: { keyId: string }; Querystring: { path?: string } }>(
      '/v1/keys/:keyId/xpub',
      { schema: { params: keyIdParams, querystring: xpubQuery }, preValidation: ctx.authenticate },
      async (req) => svc.xpub(ctx.caller(req), req.params.keyId, req.query.path),
    );

    // Recovery of undecided runs: answer peers as soon as the peer channel is up, resolve leftovers once serving.
    app.addHook('onListen', async () => {
      svc.recovery.start();
    });
    app.addHook('onClose', async () => {
      svc.recovery.stop();
    });
  };
}
