/** JSON schemas of the client API (request bodies are validated against these; extra fields are refused). */
import { SCHEMES } from '@opentsm/core';

const players = { type: 'array', items: { type: 'integer', minimum: 1, maximum: 64 }, minItems: 1, maxItems: 64, uniqueItems: true } as const;

export const createKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scheme', 'threshold'],
  properties: {
    scheme: { type: 'string', enum: [...SCHEMES] },
    threshold: { type: 'string', pattern: '^[0-9]{1,2}-of-[0-9]{1,2}$' },
    players,
    protocol: { type: 'string', enum: ['honest-majority', 'dkls23'] },
  },
} as const;

export const signBody = {
  type: 'object',
  additionalProperties: false,
  required: ['message'],
  properties: {
    message: { type: 'string', pattern: '^([0-9a-fA-F]{2})*$', maxLength: 2 * 1024 * 1024 },
    players,
    path: { type: 'string', pattern: "^m(/[0-9]{1,10}['hH]?){0,255}$" },
  },
} as const;

export const createApplicationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'publicKey', 'algorithm'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    publicKey: { type: 'string', pattern: '^[0-9a-f]{64,66}$' },
    algorithm: { type: 'string', enum: ['ed25519', 'p256'] },
    role: { type: 'string', enum: ['admin', 'app'] },
    applicationId: { type: 'string', pattern: '^app_[0-9a-f]{24}$' },
  },
} as const;

export const keyIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['keyId'],
  properties: { keyId: { type: 'string', pattern: '^key_[0-9a-f]{32}$' } },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    after: { type: 'string', pattern: '^key_[0-9a-f]{32}$' },
  },
} as const;

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, culprits: { type: 'array', items: { type: 'integer' } } } } },
};
const keyInfo = {
  type: 'object',
  properties: {
    keyId: { type: 'string' },
    scheme: { type: 'string' },
    threshold: { type: 'string' },
    players: { type: 'array', items: { type: 'integer' } },
    publicKey: { type: 'string' },
    protocol: { type: 'string' },
  },
};

const authHeaders = ['x-tsm-app', 'x-tsm-timestamp', 'x-tsm-request-id', 'x-tsm-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } }));

/** A route as registered with Fastify (collected by an onRoute hook). */
export interface RegisteredRoute {
  method: string;
  url: string;
  schema?: { body?: unknown; params?: unknown; querystring?: unknown } | undefined;
  authenticated: boolean;
}

/**
 * OpenAPI 3.1 document served at /v1/openapi.json: the hand-written descriptions below, plus every
 * other registered route (feature modules) with its request schema, so the document never misses one.
 */
export function openApiDocument(version: string, registered: readonly RegisteredRoute[] = []): unknown {
  const doc = baseDocument(version) as { paths: Record<string, Record<string, unknown>> };
  for (const r of registered) {
    if (!r.url.startsWith('/v1/')) continue;
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const method = r.method.toLowerCase();
    if (method === 'head' || doc.paths[path]?.[method]) continue;
    const params = [...r.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    doc.paths[path] = {
      ...(doc.paths[path] ?? {}),
      [method]: {
        summary: `${r.method} ${r.url}`,
        parameters: [...(r.authenticated ? authHeaders : []), ...params],
        ...(r.schema?.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.schema.body } } } } : {}),
        responses: { '200': { description: 'OK' }, default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } } },
      },
    };
  }
  return doc;
}

function baseDocument(version: string): unknown {
  const op = (summary: string, body: unknown, ok: unknown, params: unknown[] = []) => ({
    summary,
    parameters: [...authHeaders, ...params],
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: ok } } },
      default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } },
    },
  });
  const keyIdParam = { name: 'keyId', in: 'path', required: true, schema: keyIdParams.properties.keyId };
  return {
    openapi: '3.1.0',
    info: { title: 'OpenTSM node API', version, description: 'Client API of one OpenTSM node. Every request is signed by the application key (see docs/api.md).' },
    paths: {
      '/v1/health': { get: { summary: 'Node health', responses: { '200': { description: 'OK' } } } },
      '/v1/keys': {
        post: op('Create a key by distributed key generation', createKeyBody, keyInfo),
        get: op('List the keys of the calling application', null, { type: 'object', properties: { keys: { type: 'array', items: keyInfo } } }),
      },
      '/v1/keys/{keyId}': { get: op('Show one key (public data)', null, keyInfo, [keyIdParam]) },
      '/v1/keys/{keyId}/sign': {
        post: op('Sign a message with a threshold signature', signBody, { type: 'object', properties: { keyId: { type: 'string' }, signature: { type: 'string' }, publicKey: { type: 'string' } } }, [keyIdParam]),
      },
      '/v1/applications': {
        post: op('Register an application (admin)', createApplicationBody, { type: 'object' }),
        get: op('List applications (admin)', null, { type: 'object' }),
      },
    },
  };
}
