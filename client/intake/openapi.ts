import { z } from 'zod';
import { alertSchema } from '../../common/alert';
import { intakeSources } from '../../common/config/intake';
import { acceptedMediaTypes } from './body';

/** The OpenAPI 3.1 description served at `/openapi.json`. The generic alert model is generated from its zod schema. */

const alertModel = z.toJSONSchema(alertSchema.omit({ origin: true }), {
  io: 'input',
  unrepresentable: 'any',
}) as Record<string, unknown>;
delete alertModel.$schema;

const problem = {
  type: 'object',
  properties: {
    path: { type: 'string', description: "The field in the sender's own terms, e.g. kibana.alert.uuid" },
    message: { type: 'string' },
  },
  required: ['path', 'message'],
};

const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'string',
      description:
        'Stable code: invalid_json, invalid_alert, payload_too_large, invalid_credentials, temporal_unavailable, …',
    },
    message: { type: 'string' },
    problems: { type: 'array', items: { $ref: '#/components/schemas/Problem' } },
  },
  required: ['error', 'message'],
};

const alertResult = {
  type: 'object',
  properties: {
    index: { type: 'integer', description: 'Position of the alert in the delivery' },
    outcome: { enum: ['started', 'duplicate', 'related', 'updated', 'closed', 'ignored', 'rejected', 'failed'] },
    sourceAlertId: { type: 'string' },
    workflowId: {
      type: 'string',
      description: 'The triage workflow that holds the alert (for related: the open case it joined)',
    },
    error: { type: 'string' },
    message: { type: 'string' },
    problems: { type: 'array', items: { $ref: '#/components/schemas/Problem' } },
  },
  required: ['index', 'outcome'],
};

const deliveryResult = {
  type: 'object',
  properties: {
    status: { enum: ['accepted', 'duplicate', 'ignored', 'partial', 'rejected', 'unavailable', 'overloaded'] },
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    ignored: { type: 'integer' },
    rejected: { type: 'integer' },
    failed: { type: 'integer' },
    results: { type: 'array', items: { $ref: '#/components/schemas/AlertResult' } },
  },
  required: ['status', 'results'],
};

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const retryAfter = { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait before retrying' } };

export function openApiDocument(): Record<string, unknown> {
  const body = {
    oneOf: [
      ref('GenericAlert'),
      { type: 'array', items: ref('GenericAlert') },
      { type: 'object', description: "The source's own delivery body" },
    ],
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'SOC triage — SIEM intake',
      version: '1',
      description:
        'Receives alerts from Splunk, Elastic, Microsoft Sentinel, OCSF producers and forwarders that speak the generic model, and starts one ' +
        'triage workflow per alert. A 2xx answer means every accepted alert is durably held by Temporal.',
    },
    paths: {
      '/v1/alerts/{source}': {
        post: {
          summary: 'Deliver one or more alerts',
          parameters: [
            { name: 'source', in: 'path', required: true, schema: { enum: [...intakeSources] } },
            {
              name: 'instance',
              in: 'query',
              required: false,
              schema: { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,200}$' },
              description: 'Names the sending SIEM instance or tenant; otherwise derived from the body',
            },
            {
              name: 'token',
              in: 'query',
              required: false,
              schema: { type: 'string' },
              description:
                'Only for sources configured with url-token (Splunk); the name is read decoded and in any case',
            },
            {
              name: 'Content-Encoding',
              in: 'header',
              required: false,
              schema: { enum: ['identity', 'gzip', 'x-gzip'] },
              description: 'gzip bodies are decompressed (the body limit applies to the decompressed size)',
            },
          ],
          requestBody: {
            required: true,
            content: Object.fromEntries(acceptedMediaTypes.map((type) => [type, { schema: body }])),
          },
          responses: {
            '200': {
              description: 'Every alert was already known (duplicate) or a close of an unknown alert',
              content: json(ref('DeliveryResult')),
            },
            '202': {
              description: 'Accepted: each alert has its triage workflow',
              content: json(ref('DeliveryResult')),
            },
            '207': {
              description: 'Some alerts were unreadable (see results); the others were accepted',
              content: json(ref('DeliveryResult')),
            },
            '400': { description: 'Empty body or invalid JSON / NDJSON', content: json(ref('Error')) },
            '401': { description: 'Missing, wrong, stale or replayed credentials', content: json(ref('Error')) },
            '403': { description: 'The source is not enabled', content: json(ref('Error')) },
            '404': { description: 'Unknown source', content: json(ref('Error')) },
            '413': {
              description: 'Body over the limit (also once decompressed), or too many alerts in one delivery',
              content: json(ref('Error')),
            },
            '415': {
              description: `Content type other than ${acceptedMediaTypes.join(', ')}, or a Content-Encoding other than gzip`,
              content: json(ref('Error')),
            },
            '422': {
              description: 'No alert could be read (text that is not valid Unicode included); problems name the fields',
              content: json(ref('Error')),
            },
            '429': {
              description: 'Overloaded; nothing was acknowledged',
              headers: retryAfter,
              content: json(ref('Error')),
            },
            '503': {
              description: 'Temporal unreachable; nothing was acknowledged',
              headers: retryAfter,
              content: json(ref('Error')),
            },
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', responses: { '200': { description: 'The process serves requests' } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: Temporal answers',
          responses: {
            '200': { description: 'Ready' },
            '503': { description: 'Temporal unreachable', headers: retryAfter },
          },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition format' } } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      schemas: {
        GenericAlert: alertModel,
        Problem: problem,
        Error: errorBody,
        AlertResult: alertResult,
        DeliveryResult: deliveryResult,
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: { type: 'http', scheme: 'basic' },
        header: { type: 'apiKey', in: 'header', name: 'X-SOC-Token' },
        urlToken: { type: 'apiKey', in: 'query', name: 'token' },
        hmac: {
          type: 'apiKey',
          in: 'header',
          name: 'X-SOC-Signature',
          description: 'sha256=<hex HMAC-SHA256(secret, "<X-SOC-Timestamp>.<body>")>, timestamp within 5 minutes',
        },
      },
    },
  };
}
