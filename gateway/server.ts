// The billing gateway: each association's billing system POSTs its events here, signed with that
// association's own secret; the gateway validates every event and signals each member's workflow
// (signal-with-start) in that association only. Answers to POST /v1/associations/{id}/events:
//   202 accepted, with the workflow ids       400 invalid (every problem named; nothing signalled)
//   401 unsigned, wrongly signed or stale      404 no such association here
//   413 body over the limit                    415 not application/json
//   503 Temporal unreachable (retry later: events already signalled are ignored by id on retry)
// A 202 means each event reached its member, which may still refuse it: GET
// /v1/associations/{id}/members/{memberId}, signed over its request target, answers the member's
// state, paid-through and refused events (404 for no such member, 503 while Temporal is unreachable).
// The paths of the one-association gateway (/v1/events, /v1/members/{memberId}) still serve while
// exactly one association is loaded; with several, they answer 404 naming the new path.
// Both sign with Standing-Signature or, the same secret in Standard Webhooks form, webhook-signature.
// POST /v1/associations/{id}/stripe takes Stripe's webhooks, signed with the association's Stripe
// endpoint secret (stripe.ts): 200 once handled, also for an event it cannot apply (reported in the
// log: Stripe would otherwise retry it for days); 400 not JSON; 401 unsigned, wrongly signed or stale.
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import type { UnmatchedBillingReport } from '../schemas/unmatched-billing.js';
import type { MemberStanding } from '../workflows/messages.js';
import { memberAnswer } from './member.js';
import { openApiDocument } from './openapi.js';
import { parseEventsRequest } from './request.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signedTarget, verify } from './signature.js';
import type { Verdict } from './signature.js';
import { STANDARD_SIGNATURE_HEADER, verifyStandard } from './standard-webhooks.js';
import { STRIPE_SIGNATURE_HEADER, stripeToLifecycle, verifyStripe } from './stripe.js';
import { StripeMembers } from './stripe-members.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * What the gateway asks of Temporal for one association: a MembershipClient on the association's
 * namespace and task queue in production, a fake of the same shape in unit tests.
 */
export interface EventSink {
  sendHistory(events: readonly LifecycleEvent[]): Promise<string[]>;
  /** The member's `view` query; null when the member has no workflow. */
  standing(memberId: string): Promise<MemberStanding | null>;
  /** Opens a report staff see (`standing unmatched`, the Temporal UI) of a billing event naming no member; once per event. */
  reportUnmatched(report: UnmatchedBillingReport): Promise<void>;
}

/** One association as the gateway serves it. */
export interface GatewayAssociation {
  readonly id: string;
  readonly config: AssociationConfig;
  /** The secrets its requests may be signed with (several while one rotates); none: every request is 401. */
  readonly secrets: readonly string[];
  /** Its Stripe endpoint's secrets (`whsec_...`); none: its /stripe path answers 401. */
  readonly stripeSecrets?: readonly string[];
  /** Signals and queries this association's workflows only. */
  readonly sink: EventSink;
}

interface GatewayOptions {
  /** The associations served now, by id; asked at every request, so a reload takes effect at once. */
  readonly associations: () => ReadonlyMap<string, GatewayAssociation>;
  /** Whether Temporal answers now (GET /healthz). */
  readonly reachable: () => Promise<boolean>;
  readonly bodyLimit?: number;
  readonly toleranceSeconds?: number;
  readonly now?: () => number;
  /** Whether an error from the sink means Temporal could not be reached (answered 503). */
  readonly isUnavailable: (error: unknown) => boolean;
  /** Where a Stripe event that names no member of its association is reported (the gateway's log by default). */
  readonly log?: (line: string) => void;
  /**
   * What the gateway remembers of an association's Stripe payments and customers, so a refund finds
   * its member: a journal per association (main.ts, STANDING_GATEWAY_STATE_DIR), else in memory only.
   */
  readonly stripeMembers?: (associationId: string) => Promise<StripeMembers>;
}

const DEFAULT_TOLERANCE_SECONDS = 300;

type Params = { associationId?: string; memberId?: string };
type Request = FastifyRequest<{ Params: Params }>;

/** The new paths, which name the association: what the deprecated ones point to. */
export const eventsPath = (associationId: string) => `/v1/associations/${associationId}/events`;
export const memberPath = (associationId: string, memberId: string) =>
  `/v1/associations/${associationId}/members/${memberId}`;

