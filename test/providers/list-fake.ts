// A small stand-in for the providers' bulk reads, speaking DESIGN-11's list contract exactly (the
// simulators gain the same endpoints; the adapters are run against them once they have): the MLS's
// OData $filter over Member, and the ids lists of M1, SentriLock and Supra; at most 100 ids a
// request, the association header required, and optional 429s with Retry-After.
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';

export type Vendor = 'm1' | 'mls' | 'sentrilock' | 'supra';

export interface ListFake {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  /** Each vendor's records: id → status. Change them to plant drift. */
  readonly records: Record<Vendor, Map<string, string>>;
  /** Every list request as received (path and decoded query). */
  readonly requests: { vendor: Vendor; ids: string[]; query: Record<string, string> }[];
  /** The next `count` requests to `vendor` answer 429 with this Retry-After (seconds). */
  rateLimit(vendor: Vendor, count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

const MAX_IDS = 100;
const stamp = '2026-07-21T15:00:00.000Z';

export async function startListFake({ apiKey }: { apiKey?: string } = {}): Promise<ListFake> {
  const app = Fastify({ logger: false });
  const records: ListFake['records'] = { m1: new Map(), mls: new Map(), sentrilock: new Map(), supra: new Map() };
  const requests: ListFake['requests'] = [];
  const limited: Partial<Record<Vendor, { count: number; seconds: number }>> = {};

  /** The contract's checks common to every list read; a reply sent means the request ends there. */
  const admitted = (vendor: Vendor, headers: Record<string, unknown>, reply: FastifyReply): boolean => {
    if (apiKey !== undefined && headers.authorization !== `Bearer ${apiKey}`) {
      void reply.code(401).send({ error: 'unauthorized', message: 'bearer key required' });
      return false;
    }
    if (typeof headers['x-association-id'] !== 'string') {
      void reply.code(400).send({ error: 'missing-association', message: 'X-Association-Id required' });
      return false;
    }
    const limit = limited[vendor];
    if (limit && limit.count > 0) {
      limit.count -= 1;
      void reply.code(429).header('retry-after', String(limit.seconds)).send({ error: 'rate-limited' });
      return false;
    }
    return true;
  };

  const idsList = (vendor: Exclude<Vendor, 'mls'>, path: string, field: string, fields: [string, string, string]) =>
    app.get<{ Querystring: Record<string, string> }>(path, async (request, reply) => {
      if (!admitted(vendor, request.headers, reply)) return reply;
      const ids = (request.query.ids ?? '').split(',').filter((id) => id !== '');
      requests.push({ vendor, ids, query: request.query });
      if (ids.length > MAX_IDS) return reply.code(400).send({ error: 'too-many-ids', message: `at most ${MAX_IDS}` });
      const [idField, statusField, timeField] = fields;
      const found = ids.flatMap((id) => {
        const status = records[vendor].get(id);
        return status === undefined ? [] : [{ [idField]: id, [statusField]: status, [timeField]: stamp }];
      });
      return { [field]: found };
    });
  idsList('m1', '/m1/v1/members', 'members', ['memberId', 'status', 'updatedAt']);
  idsList('sentrilock', '/sentrilock/v1/users', 'users', ['userId', 'status', 'lastModified']);
  idsList('supra', '/supra/v1/agents', 'agents', ['agentId', 'agentStatus', 'modified']);

  app.get<{ Querystring: Record<string, string> }>('/mls/odata/Member', async (request, reply) => {
    if (!admitted('mls', request.headers, reply)) return reply;
    const filter = request.query.$filter ?? '';
    const clauses = filter === '' ? [] : filter.split(' or ');
    const ids: string[] = [];
    for (const clause of clauses) {
      const match = /^MemberKey eq '((?:[^']|'')*)'$/.exec(clause);
      if (!match) return reply.code(400).send({ error: 'bad-filter', message: `cannot read ${clause}` });
      ids.push(match[1]!.replaceAll("''", "'"));
    }
    requests.push({ vendor: 'mls', ids, query: request.query });
    if (ids.length > MAX_IDS) return reply.code(400).send({ error: 'too-many-ids', message: `at most ${MAX_IDS}` });
    const top = Number(request.query.$top ?? MAX_IDS);
    const select = (request.query.$select ?? 'MemberKey,MemberStatus,ModificationTimestamp').split(',');
    const value = ids
      .flatMap((id) => {
        const status = records.mls.get(id);
        if (status === undefined) return [];
        const record: Record<string, string> = { MemberKey: id, MemberStatus: status, ModificationTimestamp: stamp };
        return [Object.fromEntries(select.map((f) => [f, record[f]]))];
      })
      .slice(0, top);
    return { value };
  });

  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    baseUrl,
    records,
    requests,
    rateLimit(vendor, count, seconds) {
      limited[vendor] = { count, seconds };
    },
    close: () => app.close(),
  };
}
