/** Routes of honest-majority ECDSA: filling and inspecting the presignature pool. */
import type { FastifyInstance } from 'fastify';
import type { RouteContext, RouteModule } from '../app.js';
import { keyIdParams } from '../schemas.js';
import type { DklsService } from './dkls-service.js';
import type { EcdsaHmService } from './hm-service.js';

const players = { type: 'array', items: { type: 'integer', minimum: 1, maximum: 64 }, minItems: 1, maxItems: 64, uniqueItems: true } as const;

export const presignBody = {
  type: 'object',
  additionalProperties: false,
  required: ['count'],
  properties: { count: { type: 'integer', minimum: 1, maximum: 4096 }, players },
} as const;

const poolQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { players: { type: 'string', pattern: '^[0-9]{1,2}(,[0-9]{1,2}){0,63}$' } },
} as const;

export function ecdsaHmRoutes(hm: EcdsaHmService): RouteModule {
  return (app: FastifyInstance, ctx: RouteContext) => {
    app.post<{ Params: { keyId: string }; Body: { count: number; players?: number[] } }>(
      '/v1/keys/:keyId/presign',
      { schema: { params: keyIdParams, body: presignBody }, preValidation: ctx.authenticate },
      async (req) => {
        const relayed = req.body.players ? ctx.relay(req, req.body.players) : [];
        const res = await hm.presign(ctx.caller(req), req.params.keyId, req.body);
        await Promise.all(relayed);
        return res;
      },
    );
    app.get<{ Params: { keyId: string }; Querystring: { players?: string } }>(
      '/v1/keys/:keyId/presignatures',
      { schema: { params: keyIdParams, querystring: poolQuery }, preValidation: ctx.authenticate },
      async (req) => hm.poolLevel(ctx.caller(req).applicationId, req.params.keyId, req.query.players?.split(',').map(Number)),
    );
  };
}

export function dklsRoutes(dkls: DklsService): RouteModule {
  return (app: FastifyInstance, ctx: RouteContext) => {
    app.post<{ Params: { keyId: string } }>('/v1/keys/:keyId/ot-refresh', { schema: { params: keyIdParams }, preValidation: ctx.authenticate }, async (req) =>
      dkls.refreshOt(ctx.caller(req), req.params.keyId),
    );
  };
}