export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const log = options.log ?? ((line: string) => console.log(`[gateway] ${line}`));
  /** Per association id, so a reload keeps what was learned. */
  const stripeMembers = new Map<string, Promise<StripeMembers>>();
  const openStripeMembers = options.stripeMembers ?? (() => Promise.resolve(new StripeMembers()));
  const stripeMembersOf = (associationId: string) => {
    let members = stripeMembers.get(associationId);
    if (!members) {
      members = openStripeMembers(associationId);
      // A journal that could not be read is tried again on the next webhook (which is answered 500 meanwhile).
      members.catch(() => stripeMembers.delete(associationId));
      stripeMembers.set(associationId, members);
    }
    return members;
  };
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

  /**
   * The association each request acts for, chosen when it arrives (before its body is read) and
   * kept for the whole request, so a reload in between cannot switch it.
   */
  const actingFor = new WeakMap<FastifyRequest, GatewayAssociation>();

  /**
   * Keeps the association the request acts for; one with no secret is answered 401 at once, its
   * body unread. Whether it answered.
   */
  const answered = (association: GatewayAssociation, request: Request, reply: FastifyReply): boolean => {
    const stripe = request.routeOptions.url?.endsWith('/stripe') ?? false;
    if ((stripe ? (association.stripeSecrets ?? []) : association.secrets).length === 0) {
      void reply.code(401).send({
        error: 'unauthorized',
        message: stripe
          ? `association ${association.id} has no Stripe endpoint secret configured: it takes no Stripe webhooks until it has one`
          : `association ${association.id} has no gateway secret configured: it takes no requests until it has one`,
      });
      return true;
    }
    actingFor.set(request, association);
    return false;
  };
  /**
   * The association in the path, settled before anything else. An unknown one is 404 before the
   * signature is checked, and before the body is read: there is no secret to check it with, and a
   * 401 would send an integrator who mistyped the id hunting for a secret problem (association ids
   * are not secrets; the 404 says nothing of any member).
   */
  const byPath = async (request: Request, reply: FastifyReply) => {
    const id = request.params.associationId ?? '';
    const association = options.associations().get(id);
    if (!association)
      return reply.code(404).send({ error: 'not-found', message: `no association ${id} is served here` });
    return answered(association, request, reply) ? reply : undefined;
  };
  /** The deprecated paths: the only association, while there is exactly one. */
  const theOnly = async (request: Request, reply: FastifyReply) => {
    const associations = [...options.associations().values()];
    const successor =
      request.params.memberId === undefined
        ? `POST ${eventsPath('{associationId}')}`
        : `GET ${memberPath('{associationId}', request.params.memberId)}`;
    if (associations.length !== 1)
      return reply.code(404).send({
        error: 'not-found',
        message: `this gateway serves ${associations.length === 0 ? 'no association' : 'several associations'}: use ${successor}, signed with that association's secret`,
      });
    const association = associations[0]!;
    // The same target under the association's own path (raw as sent, so nothing decoded reaches a header).
    const successorUrl = request.url.replace(/^\/v1\//, `/v1/associations/${encodeURIComponent(association.id)}/`);
    void reply.header('link', `<${successorUrl}>; rel="successor-version"`);
    return answered(association, request, reply) ? reply : undefined;
  };

  const header = (request: FastifyRequest, name: string) =>
    typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined;
  /**
   * Whether the request was signed, over `body`, by one of its association's secrets: in Standard
   * Webhooks form when it carries webhook-signature, else with Standing-Signature (the older scheme).
   */
  const signed = (request: FastifyRequest, association: GatewayAssociation, body: Buffer): Verdict => {
    if (header(request, STANDARD_SIGNATURE_HEADER) !== undefined)
      return verifyStandard(association.secrets, (name) => header(request, name), body, now(), tolerance);
    return verify(
      association.secrets,
      { timestamp: header(request, TIMESTAMP_HEADER), signature: header(request, SIGNATURE_HEADER) },
      body,
      now(),
      tolerance,
    );
  };
  const unavailable = {
    error: 'unavailable',
    message: 'Temporal cannot be reached; retry the whole request later',
  };

  const postEvents = async (request: Request, reply: FastifyReply) => {
    const association = actingFor.get(request)!;
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const verdict = signed(request, association, raw);
    if (!verdict.ok) return reply.code(401).send({ error: 'unauthorized', message: verdict.reason });

    const parsed = parseEventsRequest(raw, association.config);
    if (!parsed.ok)
      return reply
        .code(400)
        .send({ error: 'invalid', message: 'nothing in this request was sent', problems: parsed.problems });

    try {
      const workflowIds = await association.sink.sendHistory(parsed.events);
      return await reply.code(202).send({ accepted: parsed.events.length, workflowIds });
    } catch (error) {
      if (!options.isUnavailable(error)) throw error;
      // Events signalled before the failure are ignored by id when the billing system retries.
      return reply.code(503).header('retry-after', '5').send(unavailable);
    }
  };

  /**
   * A Stripe webhook: verified with Stripe's library, turned into lifecycle events for the member it
   * names, sent like a POST of events (the Stripe event id is the lifecycle event id, so Stripe's
   * retries apply once). Anything it cannot apply is answered 200 and logged: Stripe retries every
   * other answer for days, and a retry would not name a member either.
   */
  const postStripe = async (request: Request, reply: FastifyReply) => {
    const association = actingFor.get(request)!;
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const verdict = verifyStripe(
      association.stripeSecrets ?? [],
      header(request, STRIPE_SIGNATURE_HEADER),
      raw,
      now(),
      tolerance,
    );
    if (!verdict.ok)
      return reply
        .code(verdict.status)
        .send({ error: verdict.status === 401 ? 'unauthorized' : 'invalid', message: verdict.reason });
    const members = await stripeMembersOf(association.id);
    // What other gateway processes sharing the journal learned meanwhile (a refund of their invoice).
    await members.refresh();
    const mapped = stripeToLifecycle(verdict.event, association.config, members);
    // Remembered for good before Stripe hears 2xx: a refund weeks later finds this payment's member.
    await members.flush();
    // Reported where staff look before Stripe hears 200: a report that cannot be opened is a 503,
    // and Stripe's retry opens it (once: the report is keyed by the Stripe event id).
    const unapplied = async (reason: string) => {
      try {
        await association.sink.reportUnmatched({
          associationId: association.id,
          source: 'stripe',
          eventId: verdict.event.id,
          eventType: verdict.event.type,
          reason,
          receivedAt: new Date(now()).toISOString(),
        });
      } catch (error) {
        if (!options.isUnavailable(error)) throw error;
        return reply.code(503).header('retry-after', '5').send(unavailable);
      }
      log(`association ${association.id}: Stripe ${reason}; nothing applied, reported (standing unmatched)`);
      return reply.code(200).send({ received: true, applied: 0, unmatched: reason });
    };
    if (mapped.kind === 'ignored') return reply.code(200).send({ received: true, applied: 0, ignored: mapped.reason });
    if (mapped.kind === 'unmatched') return unapplied(mapped.reason);
    const parsed = parseEventsRequest(Buffer.from(JSON.stringify(mapped.events)), association.config);
    if (!parsed.ok)
      return unapplied(
        `${verdict.event.type} ${verdict.event.id}: ${parsed.problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`,
      );
    try {
      const workflowIds = await association.sink.sendHistory(parsed.events);
      return await reply.code(200).send({ received: true, applied: parsed.events.length, workflowIds });
    } catch (error) {
      if (!options.isUnavailable(error)) throw error;
      return reply.code(503).header('retry-after', '5').send(unavailable);
    }
  };

  const getMember = async (request: Request, reply: FastifyReply) => {
    const association = actingFor.get(request)!;
    // The request target as sent, association and member included: a signature reads one member of one association.
    const verdict = signed(request, association, Buffer.from(signedTarget(request.url)));
    if (!verdict.ok) return reply.code(401).send({ error: 'unauthorized', message: verdict.reason });
    const memberId = request.params.memberId!;
    let standing: MemberStanding | null;
    try {
      standing = await association.sink.standing(memberId);
    } catch (error) {
      if (!options.isUnavailable(error)) throw error;
      return reply.code(503).header('retry-after', '5').send(unavailable);
    }
    if (!standing)
      return reply
        .code(404)
        .send({ error: 'not-found', message: `no member ${memberId} in association ${association.id}` });
    // Events sent before a joined or imported event are refused, and the member is not there yet to list them.
    if (!standing.member)
      return reply.code(404).send({
        error: 'not-found',
        message: `member ${memberId} has had no joined or imported event; events sent before one are refused`,
      });
    return reply.code(200).send(memberAnswer(standing.member));
  };

  app.post<{ Params: Params }>('/v1/associations/:associationId/events', { onRequest: byPath }, postEvents);
  app.post<{ Params: Params }>('/v1/associations/:associationId/stripe', { onRequest: byPath }, postStripe);
  app.get<{ Params: Params }>('/v1/associations/:associationId/members/:memberId', { onRequest: byPath }, getMember);
  app.post<{ Params: Params }>('/v1/events', { onRequest: theOnly }, postEvents);
  app.get<{ Params: Params }>('/v1/members/:memberId', { onRequest: theOnly }, getMember);

  app.get('/healthz', async (_request, reply) => {
    const temporal = await options.reachable().catch(() => false);
    return reply.code(temporal ? 200 : 503).send({
      status: temporal ? 'ok' : 'unavailable',
      temporal: temporal ? 'reachable' : 'unreachable',
      associations: [...options.associations().keys()],
    });
  });

  app.get('/openapi.json', async () => openApiDocument());
  return app;
}
