// The gateway's OpenAPI document, generated from the zod schemas the gateway validates with, so
// the document and the checks cannot disagree. Served at GET /openapi.json and committed as
// docs/openapi.json (npm run schemas; a test fails when it is stale).
import { z } from 'zod';
import { lifecycleEventSchema } from '../schemas/events.js';
import { MAX_EVENTS_PER_REQUEST } from './request.js';

const problem = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', example: '[2].amount' }, message: { type: 'string' } },
      },
    },
  },
};

export function openApiDocument(): Record<string, unknown> {
  const event = z.toJSONSchema(lifecycleEventSchema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });
  return {
    openapi: '3.0.3',
    info: {
      title: 'standing billing gateway',
      version: '1',
      description:
        'Billing systems post lifecycle events (spec section 3). Every request is signed: Standing-Timestamp (Unix seconds) and Standing-Signature: v1=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>")). A timestamp more than five minutes from the gateway clock is refused. An event id seen before is ignored, so a request may be retried whole.',
    },
    servers: [{ url: 'http://127.0.0.1:8787' }],
    components: {
      schemas: { LifecycleEvent: event, Problem: problem },
      securitySchemes: {
        timestamp: {
          type: 'apiKey',
          in: 'header',
          name: 'Standing-Timestamp',
          description: 'Unix seconds when the request was signed',
        },
        signature: {
          type: 'apiKey',
          in: 'header',
          name: 'Standing-Signature',
          description:
            'v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">; several comma-separated while a secret rotates',
        },
      },
    },
    security: [{ timestamp: [], signature: [] }],
    paths: {
      '/v1/events': {
        post: {
          summary: 'Send one event or an array of events',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { $ref: '#/components/schemas/LifecycleEvent' },
                    {
                      type: 'array',
                      minItems: 1,
                      maxItems: MAX_EVENTS_PER_REQUEST,
                      items: { $ref: '#/components/schemas/LifecycleEvent' },
                    },
                  ],
                },
              },
            },
          },
          responses: {
            '202': {
              description: 'Accepted: every event signalled to its member workflow',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['accepted', 'workflowIds'],
                    properties: {
                      accepted: { type: 'integer' },
                      workflowIds: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
            '400': {
              description: 'Invalid: every problem named by field; nothing from the request was signalled',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
            '401': {
              description: 'Missing, wrong or stale signature',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
            '413': {
              description: 'Body over the size limit (1 MiB by default)',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
            '415': {
              description: 'The body is not application/json',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
            '503': {
              description:
                'Temporal cannot be reached; retry the whole request (Retry-After). Events signalled before the failure are ignored by id.',
              headers: { 'Retry-After': { schema: { type: 'integer' } } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Whether the gateway can reach Temporal',
          security: [],
          responses: { '200': { description: 'Temporal reachable' }, '503': { description: 'Temporal unreachable' } },
        },
      },
    },
  };
}
