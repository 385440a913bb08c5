// Provider adapters (M1, MLS, SentriLock, Supra) as activities: factories over an injected HTTP
// client and settings, so tests hand in fakes of the same type. Every write carries an idempotency
// key (a retried call never applies twice); answers are validated with zod; failures are classified
// for Temporal: network errors, timeouts and 5xx are retryable, 429 waits for Retry-After, and a
// provider's business refusal fails at once as a typed ApplicationFailure.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { ProviderName, Role } from '../machines/types.js';

/** At most this many ids in one bulk read (the providers' limit: more is refused with 400). */
export const MAX_IDS_PER_BULK_READ = 100;
export const DEFAULT_BULK_READS_PER_SECOND = 10;
/** A 429 on a bulk read waits Retry-After and asks again, this many times, before failing the activity. */
const BULK_READ_RATE_LIMIT_RETRIES = 5;
/** The longest Retry-After a bulk read waits in place; a longer one fails the activity, retried after it. */
const MAX_IN_PLACE_RETRY_AFTER_MS = 30_000;

export type HttpClient = (url: string, init: RequestInit & { signal: AbortSignal }) => Promise<Response>;

const endpointSchema = z.strictObject({
  baseUrl: z.url({ error: 'must be a URL, like http://127.0.0.1:8790' }),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.int().positive().default(10_000),
  /**
   * Bulk reads (reconciliation's list requests, up to 100 ids each) sent to the provider per second,
   * by this worker process, for this association: 10 reads 1,000 records a second.
   */
  bulkReadsPerSecond: z.number().positive().default(DEFAULT_BULK_READS_PER_SECOND),
});

export const providerSettingsSchema = z.strictObject({
  associationId: z.string().min(1),
  m1: endpointSchema.optional(),
  mls: endpointSchema.optional(),
  lockbox: endpointSchema.extend({ vendor: z.enum(['sentrilock', 'supra']) }).optional(),
});
export type ProviderSettings = z.output<typeof providerSettingsSchema>;

export interface ProviderStatusRequest {
  readonly provider: ProviderName;
  readonly memberId: string;
  /** The member's id at the provider (NRDS ID, MLS member key, lockbox id); absent: memberId. */
  readonly providerId?: string;
  readonly status: string;
  readonly role: Role;
  /** Derived from the workflow and the change, so a retried call is applied once. */
  readonly idempotencyKey: string;
}

interface ProviderAcknowledgement {
  readonly provider: ProviderName;
  readonly status: string;
  /** When the provider recorded it (its own timestamp). */
  readonly recordedAt: string;
}

/** How each provider spells a member's status, in requests and in answers. */
interface Dialect {
  readonly write: (memberId: string) => { method: 'PUT' | 'PATCH'; path: string };
  readonly read: (memberId: string) => string;
  readonly request: (status: string) => Record<string, string>;
  readonly answer: z.ZodType<{ status: string; recordedAt: string }>;
  /** A bulk read of these ids (at most MAX_IDS_PER_BULK_READ): its path and query. */
  readonly list: (ids: readonly string[]) => string;
  /** A bulk read's answer: each record's id and status (ids it does not know are absent). */
  readonly listAnswer: z.ZodType<{ id: string; status: string }[]>;
}

/**
 * One provider's dialect from what tells it apart: its record's path (`{id}`: the provider's id for
 * the member), how a status is written (method, and the path below the record), the field a write
 * carries the status in, and the fields an answer holds the status and its recording moment in.
 */
function dialect(
  record: string,
  write: readonly ['PUT' | 'PATCH', string],
  requestField: string,
  [statusField, timeField]: readonly [string, string],
  [collection, listField, idField]: readonly [string, string, string],
): Dialect {
  const path = (memberId: string) => record.replace('{id}', encodeURIComponent(memberId));
  return {
    list:
      collection === '/mls/odata/Member'
        ? // RESO Web API: an OData $filter over the keys, with only the fields compared.
          (ids) =>
            `${collection}?$filter=${encodeURIComponent(ids.map((id) => `MemberKey eq '${id.replaceAll("'", "''")}'`).join(' or '))}` +
            `&$select=${idField},${statusField},${timeField}&$top=${ids.length}`
        : (ids) => `${collection}?ids=${ids.map(encodeURIComponent).join(',')}`,
    listAnswer: z
      .object({ [listField]: z.array(z.object({ [idField]: z.string(), [statusField]: z.string() })) })
      .transform((a) =>
        (a[listField] as Record<string, string>[]).map((r) => ({ id: r[idField]!, status: r[statusField]! })),
      ),
    write: (memberId) => ({ method: write[0], path: `${path(memberId)}${write[1]}` }),
    read: path,
    request: (status) => ({ [requestField]: status }),
    answer: z
      .object({ [statusField]: z.string(), [timeField]: z.string() })
      .transform((a) => ({ status: a[statusField]!, recordedAt: a[timeField]! })),
  };
}

