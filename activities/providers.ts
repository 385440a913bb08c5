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

const encode = encodeURIComponent;

/** A provider's answer, read from its own field names for the status and the time it recorded it. */
function answerWith(statusField: string, timeField: string): Dialect['answer'] {
  return z
    .object({ [statusField]: z.string(), [timeField]: z.string() })
    .transform((a) => ({ status: a[statusField]!, recordedAt: a[timeField]! }));
}

const dialects: Record<'m1' | 'mls' | 'sentrilock' | 'supra', Dialect> = {
  m1: {
    write: (id) => ({ method: 'PUT', path: `/m1/v1/members/${encode(id)}/status` }),
    read: (id) => `/m1/v1/members/${encode(id)}`,
    request: (status) => ({ status }),
    answer: answerWith('status', 'updatedAt'),
  },
  mls: {
    // RESO Data Dictionary: the Member resource's MemberStatus.
    write: (id) => ({ method: 'PATCH', path: `/mls/odata/Member/${encode(id)}` }),
    read: (id) => `/mls/odata/Member/${encode(id)}`,
    request: (status) => ({ MemberStatus: status }),
    answer: answerWith('MemberStatus', 'ModificationTimestamp'),
  },
  sentrilock: {
    write: (id) => ({ method: 'PUT', path: `/sentrilock/v1/users/${encode(id)}/status` }),
    read: (id) => `/sentrilock/v1/users/${encode(id)}`,
    request: (status) => ({ status }),
    answer: answerWith('status', 'lastModified'),
  },
  supra: {
    write: (id) => ({ method: 'PUT', path: `/supra/v1/agents/${encode(id)}/status` }),
    read: (id) => `/supra/v1/agents/${encode(id)}`,
    request: (status) => ({ status }),
    answer: answerWith('agentStatus', 'modified'),
  },
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

  return {
    /** Sets a member's status at one provider; throws a typed ApplicationFailure when refused. */
    async applyProviderStatus(request: ProviderStatusRequest): Promise<ProviderAcknowledgement> {
      const { dialect, name } = target(request.provider);
      const { method, path } = dialect.write(request.memberId);
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
      const parsed = dialect.answer.safeParse(await response.json().catch(() => null));
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(
          `${name} answered in an unexpected shape: ${z.prettifyError(parsed.error)}`,
          'ProviderResponseInvalid',
        );
      return { provider: request.provider, status: parsed.data.status, recordedAt: parsed.data.recordedAt };
    },

    /** What a provider holds for a member (null when it has no record), for reconciliation. */
    async readProviderStatus(request: {
      readonly provider: ProviderName;
      readonly memberId: string;
    }): Promise<string | null> {
      const { dialect, name } = target(request.provider);
      const response = await call(request.provider, dialect.read(request.memberId), { method: 'GET' });
      if (response.status === 404) return null;
      if (!response.ok) return refusalOf(name, response);
      const parsed = dialect.answer.safeParse(await response.json().catch(() => null));
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(
          `${name} answered in an unexpected shape: ${z.prettifyError(parsed.error)}`,
          'ProviderResponseInvalid',
        );
      return parsed.data.status;
    },
  };
}

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
