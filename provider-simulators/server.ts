// One local HTTP server that plays NAR's M1, an MLS (RESO Data Dictionary `Member` with
// `MemberStatus`), SentriLock and Supra: it enforces their rules, applies a write once per
// idempotency key, answers bulk reads as their exports do, keeps its state on disk (a snapshot and
// a journal: state.ts), logs every request, and takes faults per provider (latency, error rate,
// outage, rate limiting) from its options or the admin endpoints.
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { M1SuspendWindow } from '../schemas/association.js';
import { isRefusal, mlsMemberFields, parseIds, parseMemberQuery } from './bulk.js';
import { refusal, simulatedProviders } from './rules.js';
import type { SimulatedProvider } from './rules.js';
import { openStore } from './state.js';
import type { JournalWrite, MemberRecord, StoredResponse } from './state.js';

export const faultSchema = z.strictObject({
  latencyMs: z.number().min(0).default(0),
  /** Share of requests answered 503, from 0 to 1. */
  errorRate: z.number().min(0).max(1).default(0),
  /** Every request answered 503. */
  outage: z.boolean().default(false),
  /** The next N requests answered 429 with Retry-After. */
  rateLimited: z.int().min(0).default(0),
  retryAfterSeconds: z.int().min(0).default(1),
});
export type Fault = z.output<typeof faultSchema>;

/** Faults per provider, as the simulators' settings give them (STANDING_SIMULATOR_FAULTS, JSON). */
export const faultSettingsSchema = z.partialRecord(z.enum(simulatedProviders), faultSchema.partial());

/** The most records one POST /admin/records takes: a larger roster is seeded in pages. */
export const MAX_SEED_PAGE = 20_000;
/** The body limit of POST /admin/records: a full page with long ids fits well within it. */
const SEED_BODY_LIMIT = 8 * 1024 * 1024;
const seedPageMessage = `send the records in pages of at most ${MAX_SEED_PAGE}`;

const seedSchema = z.strictObject({
  records: z.array(
    z.strictObject({ provider: z.enum(simulatedProviders), id: z.string().min(1), status: z.string().min(1) }),
  ),
});

export interface SimulatorOptions {
  /** Where state is kept (and its journal, at <stateFile>.log); in memory only when left out. */
  readonly stateFile?: string;
  /** Compact the journal into the state file once it holds this many lines (default 100,000). */
  readonly compactAfterLines?: number;
  readonly faults?: Partial<Record<SimulatedProvider, Partial<Fault>>>;
  /** Bearer tokens a provider requires; a provider left out takes any request. */
  readonly apiKeys?: Partial<Record<SimulatedProvider, string>>;
  readonly m1Window?: M1SuspendWindow;
  /** The providers' clock and dice, injectable for tests. */
  readonly now?: () => Date;
  readonly random?: () => number;
}

interface Endpoint {
  readonly write: { readonly method: 'PUT' | 'PATCH'; readonly url: string; readonly field: string };
  readonly read: string;
  /** The bulk read: its path, and the field its answer lists the records under (the MLS answers OData). */
  readonly list: { readonly url: string; readonly field: string };
  /** The provider's own shape of a member record. */
  readonly body: (id: string, status: string, updatedAt: string) => Record<string, string>;
}

const endpoints: Record<SimulatedProvider, Endpoint> = {
  m1: {
    write: { method: 'PUT', url: '/m1/v1/members/:id/status', field: 'status' },
    read: '/m1/v1/members/:id',
    list: { url: '/m1/v1/members', field: 'members' },
    body: (id, status, updatedAt) => ({ memberId: id, status, updatedAt }),
  },
  mls: {
    write: { method: 'PATCH', url: '/mls/odata/Member/:id', field: 'MemberStatus' },
    read: '/mls/odata/Member/:id',
    list: { url: '/mls/odata/Member', field: 'value' },
    body: (id, status, updatedAt) => ({ MemberKey: id, MemberStatus: status, ModificationTimestamp: updatedAt }),
  },
  sentrilock: {
    write: { method: 'PUT', url: '/sentrilock/v1/users/:id/status', field: 'status' },
    read: '/sentrilock/v1/users/:id',
    list: { url: '/sentrilock/v1/users', field: 'users' },
    body: (id, status, updatedAt) => ({ userId: id, status, lastModified: updatedAt }),
  },
  supra: {
    write: { method: 'PUT', url: '/supra/v1/agents/:id/status', field: 'status' },
    read: '/supra/v1/agents/:id',
    list: { url: '/supra/v1/agents', field: 'agents' },
    body: (id, status, updatedAt) => ({ agentId: id, agentStatus: status, modified: updatedAt }),
  },
};

const defaultWindow: M1SuspendWindow = { anchorYear: 2025, everyYears: 3, from: '01-01', through: '03-01' };