// prettier-ignore
const dialects: Record<'m1' | 'mls' | 'sentrilock' | 'supra', Dialect> = {
  m1:         dialect('/m1/v1/members/{id}',      ['PUT', '/status'], 'status',       ['status', 'updatedAt'],
                      ['/m1/v1/members', 'members', 'memberId']),
  // RESO Data Dictionary: the Member resource's MemberStatus, patched on the record itself.
  mls:        dialect('/mls/odata/Member/{id}',   ['PATCH', ''],      'MemberStatus', ['MemberStatus', 'ModificationTimestamp'],
                      ['/mls/odata/Member', 'value', 'MemberKey']),
  sentrilock: dialect('/sentrilock/v1/users/{id}', ['PUT', '/status'], 'status',       ['status', 'lastModified'],
                      ['/sentrilock/v1/users', 'users', 'userId']),
  supra:      dialect('/supra/v1/agents/{id}',    ['PUT', '/status'], 'status',       ['agentStatus', 'modified'],
                      ['/supra/v1/agents', 'agents', 'agentId']),
};

/**
 * When each association's provider may take its next bulk read, in this process: the limit holds
 * across activities (each call builds its adapters afresh), so it lives beside them.
 */
const nextBulkRead = new Map<string, number>();

/** Waits for the provider's next bulk-read slot (spaced 1/ratePerSecond apart) and takes it. */
async function bulkReadSlot(key: string, ratePerSecond: number, signal?: AbortSignal): Promise<void> {
  const now = Date.now();
  const at = Math.max(now, nextBulkRead.get(key) ?? 0);
  nextBulkRead.set(key, at + 1000 / ratePerSecond);
  if (at > now) await sleep(at - now, signal);
}

