// The bulk reads reconciliation makes, over real HTTP against a fake speaking DESIGN-11's list
// contract (test/providers/list-fake.ts): each vendor's dialect, at most 100 ids a request, 429s
// waited out, and requests to a provider spaced to its bulkReadsPerSecond.
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProviderBulkReads, providerSettingsSchema } from '../../activities/providers.js';
import type { HttpClient } from '../../activities/providers.js';
import { startListFake } from './list-fake.js';
import type { ListFake } from './list-fake.js';

const fakes: ListFake[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function setup(associationId: string, vendor: 'sentrilock' | 'supra' = 'sentrilock') {
  const fake = await startListFake({ apiKey: 'k' });
  fakes.push(fake);
  const endpoint = { baseUrl: fake.baseUrl, apiKey: 'k', bulkReadsPerSecond: 1_000 };
  const settings = providerSettingsSchema.parse({
    associationId,
    m1: endpoint,
    mls: endpoint,
    lockbox: { ...endpoint, vendor },
  });
  return { fake, reads: createProviderBulkReads({ http: fetch, settings }) };
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('readProviderStatuses', () => {
  it('reads M1, the MLS (OData $filter) and SentriLock in one request each; unknown ids are absent', async () => {
    const { fake, reads } = await setup('BULK1');
    fake.records.m1.set('123456789', 'Active').set('B1', 'Inactive');
    // A key with a quote and a space: quoted for OData ('' inside a literal) and URL-encoded.
    fake.records.mls.set("O'Neil 1", 'Active');
    fake.records.sentrilock.set('S/1', 'Suspended');
    expect(await reads.readProviderStatuses({ provider: 'm1', ids: ['123456789', 'B1', 'NONE'] })).toEqual({
      '123456789': 'Active',
      B1: 'Inactive',
    });
    expect(await reads.readProviderStatuses({ provider: 'mls', ids: ["O'Neil 1", 'NONE'] })).toEqual({
      "O'Neil 1": 'Active',
    });
    expect(await reads.readProviderStatuses({ provider: 'lockbox', ids: ['S/1'] })).toEqual({ 'S/1': 'Suspended' });
    expect(fake.requests.map((r) => [r.vendor, r.ids])).toEqual([
      ['m1', ['123456789', 'B1', 'NONE']],
      ['mls', ["O'Neil 1", 'NONE']],
      ['sentrilock', ['S/1']],
    ]);
    expect(fake.requests[1]!.query).toMatchObject({
      $select: 'MemberKey,MemberStatus,ModificationTimestamp',
      $top: '2',
    });
  });

  it('reads Supra agents in its own dialect', async () => {
    const { fake, reads } = await setup('BULK2', 'supra');
    fake.records.supra.set('AG1', 'Active');
    expect(await reads.readProviderStatuses({ provider: 'lockbox', ids: ['AG1', 'AG2'] })).toEqual({ AG1: 'Active' });
    expect(fake.requests).toEqual([expect.objectContaining({ vendor: 'supra', ids: ['AG1', 'AG2'] })]);
  });

  it('takes at most 100 ids: more fail at once, before any request', async () => {
    const { fake, reads } = await setup('BULK3');
    const ids = Array.from({ length: 101 }, (_, i) => `M${i}`);
    const refused = await failure(reads.readProviderStatuses({ provider: 'mls', ids }));
    expect(refused).toMatchObject({ type: 'BulkReadTooLarge', nonRetryable: true });
    expect(fake.requests).toEqual([]);
    // Exactly 100 is one request the fake accepts.
    expect(await reads.readProviderStatuses({ provider: 'mls', ids: ids.slice(0, 100) })).toEqual({});
    expect(fake.requests.map((r) => r.ids.length)).toEqual([100]);
  });

  it('waits out a 429 for its Retry-After and asks again', async () => {
    const { fake, reads } = await setup('BULK4');
    fake.records.m1.set('R1', 'Active');
    fake.rateLimit('m1', 2, 0);
    expect(await reads.readProviderStatuses({ provider: 'm1', ids: ['R1'] })).toEqual({ R1: 'Active' });
    // The two 429s are not logged as list requests; the third attempt is.
    expect(fake.requests.map((r) => r.ids)).toEqual([['R1']]);
  });

  it('fails with the Retry-After as the next retry delay when it is too long to wait in place', async () => {
    const { fake, reads } = await setup('BULK5');
    fake.rateLimit('m1', 1, 120);
    const limited = await failure(reads.readProviderStatuses({ provider: 'm1', ids: ['R1'] }));
    expect(limited).toMatchObject({ type: 'ProviderRateLimited', nextRetryDelay: '120s' });
  });

  it('fails non-retryably, naming the provider, on a refusal or an answer of the wrong shape', async () => {
    const { fake } = await setup('BULK6');
    const settings = providerSettingsSchema.parse({ associationId: 'BULK6', m1: { baseUrl: fake.baseUrl } });
    const refused = await failure(
      createProviderBulkReads({ http: fetch, settings }).readProviderStatuses({ provider: 'm1', ids: ['X'] }),
    );
    expect(refused).toMatchObject({ type: 'ProviderUnauthorized', nonRetryable: true });
    const odd: HttpClient = async () => Response.json({ members: [{ id: 'X' }] });
    const invalid = await failure(
      createProviderBulkReads({ http: odd, settings }).readProviderStatuses({ provider: 'm1', ids: ['X'] }),
    );
    expect(invalid).toMatchObject({ type: 'ProviderResponseInvalid', nonRetryable: true });
    expect(invalid.message).toContain('m1 answered a bulk read in an unexpected shape');
  });

  it('spaces requests to a provider to its bulkReadsPerSecond (another provider has its own pace)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const sent: string[] = [];
    const http: HttpClient = async (url) => {
      sent.push(new URL(url).pathname);
      return Response.json(url.includes('/mls/') ? { value: [] } : { members: [] });
    };
    const endpoint = { baseUrl: 'http://paced.invalid', bulkReadsPerSecond: 2 };
    const settings = providerSettingsSchema.parse({ associationId: 'BULK7', m1: endpoint, mls: endpoint });
    const reads = createProviderBulkReads({ http, settings });
    const all = Promise.all([
      ...[1, 2, 3].map((i) => reads.readProviderStatuses({ provider: 'm1', ids: [`P${i}`] })),
      reads.readProviderStatuses({ provider: 'mls', ids: ['P1'] }),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['/m1/v1/members', '/mls/odata/Member']);
    await vi.advanceTimersByTimeAsync(499);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toHaveLength(4);
    await all;
  });

  it('reads one id at a time where the provider has no list endpoint (404)', async () => {
    const asked: string[] = [];
    const http: HttpClient = async (url) => {
      const { pathname } = new URL(url);
      asked.push(pathname);
      if (pathname === '/m1/v1/members/O1') return Response.json({ status: 'Active', updatedAt: 'x' });
      return Response.json({ error: 'not-found' }, { status: 404 });
    };
    const settings = providerSettingsSchema.parse({
      associationId: 'BULK8',
      m1: { baseUrl: 'http://single.invalid', bulkReadsPerSecond: 1_000 },
    });
    const reads = createProviderBulkReads({ http, settings });
    expect(await reads.readProviderStatuses({ provider: 'm1', ids: ['O1', 'O2'] })).toEqual({ O1: 'Active' });
    expect(asked).toEqual(['/m1/v1/members', '/m1/v1/members/O1', '/m1/v1/members/O2']);
  });

  it('defaults to 10 bulk reads a second per provider', () => {
    const settings = providerSettingsSchema.parse({ associationId: 'X', m1: { baseUrl: 'http://x.invalid' } });
    expect(settings.m1?.bulkReadsPerSecond).toBe(10);
  });
});
