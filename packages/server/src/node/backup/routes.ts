/**
 * Client API of backup, export and import (docs/api.md, "Backup, export and import"):
 *
 *   POST   /v1/backup/recipients                {publicKey, suite?, name?}          admin → RecipientInfo
 *   GET    /v1/backup/recipients                                                    → {recipients}
 *   DELETE /v1/backup/recipients/:fingerprint                                       admin → {fingerprint, removed}
 *   POST   /v1/keys/:keyId/backup               {recipientPublicKey, suite?}        → BackupResult (this node's share)
 *   PUT    /v1/keys/:keyId/export-policy        {allowExport, recipients?}          admin → ExportPolicyInfo
 *   GET    /v1/keys/:keyId/export-policy                                            admin → ExportPolicyInfo
 *   POST   /v1/keys/:keyId/export               {recipientPublicKey, suite?}        → ExportShareResult (this node's wrapped share)
 *   POST   /v1/keys/import                      {request: opentsm-import, protocol?} → KeyInfo + {importId, epoch}
 *
 * Fan-out only: the client sends the same signed request to every player and collects every
 * player's own answer (a primary could not return the others' backups or wrapped shares), so
 * these routes never relay.
 */
import type { FastifyInstance } from 'fastify';
import { SCHEMES } from '@opentsm/core';
import type { RouteContext } from '../app.js';
import { keyIdParams } from '../schemas.js';
import type { BackupService } from './service.js';

const HPKE_PK = '^([0-9a-f]{64}|04[0-9a-f]{128})$';
const SUITE = { type: 'string', enum: ['x25519', 'p256'] } as const;

const fingerprintParams = {
  type: 'object',
  additionalProperties: false,
  required: ['fingerprint'],
  properties: { fingerprint: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const;

export const recipientBody = {
  type: 'object',
  additionalProperties: false,
  required: ['publicKey'],
  properties: {
    publicKey: { type: 'string', pattern: HPKE_PK },
    suite: SUITE,
    name: { type: 'string', maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]*$' },
  },
} as const;

export const wrapBody = {
  type: 'object',
  additionalProperties: false,
  required: ['recipientPublicKey'],
  properties: { recipientPublicKey: { type: 'string', pattern: HPKE_PK }, suite: SUITE },
} as const;

export const exportPolicyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['allowExport'],
  properties: {
    allowExport: { type: 'boolean' },
    recipients: { type: 'array', items: { type: 'string', pattern: HPKE_PK }, maxItems: 16, uniqueItems: true },
  },
} as const;

const hex = (maxBytes: number) => ({ type: 'string', pattern: '^([0-9a-f]{2})+$', maxLength: 2 * maxBytes }) as const;

export const importBody = {
  type: 'object',
  additionalProperties: false,
  required: ['request'],
  properties: {
    protocol: { type: 'string', enum: ['honest-majority', 'dkls23'] },
    request: {
      type: 'object',
      additionalProperties: false,
      required: ['version', 'type', 'scheme', 'keyId', 'importId', 'threshold', 'parties', 'suite', 'publicKey', 'commitments', 'chainCodeHash', 'shares'],
      properties: {
        version: { const: 1 },
        type: { const: 'opentsm-import' },
        scheme: { type: 'string', enum: [...SCHEMES] },
        keyId: { type: 'string', pattern: '^key_[0-9a-f]{32}$' },
        importId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
        threshold: { type: 'integer', minimum: 1, maximum: 64 },
        parties: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 64 }, minItems: 1, maxItems: 64, uniqueItems: true },
        suite: SUITE,
        publicKey: hex(33),
        commitments: { type: 'array', items: hex(33), minItems: 1, maxItems: 64 },
        chainCodeHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        shares: {
          type: 'object',
          additionalProperties: false,
          maxProperties: 64,
          patternProperties: {
            '^[1-9][0-9]?$': {
              type: 'object',
              additionalProperties: false,
              required: ['recipientPublicKey', 'ciphertext'],
              properties: { recipientPublicKey: { type: 'string', pattern: HPKE_PK }, ciphertext: hex(256) },
            },
          },
        },
      },
    },
  },
} as const;

export function backupRoutes(svc: BackupService) {
  return (app: FastifyInstance, ctx: RouteContext): void => {
    app.post<{ Body: { publicKey: string; suite?: string; name?: string } }>(
      '/v1/backup/recipients',
      { schema: { body: recipientBody }, preValidation: ctx.requireAdmin },
      async (req) => svc.addRecipient(ctx.caller(req), req.body),
    );
    app.get('/v1/backup/recipients', { preValidation: ctx.authenticate }, async () => ({ recipients: await svc.listRecipients() }));
    app.delete<{ Params: { fingerprint: string } }>(
      '/v1/backup/recipients/:fingerprint',
      { schema: { params: fingerprintParams }, preValidation: ctx.requireAdmin },
      async (req) => svc.removeRecipient(ctx.caller(req), req.params.fingerprint),
    );

    app.post<{ Params: { keyId: string }; Body: { recipientPublicKey: string; suite?: string } }>(
      '/v1/keys/:keyId/backup',
      { schema: { params: keyIdParams, body: wrapBody }, preValidation: ctx.authenticate },
      async (req) => svc.backup(ctx.caller(req), req.params.keyId, req.body),
    );

    app.put<{ Params: { keyId: string }; Body: { allowExport: boolean; recipients?: string[] } }>(
      '/v1/keys/:keyId/export-policy',
      { schema: { params: keyIdParams, body: exportPolicyBody }, preValidation: ctx.requireAdmin },
      async (req) => svc.setExportPolicy(ctx.caller(req), req.params.keyId, req.body),
    );
    app.get<{ Params: { keyId: string } }>('/v1/keys/:keyId/export-policy', { schema: { params: keyIdParams }, preValidation: ctx.requireAdmin }, async (req) =>
      svc.getExportPolicy(req.params.keyId),
    );

    app.post<{ Params: { keyId: string }; Body: { recipientPublicKey: string; suite?: string } }>(
      '/v1/keys/:keyId/export',
      { schema: { params: keyIdParams, body: wrapBody }, preValidation: ctx.authenticate },
      async (req) => svc.exportShare(ctx.caller(req), req.params.keyId, req.body),
    );

    app.post<{ Body: { request: unknown; protocol?: string } }>(
      '/v1/keys/import',
      { schema: { body: importBody }, preValidation: ctx.authenticate },
      async (req) => svc.importKey(ctx.caller(req), req.body),
    );
  };
}