/** Pushes the provider's next slot back: it asked us to wait (429 Retry-After). */
function holdBulkReads(key: string, ms: number): void {
  nextBulkRead.set(key, Math.max(nextBulkRead.get(key) ?? 0, Date.now() + ms));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** A provider's refusal codes, as ApplicationFailure types staff can search and act on. */
const refusalTypes: Record<string, string> = {
  'secondary-association': 'SecondaryAssociation',
  'suspend-window-closed': 'M1SuspendWindowClosed',
  'unknown-member': 'UnknownMember',
  'null-not-selectable': 'NullNotSelectable',
  'invalid-status': 'InvalidStatus',
};

/** The provider activities (each call one request); reconciliation's bulk reads are createProviderBulkReads. */
export function createProviderActivities(options: { http: HttpClient; settings: ProviderSettings }) {
  const { applyProviderStatus, readProviderStatus } = adapters(options);
  return { applyProviderStatus, readProviderStatus };
}

/** Bulk reads for reconciliation: called inside its activity (not an activity: it takes an AbortSignal). */
export function createProviderBulkReads(options: { http: HttpClient; settings: ProviderSettings }) {
  const { readProviderStatuses } = adapters(options);
  return { readProviderStatuses };
}

export type ProviderBulkReads = ReturnType<typeof createProviderBulkReads>;

function adapters({ http, settings }: { http: HttpClient; settings: ProviderSettings }) {
  const target = (provider: ProviderName) => {
    const endpoint = settings[provider];
    if (!endpoint)
      throw ApplicationFailure.nonRetryable(
        `${provider} is not configured for association ${settings.associationId}`,
        'ProviderNotConfigured',
      );
    const dialect = provider === 'lockbox' ? dialects[settings.lockbox!.vendor] : dialects[provider];
    return { endpoint, dialect, name: provider === 'lockbox' ? settings.lockbox!.vendor : provider };
  };

  async function call(provider: ProviderName, path: string, init: RequestInit): Promise<Response> {
    const { endpoint, name } = target(provider);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-association-id': settings.associationId,
      ...(init.headers as Record<string, string>),
    };
    if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
    let response: Response;
    try {
      response = await http(`${endpoint.baseUrl.replace(/\/$/, '')}${path}`, {
        ...init,
        headers,
        signal: AbortSignal.timeout(endpoint.timeoutMs),
      });
    } catch (error) {
      // Timeouts and network errors: retried by the activity's retry policy.
      throw ApplicationFailure.retryable(`${name} unreachable: ${(error as Error).message}`, 'ProviderUnreachable');
    }
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after') ?? '1');
      throw ApplicationFailure.create({
        message: `${name} rate limited the call`,
        type: 'ProviderRateLimited',
        nextRetryDelay: `${Number.isFinite(seconds) ? seconds : 1}s`,
      });
    }
    if (response.status >= 500)
      throw ApplicationFailure.retryable(`${name} answered ${response.status}`, 'ProviderUnavailable');
    return response;
  }

  async function refusalOf(name: string, response: Response): Promise<never> {
    const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    const type =
      response.status === 401 ? 'ProviderUnauthorized' : (refusalTypes[body.error ?? ''] ?? 'ProviderRejected');
    throw ApplicationFailure.nonRetryable(
      `${name} refused (${response.status} ${body.error ?? ''}): ${body.message ?? 'no reason given'}`,
      type,
    );
  }

  /** A provider's answer in its dialect, or a non-retryable failure naming what was off. */
  async function answerOf(dialect: Dialect, name: string, response: Response) {
    const parsed = dialect.answer.safeParse(await response.json().catch(() => null));
    if (!parsed.success)
      throw ApplicationFailure.nonRetryable(
        `${name} answered in an unexpected shape: ${z.prettifyError(parsed.error)}`,
        'ProviderResponseInvalid',
      );
    return parsed.data;
  }

  /** What a provider holds for a member (null when it has no record), for reconciliation. */
  async function readProviderStatus(request: {
    readonly provider: ProviderName;
    readonly memberId: string;
    /** The member's id at the provider; absent: memberId. */
    readonly providerId?: string;
  }): Promise<string | null> {
    const { dialect, name } = target(request.provider);
    const response = await call(request.provider, dialect.read(request.providerId ?? request.memberId), {
      method: 'GET',
    });
    if (response.status === 404) return null;
    if (!response.ok) return refusalOf(name, response);
    return (await answerOf(dialect, name, response)).status;
  }

  return {
    /** Sets a member's status at one provider; throws a typed ApplicationFailure when refused. */
    async applyProviderStatus(request: ProviderStatusRequest): Promise<ProviderAcknowledgement> {
      const { dialect, name } = target(request.provider);
      const { method, path } = dialect.write(request.providerId ?? request.memberId);
      const response = await call(request.provider, path, {
        method,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': request.idempotencyKey,
          'x-association-role': request.role,
        },
        body: JSON.stringify(dialect.request(request.status)),
      });
      if (!response.ok) return refusalOf(name, response);
      const answer = await answerOf(dialect, name, response);
      return { provider: request.provider, ...answer };
    },

    readProviderStatus,

    /**
     * What a provider holds for up to MAX_IDS_PER_BULK_READ members at once, by their ids there (an
     * id it has no record of is absent), in one list request. Requests to a provider are spaced to
     * its `bulkReadsPerSecond`; a 429 waits its Retry-After (and holds the provider's other reads)
     * before asking again.
     */
    async readProviderStatuses(request: {
      readonly provider: ProviderName;
      readonly ids: readonly string[];
      /** Ends a wait for a slot or a Retry-After early (the activity was cancelled). */
      readonly signal?: AbortSignal;
    }): Promise<Record<string, string>> {
      const { dialect, name, endpoint } = target(request.provider);
      const ids = [...new Set(request.ids)];
      if (ids.length > MAX_IDS_PER_BULK_READ)
        throw ApplicationFailure.nonRetryable(
          `${name}: a bulk read takes at most ${MAX_IDS_PER_BULK_READ} ids, not ${ids.length}`,
          'BulkReadTooLarge',
        );
      if (ids.length === 0) return {};
      const key = `${settings.associationId}/${request.provider}/${endpoint.baseUrl}`;
      for (let attempt = 0; ; attempt += 1) {
        await bulkReadSlot(key, endpoint.bulkReadsPerSecond, request.signal);
        let response: Response;
        try {
          response = await call(request.provider, dialect.list(ids), { method: 'GET' });
        } catch (error) {
          const delay = rateLimitDelayMs(error);
          if (delay === null || attempt >= BULK_READ_RATE_LIMIT_RETRIES || delay > MAX_IN_PLACE_RETRY_AFTER_MS)
            throw error;
          holdBulkReads(key, delay);
          continue;
        }
        // No list endpoint there (a provider, or a simulator, without bulk reads; the contract
        // answers unknown ids by leaving them out, never 404): one read per id, paced the same.
        if (response.status === 404) {
          const found: Record<string, string> = {};
          for (const id of ids) {
            await bulkReadSlot(key, endpoint.bulkReadsPerSecond, request.signal);
            const status = await readProviderStatus({ provider: request.provider, memberId: id });
            if (status !== null) found[id] = status;
          }
          return found;
        }
        if (!response.ok) return refusalOf(name, response);
        const parsed = dialect.listAnswer.safeParse(await response.json().catch(() => null));
        if (!parsed.success)
          throw ApplicationFailure.nonRetryable(
            `${name} answered a bulk read in an unexpected shape: ${z.prettifyError(parsed.error)}`,
            'ProviderResponseInvalid',
          );
        const wanted = new Set(ids);
        return Object.fromEntries(parsed.data.filter((r) => wanted.has(r.id)).map((r) => [r.id, r.status]));
      }
    },
  };
}

/** The Retry-After of a ProviderRateLimited failure, in ms; null for any other error. */
function rateLimitDelayMs(error: unknown): number | null {
  if (!(error instanceof ApplicationFailure) || error.type !== 'ProviderRateLimited') return null;
  const delay = error.nextRetryDelay;
  const seconds = typeof delay === 'string' ? Number.parseFloat(delay) : typeof delay === 'number' ? delay / 1000 : 1;
  return Math.max(0, seconds * 1000);
}

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
