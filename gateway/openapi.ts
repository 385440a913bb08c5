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

const associationParameter = {
  name: 'associationId',
  in: 'path',
  required: true,
  description:
    'The association the request acts for, as its file names it (association.id); its secret signs the request',
  schema: { type: 'string' },
  example: 'SAMPLE',
};
const memberParameter = { name: 'memberId', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(): Record<string, unknown> {
  const event = z.toJSONSchema(lifecycleEventSchema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });
  const member = z.toJSONSchema(memberAnswerSchema, { io: 'output', target: 'openapi-3.0' });
  const problemAnswer = { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } };
  const unauthorized = {
    description:
      "Missing, wrong or stale signature; a signature made with another association's secret; or the association has no secret configured",
    content: problemAnswer,
  };
  const unavailable = (what: string) => ({
    description: `Temporal cannot be reached; ${what} (Retry-After)`,
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
    content: problemAnswer,
  });
  const sendEvents = {
    summary: 'Send one event or an array of events for members of the association',
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
          'Accepted for the member: every event reached its member workflow in this association, which applies it or, if it does not fit the member (a payment for a voided invoice, say), refuses it and lists it under `rejected` in the member read',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['accepted', 'workflowIds'],
              properties: {
                accepted: { type: 'integer' },
                workflowIds: { type: 'array', items: { type: 'string', example: 'membership/SAMPLE/S0001' } },
              },
            },
          },
        },
      },
      '400': {
        description: 'Invalid: every problem named by field; nothing from the request was signalled',
        content: problemAnswer,
      },
      '401': unauthorized,
      '404': {
        description:
          'No such association is served here (answered before the signature is checked); nothing was signalled',
        content: problemAnswer,
      },
      '413': { description: 'Body over the size limit (1 MiB by default)', content: problemAnswer },
      '415': { description: 'The body is not application/json', content: problemAnswer },
      '503': unavailable('retry the whole request. Events signalled before the failure are ignored by id.'),
    },
  };
  const readMember = {
    summary: "A member's state, paid-through and refused events",
    description:
      'Signed like a POST, over "GET <path>" in place of a body (the path as sent), so a signature reads one member of one association only. An event the gateway accepted (202) and the member refused is listed under `rejected` with the reason; one applied or ignored as a repeat is not.',
    responses: {
      '200': {
        description: 'The member',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Member' } } },
      },
      '401': unauthorized,
      '404': {
        description:
          'No such association served here; no such member in the association; or no joined or imported event for it yet (events sent before one are refused)',
        content: problemAnswer,
      },
      '503': unavailable('retry later'),
    },
  };
  const stripeWebhook = {
    summary: "Stripe's webhooks for the association's Stripe account",
    description:
      "Point a Stripe webhook endpoint here. Signed by Stripe (Stripe-Signature) with the endpoint's signing secret, which the association's gateway settings hold (gateway.stripeSecretsEnv, gateway.stripeSecretsFile, or STANDING_GATEWAY_SECRETS_DIR/<id>.stripe), verified with Stripe's library; a timestamp more than five minutes from the gateway's clock either way is refused. invoice.finalized, invoice.paid, invoice.voided, charge.refunded and charge.dispute.closed (lost) become invoiceIssued, paymentPosted, invoiceVoided and paymentReversed for the member the Stripe objects name (metadata standing_member_id; docs/integrators.md). The Stripe event id is the lifecycle event id, so Stripe's retries apply once. Every other type is answered 200 and ignored; an event that names no member of the association is answered 200 and reported in the gateway's log.",
    security: [{ stripeSignature: [] }],
    parameters: [associationParameter],
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { type: 'object', description: 'A Stripe Event, as Stripe sends it' } },
      },
    },
    responses: {
      '200': {
        description:
          'Handled: `applied` lifecycle events reached their member (each applies it or refuses it, as for /events); 0 with `ignored` (a type standing does not map) or `unmatched` (no member of this association named; reported where staff look: `standing unmatched`, the Temporal UI)',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['received', 'applied'],
              properties: {
                received: { type: 'boolean' },
                applied: { type: 'integer' },
                workflowIds: { type: 'array', items: { type: 'string' } },
                ignored: { type: 'string' },
                unmatched: { type: 'string' },
              },
            },
          },
        },
      },
      '400': { description: 'The verified body is not JSON', content: problemAnswer },
      '401': {
        description:
          "Missing, wrong or stale Stripe-Signature (another association's endpoint secret is wrong too); or the association has no Stripe endpoint secret",
        content: problemAnswer,
      },
      '404': { description: 'No such association is served here', content: problemAnswer },
      '503': unavailable('Stripe retries it'),
    },
  };
  const severalServed = {
    description:
      'The gateway serves several associations (or none): the answer names the path to use; nothing was signalled',
    content: problemAnswer,
  };
  const deprecated = (successor: string) => ({
    deprecated: true,
    description: `Deprecated: the path of a gateway serving one association. Served only while exactly one association is loaded, for that association (the answer links to ${successor} with rel="successor-version"); with several, 404 naming the new path. A GET signs this path, as sent.`,
  });
  return {
    openapi: '3.0.3',
    info: {
      title: 'standing billing gateway',
      version: '1',
      description:
        'Each association\'s billing system posts lifecycle events (spec section 3) to its association\'s path and reads back what became of them. Every request is signed with its association\'s own secret, in the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature: v1,base64(HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")), the key being the secret\'s UTF-8 bytes, `whsec_` + base64(secret) in that scheme\'s terms, or the secret itself when it is written whsec_<base64>) or in the older Standing scheme: Standing-Timestamp (Unix seconds) and Standing-Signature: v1=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>")); a GET signs its request target instead of a body: "<timestamp>.GET /v1/associations/{associationId}/members/{memberId}". A request reaches only members of the association in its path; one signed with another association\'s secret is refused (401). A timestamp more than five minutes from the gateway clock is refused. An event id seen before is ignored, so a request may be retried whole. A 202 means every event reached its member, which applies it or refuses it; the member read lists the refused ones.',
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
            'The older scheme: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> with the association\'s secret; several comma-separated while a secret rotates',
        },
        webhookId: { type: 'apiKey', in: 'header', name: 'webhook-id', description: 'Standard Webhooks: a message id' },
        webhookTimestamp: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-timestamp',
          description: 'Standard Webhooks: Unix seconds when the request was signed',
        },
        webhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description:
            'Standard Webhooks: v1,<base64 HMAC-SHA256 of "<webhook-id>.<timestamp>.<raw body>"> with the association\'s secret as the key (whsec_ + base64 of it); several space-separated',
        },
        stripeSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Stripe-Signature',
          description: "Stripe's signature with the association's Stripe endpoint secret (t=<timestamp>,v1=<hex>)",
        },
      },
    },
    security: [
      { webhookId: [], webhookTimestamp: [], webhookSignature: [] },
      { timestamp: [], signature: [] },
    ],
    paths: {
      '/v1/associations/{associationId}/events': {
        post: { ...sendEvents, parameters: [associationParameter] },
      },
      '/v1/associations/{associationId}/stripe': { post: stripeWebhook },
      '/v1/associations/{associationId}/members/{memberId}': {
        get: { ...readMember, parameters: [associationParameter, memberParameter] },
      },
      '/v1/events': {
        post: {
          ...sendEvents,
          ...deprecated('/v1/associations/{associationId}/events'),
          summary: 'Deprecated: send events to the only association served',
          responses: { ...sendEvents.responses, '404': severalServed },
        },
      },
      '/v1/members/{memberId}': {
        get: {
          ...readMember,
          ...deprecated('/v1/associations/{associationId}/members/{memberId}'),
          summary: 'Deprecated: read a member of the only association served',
          parameters: [memberParameter],
          responses: {
            ...readMember.responses,
            '404': {
              description: `${severalServed.description}; or no such member, or no joined or imported event for it yet`,
              content: problemAnswer,
            },
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Whether the gateway can reach Temporal, and the associations it serves',
          security: [],
          responses: { '200': { description: 'Temporal reachable' }, '503': { description: 'Temporal unreachable' } },
        },
      },
    },
  };
}
