// The gateway's OpenAPI document, generated from the zod schemas the gateway validates with, so
// the document and the checks cannot disagree. Served at GET /openapi.json and committed as
// docs/openapi.json (npm run schemas; a test fails when it is stale).
import { z } from 'zod';
import { lifecycleEventSchema } from '../schemas/events.js';
import { memberAnswerSchema } from './member.js';
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
  const member = z.toJSONSchema(memberAnswerSchema, { io: 'output', target: 'openapi-3.0' });
  const problemAnswer = { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } };
  return {
    openapi: '3.0.3',
    info: {
      title: 'standing billing gateway',
      version: '1',
      description:
        'Billing systems post lifecycle events (spec section 3) and read back what became of them. Every request is signed: Standing-Timestamp (Unix seconds) and Standing-Signature: v1=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>")); a GET signs its request target instead of a body: "<timestamp>.GET /v1/members/{memberId}". A timestamp more than five minutes from the gateway clock is refused. An event id seen before is ignored, so a request may be retried whole. A 202 means every event reached its member, which applies it or refuses it; GET /v1/members/{memberId} lists the refused ones.',
    },
    servers: [{ url: 'http://127.0.0.1:8787' }],
    components: {
      schemas: { LifecycleEvent: event, Member: member, Problem: problem },
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
              description:
                'Accepted for the member: every event reached its member workflow, which applies it or, if it does not fit the member (a payment for a voided invoice, say), refuses it and lists it under `rejected` in GET /v1/members/{memberId}',
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
              content: problemAnswer,
            },
            '401': {
              description: 'Missing, wrong or stale signature',
              content: problemAnswer,
            },
            '413': {
              description: 'Body over the size limit (1 MiB by default)',
              content: problemAnswer,
            },
            '415': {
              description: 'The body is not application/json',
              content: problemAnswer,
            },
            '503': {
              description:
                'Temporal cannot be reached; retry the whole request (Retry-After). Events signalled before the failure are ignored by id.',
              headers: { 'Retry-After': { schema: { type: 'integer' } } },
              content: problemAnswer,
            },
          },
        },
      },
      '/v1/members/{memberId}': {
        get: {
          summary: "A member's state, paid-through and refused events",
          description:
            'Signed like a POST, over "GET <path>" in place of a body (the path as sent), so a signature reads one member only. An event the gateway accepted (202) and the member refused is listed under `rejected` with the reason; one applied or ignored as a repeat is not.',
          parameters: [{ name: 'memberId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The member',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Member' } } },
            },
            '401': { description: 'Missing, wrong or stale signature', content: problemAnswer },
            '404': {
              description:
                'No such member in the association, or no joined or imported event for it yet (events sent before one are refused)',
              content: problemAnswer,
            },
            '503': {
              description: 'Temporal cannot be reached; retry later (Retry-After)',
              headers: { 'Retry-After': { schema: { type: 'integer' } } },
              content: problemAnswer,
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
