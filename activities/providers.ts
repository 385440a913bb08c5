// Provider adapters (M1, MLS, SentriLock, Supra) as activities: factories over an injected HTTP
// client and settings, so tests hand in fakes of the same type. Every write carries an idempotency
// key (a retried call never applies twice); answers are validated with zod; failures are classified
// for Temporal: network errors, timeouts and 5xx are retryable, 429 waits for Retry-After, and a
// provider's business refusal fails at once as a typed ApplicationFailure.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { ProviderName, Role } from '../machines/types.js';

export type HttpClient = (url: string, init: RequestInit & { signal: AbortSignal }) => Promise<Response>;

const endpointSchema = z.strictObject({
  baseUrl: z.url({ error: 'must be a URL, like http://127.0.0.1:8790' }),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.int().positive().default(10_000),
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
): Dialect {
  const path = (memberId: string) => record.replace('{id}', encodeURIComponent(memberId));
  return {
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
  m1:         dialect('/m1/v1/members/{id}',      ['PUT', '/status'], 'status',       ['status', 'updatedAt']),
  // RESO Data Dictionary: the Member resource's MemberStatus, patched on the record itself.
  mls:        dialect('/mls/odata/Member/{id}',   ['PATCH', ''],      'MemberStatus', ['MemberStatus', 'ModificationTimestamp']),
  sentrilock: dialect('/sentrilock/v1/users/{id}', ['PUT', '/status'], 'status',       ['status', 'lastModified']),
  supra:      dialect('/supra/v1/agents/{id}',    ['PUT', '/status'], 'status',       ['agentStatus', 'modified']),
};

/** A provider's refusal codes, as ApplicationFailure types staff can search and act on. */
const refusalTypes: Record<string, string> = {
  'secondary-association': 'SecondaryAssociation',
  'suspend-window-closed': 'M1SuspendWindowClosed',
  'unknown-member': 'UnknownMember',
  'null-not-selectable': 'NullNotSelectable',
  'invalid-status': 'InvalidStatus',
};

export function createProviderActivities({ http, settings }: { http: HttpClient; settings: ProviderSettings }) {
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

    /** What a provider holds for a member (null when it has no record), for reconciliation. */
    async readProviderStatus(request: {
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
    },
  };
}

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
