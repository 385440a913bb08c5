// Typed fakes of the provider activities: they record every call and answer as a provider would
// (a write applied once per idempotency key), or refuse as the test says (a business refusal is a
// non-retryable ApplicationFailure, an outage a retryable one), so workflow tests exercise the
// senders without HTTP.
import type { ApplicationFailure } from '@temporalio/common';
import type { ProviderActivities, ProviderStatusRequest } from '../../activities/providers.js';

export interface FakeProviders {
  readonly activities: ProviderActivities;
  /** Every call, refused or not, in the order it was made. */
  readonly calls: ProviderStatusRequest[];
  /** Writes applied, in order: a key seen before is answered without applying again. */
  readonly applied: ProviderStatusRequest[];
  /** What each provider holds, by `provider/<the member's id there, else memberId>`. */
  readonly records: Map<string, string>;
}

export function fakeProviders(
  refuse: (request: ProviderStatusRequest) => ApplicationFailure | null = () => null,
): FakeProviders {
  const calls: ProviderStatusRequest[] = [];
  const applied: ProviderStatusRequest[] = [];
  const records = new Map<string, string>();
  const answered = new Set<string>();
  const activities: ProviderActivities = {
    async applyProviderStatus(request) {
      calls.push(request);
      const refusal = refuse(request);
      if (refusal) throw refusal;
      const key = `${request.provider}/${request.idempotencyKey}`;
      if (!answered.has(key)) {
        answered.add(key);
        applied.push(request);
        records.set(`${request.provider}/${request.providerId ?? request.memberId}`, request.status);
      }
      return Promise.resolve({
        provider: request.provider,
        status: request.status,
        recordedAt: new Date().toISOString(),
      });
    },
    async readProviderStatus({ provider, memberId, providerId }) {
      return Promise.resolve(records.get(`${provider}/${providerId ?? memberId}`) ?? null);
    },
  };
  return { activities, calls, applied, records };
}
