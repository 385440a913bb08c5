// Payloads sent around MembershipClient (Temporal's CLI, any client) are checked by the workflow
// against the schemas the client uses: a malformed Update is refused naming the field, a malformed
// signal becomes a warning in `view`, and input a billing system really sends is taken, normalised.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCommand, MembershipClient } from '../../client/membership-client.js';
import type { LifecycleEvent } from '../../schemas/events.js';
import type { Configuration, StaffAction, StaffCommand } from '../../workflows/messages.js';
import {
  changeRoleUpdate,
  configureSignal,
  lifecycleEventSignal,
  lifecycleEventsSignal,
  previewStaffCommandQuery,
  repairProviderSignal,
  suspendUpdate,
} from '../../workflows/messages.js';
import type { ProviderRepair } from '../../workflows/messages.js';
import { association } from '../helpers.js';
import { providersSettled, timeSkippingWorker } from './environment.js';
import type { RunningWorker } from './environment.js';

const taskQueue = 'payloads';
const config = association();

describe('payloads checked by the workflow', () => {
  let env: TestWorkflowEnvironment;
  let running: RunningWorker;
  let client: MembershipClient;

  beforeAll(async () => {
    running = await timeSkippingWorker(taskQueue);
    env = running.env;
    client = new MembershipClient(env.client, config, taskQueue);
  });

  afterAll(async () => {
    await running?.stop();
  });

  /** The server's present, as an event's `at`. */
  const now = async () => new Date(await env.currentTimeMs()).toISOString();

  /** A member who joined now: pending, role primary, no warnings. */
  async function joined(memberId: string): Promise<void> {
    await client.send({ id: `join-${memberId}`, type: 'joined', memberId, at: await now(), membershipType: 'REALTOR' });
  }

  const daysLater = (iso: string, days: number) =>
    new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);

  /** A failed query's message; this test server wraps it in a gRPC error, so its cause is read too. */
  const failureOf = (query: Promise<unknown>) =>
    query.then(
      () => 'the query answered',
      (error: Error) => `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`,
    );

  /** Sends what MembershipClient would refuse to send, as another client could. */
  const raw = (value: object) => value as unknown as LifecycleEvent;

  it('refuses an Update whose payload does not fit its schema, naming the field, and changes nothing', async () => {
    await joined('P1');
    const refused = await client
      .handle('P1')
      .executeUpdate(changeRoleUpdate, { args: [{ id: 'role-1', role: 'admin' } as never], updateId: 'role-1' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toBe(
      'role: Invalid option: expected one of "primary"|"secondary"',
    );
    const missingId = await client
      .handle('P1')
      .executeUpdate(suspendUpdate, { args: [{ reason: 'conduct' } as unknown as StaffCommand] })
      .catch((error: unknown) => error);
    expect((missingId as WorkflowUpdateFailedError).cause?.message).toMatch(/^id: /);
    const standing = await client.view('P1');
    expect(standing?.member).toMatchObject({ role: 'primary', state: 'pending', rejected: [] });
    expect(standing?.warnings).toEqual([]);
    await providersSettled(client, ['P1']);
  });

  it('has MembershipClient refuse the same payload before sending it', async () => {
    await joined('P6');
    const refused = await client.changeRole('P6', 'admin' as 'primary').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidCommand);
    expect((refused as InvalidCommand).problems).toEqual([
      { field: 'role', message: 'Invalid option: expected one of "primary"|"secondary"' },
    ]);
    expect((await client.view('P6'))?.member?.role).toBe('primary');
    await providersSettled(client, ['P6']);
  });

  it('keeps a malformed event as a warning that names the event and the field, and applies the rest', async () => {
    await joined('P2');
    const at = await now();
    const dues = { invoiceId: 'I2', coversFrom: at.slice(0, 10), coversThrough: daysLater(at, 30) };
    const handle = client.handle('P2');
    await handle.signal(
      lifecycleEventSignal,
      raw({ id: 'inv-bad', type: 'invoiceIssued', memberId: 'P2', at, ...dues, amount: -5 }),
    );
    await handle.signal(lifecycleEventsSignal, [
      raw({ id: 'inv-ok', type: 'invoiceIssued', memberId: 'P2', at, ...dues, amount: 50 }),
      raw({ id: 'void-bad', type: 'invoiceVoided', memberId: 'P2', at }),
      raw({ id: 'pay-ok', type: 'paymentPosted', memberId: 'P2', at, paymentId: 'PAY2', invoiceId: 'I2', amount: 50 }),
    ]);
    const standing = await client.view('P2');
    expect(standing?.warnings).toEqual([
      'ignored a malformed event: event inv-bad: amount: must be greater than 0',
      'ignored a malformed event: event void-bad: invoiceId: Invalid input: expected string, received undefined',
    ]);
    expect(standing?.member).toMatchObject({ state: 'active', paidThrough: dues.coversThrough });
    await providersSettled(client, ['P2']);
  });

  it('takes null for an optional field and an `at` without seconds, as billing systems send them', async () => {
    // 2026-…t12:34z: no seconds, lowercase t and z.
    const at = `${(await now()).slice(0, 16).toLowerCase()}z`;
    const coversThrough = daysLater(at.toUpperCase(), 30);
    const handle = client.handle('P3');
    await client.send({ id: 'join-P3', type: 'joined', memberId: 'P3', at: await now(), membershipType: 'REALTOR' });
    await handle.signal(lifecycleEventsSignal, [
      raw({ id: 'role-null', type: 'roleChanged', memberId: 'P3', at, role: 'secondary', reason: null, by: null }),
      raw({
        id: 'inv-null',
        type: 'invoiceIssued',
        memberId: 'P3',
        at,
        invoiceId: 'I3',
        amount: 50,
        dueDate: null,
        coversFrom: at.slice(0, 10),
        coversThrough,
      }),
      raw({
        id: 'pay-null',
        type: 'paymentPosted',
        memberId: 'P3',
        at,
        paymentId: 'PAY3',
        invoiceId: 'I3',
        amount: 50,
      }),
    ]);
    const standing = await client.view('P3');
    expect(standing?.warnings).toEqual([]);
    expect(standing?.member).toMatchObject({ role: 'secondary', state: 'active', paidThrough: coversThrough });
    await providersSettled(client, ['P3']);
  });

  it('keeps its configuration when sent one that does not fit the schema, and says why', async () => {
    await joined('P4');
    const broken = { association: { ...config, membershipTypes: [] }, version: 'v-broken' };
    await client.handle('P4').signal(configureSignal, broken as unknown as Configuration);
    const repair = { id: 'repair-1', provider: 'fax', status: 'Active', found: null };
    await client.handle('P4').signal(repairProviderSignal, repair as unknown as ProviderRepair);
    expect((await client.view('P4'))?.warnings).toEqual([
      'kept the previous configuration: association.membershipTypes: must define at least one membership type',
      'ignored a malformed provider repair: provider: Invalid option: expected one of "m1"|"mls"|"lockbox"',
    ]);
    await providersSettled(client, ['P4']);
  });

  it('fails a dry run whose arguments do not fit, naming the argument', async () => {
    await joined('P5');
    const handle = client.handle('P5');
    expect(
      await failureOf(handle.query(previewStaffCommandQuery, 'expel' as StaffAction, { id: 'dry-run' })),
    ).toContain('action: Invalid option: expected one of "suspend"|"reactivate"|"drop"');
    expect(await failureOf(handle.query(previewStaffCommandQuery, 'drop', { id: '' }))).toContain(
      'id: must not be empty',
    );
    await expect(handle.query(previewStaffCommandQuery, 'drop', { id: 'dry-run' })).resolves.toMatchObject({
      outcome: 'applied',
      from: 'pending',
      to: 'terminated',
    });
    await providersSettled(client, ['P5']);
  });
});