export async function buildSimulator(options: SimulatorOptions = {}): Promise<FastifyInstance> {
  const store = await openStore(options.stateFile, { compactAfterLines: options.compactAfterLines });
  const { state } = store;
  const faults = Object.fromEntries(
    simulatedProviders.map((p) => [p, faultSchema.parse(options.faults?.[p] ?? {})]),
  ) as Record<SimulatedProvider, Fault>;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  // Closing drops kept-alive connections at once: a stopped simulator is an outage, not a slow one.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addHook('onClose', () => store.close());
  /** Logs the request (and what a write changed) and resolves once that is on disk. */
  const log = (
    provider: SimulatedProvider,
    request: FastifyRequest,
    statusCode: number,
    replayed: boolean,
    write?: JournalWrite,
  ): Promise<void> => {
    const key = request.headers['idempotency-key'];
    const requested =
      request.method === 'GET'
        ? undefined
        : (request.body as Record<string, unknown> | undefined)?.[endpoints[provider].write.field];
    return store.append({
      request: {
        at: now().toISOString(),
        provider,
        method: request.method,
        url: request.url,
        idempotencyKey: typeof key === 'string' ? key : null,
        statusCode,
        ...(typeof requested === 'string' ? { requested } : {}),
        ...(replayed ? { replayed } : {}),
        association: headerOf(request, 'x-association-id') ?? null,
        credential: credentialFingerprint(headerOf(request, 'authorization')),
      },
      ...(write ? { write } : {}),
    });
  };

  /** Faults and authentication: an answer that ends the request, or null to go on. */
  const interfere = async (provider: SimulatedProvider, request: FastifyRequest): Promise<StoredResponse | null> => {
    const fault = faults[provider];
    if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    const key = options.apiKeys?.[provider];
    if (key && request.headers.authorization !== `Bearer ${key}`)
      return { statusCode: 401, body: { error: 'unauthorized' } };
    if (fault.outage || (fault.errorRate > 0 && random() < fault.errorRate))
      return { statusCode: 503, body: { error: 'unavailable' } };
    if (fault.rateLimited > 0) {
      fault.rateLimited -= 1;
      return { statusCode: 429, body: { error: 'rate-limited', retryAfterSeconds: fault.retryAfterSeconds } };
    }
    return null;
  };

  const answer = async (
    reply: FastifyReply,
    provider: SimulatedProvider,
    request: FastifyRequest,
    response: StoredResponse,
    replayed = false,
    write?: JournalWrite,
  ): Promise<FastifyReply> => {
    await log(provider, request, response.statusCode, replayed, write);
    if (response.statusCode === 429) void reply.header('retry-after', String(faults[provider].retryAfterSeconds));
    return reply.code(response.statusCode).send(response.body);
  };

  for (const provider of simulatedProviders) {
    const endpoint = endpoints[provider];
    app.route({
      method: endpoint.write.method,
      url: endpoint.write.url,
      handler: async (request, reply) => {
        const interfered = await interfere(provider, request);
        if (interfered) return answer(reply, provider, request, interfered);
        const key = request.headers['idempotency-key'];
        if (typeof key !== 'string' || key === '')
          return answer(reply, provider, request, { statusCode: 400, body: { error: 'idempotency-key-required' } });
        const replayed = state.idempotency[provider][key];
        if (replayed) {
          void reply.header('idempotent-replayed', 'true');
          return answer(reply, provider, request, replayed, true);
        }
        const id = (request.params as { id: string }).id;
        const status = (request.body as Record<string, unknown> | undefined)?.[endpoint.write.field];
        const today = now().toISOString().slice(0, 10);
        const refused =
          typeof status !== 'string'
            ? { statusCode: 400 as const, error: 'invalid-request', message: `${endpoint.write.field} is required` }
            : refusal({
                provider,
                status,
                known: state.records[provider][id] !== undefined,
                role: headerOf(request, 'x-association-role'),
                today,
                m1Window: options.m1Window ?? defaultWindow,
              });
        if (refused) {
          const response = {
            statusCode: refused.statusCode,
            body: { error: refused.error, message: refused.message },
          };
          return answer(reply, provider, request, response, false, { provider, key, response });
        }
        const record = { status: status as string, updatedAt: now().toISOString() };
        const response = { statusCode: 200, body: endpoint.body(id, record.status, record.updatedAt) };
        // The record and the answer kept for the key go in one journal line: a crash keeps both or neither.
        return answer(reply, provider, request, response, false, { provider, key, response, id, record });
      },
    });
    app.get(endpoint.read, async (request, reply) => {
      const interfered = await interfere(provider, request);
      if (interfered) return answer(reply, provider, request, interfered);
      const id = (request.params as { id: string }).id;
      const record = state.records[provider][id];
      return answer(
        reply,
        provider,
        request,
        record
          ? { statusCode: 200, body: endpoint.body(id, record.status, record.updatedAt) }
          : { statusCode: 404, body: { error: 'unknown-member' } },
      );
    });

    // Bulk reads (DESIGN-11's contract): the records known among the ids asked for; unknown ones are absent.
    app.get(endpoint.list.url, async (request, reply) => {
      const interfered = await interfere(provider, request);
      if (interfered) return answer(reply, provider, request, interfered);
      const held = state.records[provider];
      const bodyOf = (id: string) => endpoint.body(id, held[id]!.status, held[id]!.updatedAt);
      if (provider !== 'mls') {
        const ids = parseIds(request.url);
        if (isRefusal(ids)) return answer(reply, provider, request, { statusCode: 400, body: refusalBody(ids) });
        const known = [...new Set(ids)].filter((id) => held[id] !== undefined);
        return answer(reply, provider, request, {
          statusCode: 200,
          body: { [endpoint.list.field]: known.map(bodyOf) },
        });
      }
      const query = parseMemberQuery(request.query as Record<string, unknown>);
      if (isRefusal(query)) return answer(reply, provider, request, { statusCode: 400, body: refusalBody(query) });
      const keys =
        query.keys === null
          ? Object.keys(held).sort()
          : [...new Set(query.keys)].filter((key) => held[key] !== undefined);
      const value = keys.slice(query.skip, query.skip + query.top).map((key) => {
        const record = bodyOf(key);
        return Object.fromEntries(mlsMemberFields.filter((f) => query.select.includes(f)).map((f) => [f, record[f]]));
      });
      return answer(reply, provider, request, { statusCode: 200, body: { value } });
    });
  }

  // Administration: faults, the request log, and records (to seed or to plant drift).
  app.get('/admin/faults', async () => faults);
  app.put('/admin/faults/:provider', async (request, reply) => {
    const provider = providerParam(request);
    const parsed = faultSchema.safeParse(request.body ?? {});
    if (!provider || !parsed.success)
      return reply.code(400).send({ error: 'invalid-fault', issues: parsed.error?.issues ?? [] });
    faults[provider] = parsed.data;
    return faults[provider];
  });
  app.get('/admin/requests', async () => state.requests);
  // Seeds records the providers already hold (a roster being onboarded); existing ones are kept.
  // A large roster comes in pages (at most MAX_SEED_PAGE records each), each one journal line.
  app.post(
    '/admin/records',
    {
      bodyLimit: SEED_BODY_LIMIT,
      // A page over the body limit is told the page size to use; other errors answer as Fastify does.
      errorHandler: (error: { code?: string }, _request, reply) => {
        if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
        void reply
          .code(413)
          .send({ error: 'too-large', message: `the body is over ${SEED_BODY_LIMIT} bytes; ${seedPageMessage}` });
      },
    },
    async (request, reply) => {
      const parsed = seedSchema.safeParse(request.body);
      if (!parsed.success)
        return reply.code(400).send({ error: 'invalid-records', message: z.prettifyError(parsed.error) });
      const { records } = parsed.data;
      if (records.length > MAX_SEED_PAGE)
        return reply
          .code(413)
          .send({ error: 'too-large', message: `${records.length} records in one request; ${seedPageMessage}` });
      const updatedAt = now().toISOString();
      const added = new Map<string, [SimulatedProvider, string, MemberRecord]>();
      for (const { provider, id, status } of records) {
        const at = `${provider}/${id}`;
        if (state.records[provider][id] !== undefined || added.has(at)) continue;
        added.set(at, [provider, id, { status, updatedAt }]);
      }
      if (added.size > 0) await store.append({ records: [...added.values()] });
      return { added: added.size, kept: records.length - added.size };
    },
  );
  app.get('/admin/records', async () => state.records);
  app.put('/admin/records/:provider/:id', async (request, reply) => {
    const provider = providerParam(request);
    const status = (request.body as { status?: unknown } | undefined)?.status;
    if (!provider || typeof status !== 'string') return reply.code(400).send({ error: 'invalid-record' });
    const record = { status, updatedAt: now().toISOString() };
    await store.append({ records: [[provider, (request.params as { id: string }).id, record]] });
    return record;
  });
  return app;
}

/**
 * A short fingerprint of the Authorization header a caller presented: enough to tell which key it
 * was (tests compare it with `credentialFingerprint('Bearer <key>')`), without keeping the key.
 */
export function credentialFingerprint(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  return createHash('sha256').update(authorization).digest('hex').slice(0, 16);
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function providerParam(request: FastifyRequest): SimulatedProvider | null {
  const provider = (request.params as { provider: string }).provider;
  return (simulatedProviders as readonly string[]).includes(provider) ? (provider as SimulatedProvider) : null;
}

/** A refusal as the body of the answer: its error and message. */
function refusalBody(refused: { error: string; message: string }): { error: string; message: string } {
  return { error: refused.error, message: refused.message };
}
