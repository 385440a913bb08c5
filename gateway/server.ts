// The billing gateway: billing systems POST events here, signed; the gateway validates every event
// and signals each member's workflow (signal-with-start). Answers to POST /v1/events:
//   202 accepted, with the workflow ids       400 invalid (every problem named; nothing signalled)
//   401 unsigned, wrongly signed or stale      413 body over the limit
//   415 not application/json                   503 Temporal unreachable (retry later: events
//                                                  already signalled are ignored by id on retry)
// A 202 means each event reached its member, which may still refuse it: GET /v1/members/{memberId},
// signed over its request target, answers the member's state, paid-through and refused events (404 for no
// such member, 503 while Temporal is unreachable).
import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import type { MemberStanding } from '../workflows/messages.js';
import { memberAnswer } from './member.js';
import { openApiDocument } from './openapi.js';
import { parseEventsRequest } from './request.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signedTarget, verify } from './signature.js';
import type { Verdict } from './signature.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** What the gateway asks of Temporal: a MembershipClient in production, a fake of the same shape in unit tests. */
export interface EventSink {
  sendHistory(events: readonly LifecycleEvent[]): Promise<string[]>;
  /** The member's `view` query; null when the member has no workflow. */
  standing(memberId: string): Promise<MemberStanding | null>;
  /** Whether Temporal answers now. */
  reachable(): Promise<boolean>;
}

interface GatewayOptions {
  readonly association: AssociationConfig;
  readonly sink: EventSink;
  /** Shared secrets; more than one while a secret is being rotated. */
  readonly secrets: readonly string[];
  readonly bodyLimit?: number;
  readonly toleranceSeconds?: number;
  readonly now?: () => number;
  /** Whether an error from the sink means Temporal could not be reached (answered 503). */
  readonly isUnavailable: (error: unknown) => boolean;
}

export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const { association, sink, secrets } = options;
  const now = options.now ?? Date.now;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({ logger: false, bodyLimit });
  // The signature covers the exact bytes sent: keep them, and parse JSON only once they are verified.
  // JSON only: any other media type is refused with 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply
        .code(413)
        .send({ error: 'too-large', message: `the body is over ${bodyLimit} bytes; send fewer events per request` });
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return reply.code(415).send({ error: 'unsupported-media-type', message: 'send Content-Type: application/json' });
    if (error.statusCode && error.statusCode < 500)
      return reply.code(error.statusCode).send({ error: 'bad-request', message: error.message });
    return reply.code(500).send({
      error: 'internal',
      message: 'the gateway failed on this request; retry it (events already applied are ignored by id)',
    });
  });

  /** Whether the request was signed, over `body` (a GET signs the empty body), by a secret the gateway holds. */
  const signed = (request: FastifyRequest, body: Buffer): Verdict => {
    const header = (name: string) =>
      typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined;
    return verify(
      secrets,
      { timestamp: header(TIMESTAMP_HEADER), signature: header(SIGNATURE_HEADER) },
      body,
      now(),
      options.toleranceSeconds,
    );
  };
  const unavailable = {
    error: 'unavailable',
    message: 'Temporal cannot be reached; retry the whole request later',
  };

  app.post('/v1/events', async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const verdict = signed(request, raw);
    if (!verdict.ok) return reply.code(401).send({ error: 'unauthorized', message: verdict.reason });

    const parsed = parseEventsRequest(raw, association);
    if (!parsed.ok)
      return reply
        .code(400)
        .send({ error: 'invalid', message: 'nothing in this request was sent', problems: parsed.problems });

    try {
      const workflowIds = await sink.sendHistory(parsed.events);
      return await reply.code(202).send({ accepted: parsed.events.length, workflowIds });
    } catch (error) {
      if (!options.isUnavailable(error)) throw error;
      // Events signalled before the failure are ignored by id when the billing system retries.
      return reply.code(503).header('retry-after', '5').send(unavailable);
    }
  });

  app.get<{ Params: { memberId: string } }>('/v1/members/:memberId', async (request, reply) => {
    const verdict = signed(request, Buffer.from(signedTarget(request.url)));
    if (!verdict.ok) return reply.code(401).send({ error: 'unauthorized', message: verdict.reason });
    const { memberId } = request.params;
    let standing: MemberStanding | null;
    try {
      standing = await sink.standing(memberId);
    } catch (error) {
      if (!options.isUnavailable(error)) throw error;
      return reply.code(503).header('retry-after', '5').send(unavailable);
    }
    if (!standing)
      return reply
        .code(404)
        .send({ error: 'not-found', message: `no member ${memberId} in association ${association.association.id}` });
    // Events sent before a joined or imported event are refused, and the member is not there yet to list them.
    if (!standing.member)
      return reply.code(404).send({
        error: 'not-found',
        message: `member ${memberId} has had no joined or imported event; events sent before one are refused`,
      });
    return reply.code(200).send(memberAnswer(standing.member));
  });

  app.get('/healthz', async (_request, reply) => {
    const temporal = await sink.reachable().catch(() => false);
    return reply.code(temporal ? 200 : 503).send({
      status: temporal ? 'ok' : 'unavailable',
      temporal: temporal ? 'reachable' : 'unreachable',
      association: association.association.id,
    });
  });

  app.get('/openapi.json', async () => openApiDocument());
  return app;
}
