// The membership statechart (spec section 5): five states, six changes, one row per transition.
// The ledger (billing facts) is the membership's; a `ledgerChanged` event carries it as it is after
// the billing event, with what changed, so guards read the post-payment ledger. A billing event
// that can move no state never reaches the statechart. Actions only assign context and emit each
// recorded change (`changeRecorded`): no I/O, so the same machine runs in simulate and in a Temporal
// workflow.
import { and, assertEvent, assign, enqueueActions, not, setup } from 'xstate';
import type { AssociationConfig, Change } from '../schemas/association.js';
import { membershipTypeOf } from './association.js';
import type { LocalDate } from './calendar.js';
import { laterDate, toIsoInstant } from './calendar.js';
import { statusAfterChange, statusAfterTypeChange } from './member-status.js';
import { commandsFor } from './providers.js';
import { eligibleForReactivation } from './reactivation.js';
import type {
  ChangeRecorded,
  MachineEvent,
  MemberContext,
  MemberState,
  MemberStatus,
  ProviderIds,
  TimelineEntry,
} from './types.js';

type Live = Exclude<MemberState, 'terminated'>;

export function initialContext(memberId: string): MemberContext {
  return {
    memberId,
    membershipType: '',
    role: 'primary',
    joinDate: null,
    memberStatus: null,
    memberStatusDate: null,
    everDropped: false,
    terminateDate: null,
    suspension: null,
    graceRestartedOn: null,
    providers: { m1: null, mls: null, lockbox: null },
    providerIds: {},
  };
}

/** The ids `given` names replace those kept; the others stay. Only ids with a value are kept (plain JSON). */
export function withProviderIds(kept: ProviderIds, given: ProviderIds): ProviderIds {
  const merged: Record<string, string> = {};
  for (const [provider, id] of Object.entries({ ...kept, ...given })) if (id !== undefined) merged[provider] = id;
  return merged;
}

function withStatus(
  context: MemberContext,
  memberStatus: MemberStatus | null,
  today: LocalDate,
): Partial<MemberContext> {
  if (memberStatus === context.memberStatus) return {};
  return {
    memberStatus,
    memberStatusDate: today,
    everDropped: context.everDropped || memberStatus === 'Dropped',
  };
}

const machines = new WeakMap<AssociationConfig, MembershipMachine>();

/** The machine for an association configuration, built once per configuration object. */
export function membershipMachineFor(association: AssociationConfig): MembershipMachine {
  let machine = machines.get(association);
  if (!machine) {
    machine = createMembershipMachine(association);
    machines.set(association, machine);
  }
  return machine;
}

export function createMembershipMachine(association: AssociationConfig) {
  const typeOf = (context: MemberContext) => membershipTypeOf(association, context.membershipType);

  return setup({
    types: {
      context: {} as MemberContext,
      events: {} as MachineEvent,
      input: {} as { memberId: string },
      emitted: {} as ChangeRecorded,
    },
    guards: {
      importedAs: ({ event }, params: { state: MemberState }) =>
        event.type === 'imported' && event.state === params.state,
      duesInvoiceSettled: ({ event }) => event.type === 'ledgerChanged' && event.effects.duesSettled,
      paidThroughAdvanced: ({ event }) => event.type === 'ledgerChanged' && event.effects.paidThroughAdvanced,
      paidThroughReachesToday: ({ event }) => event.paidThrough !== null && event.paidThrough >= event.today,
      paymentApplied: ({ event }) => event.type === 'ledgerChanged' && event.effects.paymentApplied,
      paidThroughRetreated: ({ event }) =>
        event.type === 'ledgerChanged' && event.effects.paidThroughRetreatedFrom !== null,
      suspendedForNonpayment: ({ context }) => context.suspension?.reason === 'nonpayment',
      eligibleForReactivation: ({ context, event }) =>
        event.type === 'ledgerChanged' && eligibleForReactivation(event.ledger, event.today, typeOf(context)),
      graceEndsInSuspension: ({ context }) => typeOf(context).afterGrace === 'suspended',
    },
    actions: {
      enroll: assign(({ context, event }) => {
        assertEvent(event, 'joined');
        return {
          membershipType: event.membershipType,
          role: event.role,
          providerIds: withProviderIds(context.providerIds, event.providerIds),
        };
      }),
      // The membership restarts paid-through in the ledger when a rejoin is accepted.
      // A rejoin's providerIds set the ids they name; the member keeps its other ids.
      rejoin: assign(({ context, event }) => {
        assertEvent(event, 'joined');
        return {
          membershipType: event.membershipType,
          role: event.role,
          suspension: null,
          graceRestartedOn: null,
          providerIds: withProviderIds(context.providerIds, event.providerIds),
        };
      }),
      importMember: assign(({ context, event }) => {
        assertEvent(event, 'imported');
        return {
          membershipType: event.membershipType,
          role: event.role,
          joinDate: event.joinDate,
          providerIds: withProviderIds(context.providerIds, event.providerIds),
          ...withStatus(context, event.memberStatus, event.today),
          // An imported suspended member counts as suspended for nonpayment on the import date.
          suspension: event.state === 'suspended' ? { since: event.today, reason: 'nonpayment' } : null,
        };
      }),
      // One row of the table: the member status and provider records follow the change, and the
      // change is emitted for the timeline.
      recordChange: enqueueActions(
        ({ context, event, enqueue }, params: { change: Change; from: MemberState; to: MemberState }) => {
          const type = typeOf(context);
          const memberStatus = statusAfterChange(context, params.change, type.isMember);
          const commands = commandsFor(params.change, {
            providers: association.providers,
            type,
            role: context.role,
            date: event.today,
          });
          const providers = { ...context.providers };
          for (const command of commands) if (command.outcome === 'sent') providers[command.provider] = command.status;
          enqueue.assign({ ...withStatus(context, memberStatus, event.today), providers, graceRestartedOn: null });
          const entry: TimelineEntry = {
            at: toIsoInstant(event.at),
            cause: event.cause,
            change: params.change,
            from: params.from,
            to: params.to,
            memberStatus,
            commands,
            ...(event.type === 'ledgerChanged' && event.reversal ? { reversal: event.reversal } : {}),
          };
          enqueue.emit({ type: 'changeRecorded', entry });
        },
      ),
      noteJoinDate: assign({ joinDate: ({ context, event }) => context.joinDate ?? event.today }),
      // Staff give a reason; the end of a grace period suspends for nonpayment.
      noteSuspension: assign(({ event }) => {
        assertEvent(event, ['suspended', 'timer.graceEnded']);
        return { suspension: { since: event.today, reason: event.type === 'suspended' ? event.reason : 'nonpayment' } };
      }),
      clearSuspension: assign({ suspension: null }),
      noteTermination: assign({ terminateDate: ({ event }) => event.today, suspension: null }),
      restartGrace: assign({ graceRestartedOn: ({ event }) => event.today }),
      // A reversal in pastDue never brings the grace timer earlier: grace keeps counting from the
      // start it had (the later of paidThrough before the reversal and any restart).
      keepGraceStart: assign(({ context, event }) => {
        assertEvent(event, 'ledgerChanged');
        const before = event.effects.paidThroughRetreatedFrom!;
        return {
          graceRestartedOn: context.graceRestartedOn === null ? before : laterDate(before, context.graceRestartedOn),
        };
      }),
      // Records no change: ids only address deliveries (the runtime re-addresses them).
      setProviderIds: assign(({ context, event }) => {
        assertEvent(event, 'providerIdsChanged');
        return { providerIds: withProviderIds(context.providerIds, event.providerIds) };
      }),
      changeRole: assign(({ event }) => {
        assertEvent(event, 'roleChanged');
        return { role: event.role };
      }),
      changeType: assign(({ context, event }, params: { inGoodStanding: boolean }) => {
        assertEvent(event, 'membershipTypeChanged');
        const wasMember = typeOf(context).isMember;
        const isMember = membershipTypeOf(association, event.membershipType).isMember;
        const memberStatus = statusAfterTypeChange(context, wasMember, isMember, params.inGoodStanding);
        return { membershipType: event.membershipType, ...withStatus(context, memberStatus, event.today) };
      }),
    },
  }).createMachine({
    id: 'membership',
    context: ({ input }) => initialContext(input.memberId),
    initial: 'none',
    states: {
      /** Before the first event: only `joined` or `imported` can start a membership. */
      none: {
        on: {
          joined: { target: 'pending', actions: 'enroll' },
          imported: (['pending', 'active', 'pastDue', 'suspended', 'terminated'] as const).map((state) => ({
            guard: { type: 'importedAs' as const, params: { state } },
            target: state,
            actions: 'importMember' as const,
          })),
        },
      },
      pending: {
        on: {
          ledgerChanged: {
            guard: 'duesInvoiceSettled',
            target: 'active',
            actions: [...change('activated', 'pending', 'active'), 'noteJoinDate'],
          },
          dropped: drop('pending'),
          membershipTypeChanged: { actions: { type: 'changeType', params: { inGoodStanding: false } } },
          roleChanged: { actions: 'changeRole' },
          providerIdsChanged: { actions: 'setProviderIds' },
        },
      },
      active: {
        on: {
          'timer.expired': { target: 'pastDue', actions: change('pastDue', 'active', 'pastDue') },
          ledgerChanged: [
            { guard: 'paidThroughAdvanced', actions: change('renewed', 'active', 'active') },
            // A reversal (spec 4a) that moves paidThrough back to null or before today: grace counts
            // afresh from today. One that leaves it today or later only moves the expiry timer.
            {
              guard: and(['paidThroughRetreated', not('paidThroughReachesToday')]),
              target: 'pastDue',
              actions: [...change('pastDue', 'active', 'pastDue'), 'restartGrace'],
            },
          ],
          suspended: suspend('active'),
          dropped: drop('active'),
          membershipTypeChanged: { actions: { type: 'changeType', params: { inGoodStanding: true } } },
          roleChanged: { actions: 'changeRole' },
          providerIdsChanged: { actions: 'setProviderIds' },
        },
      },
      pastDue: {
        on: {
          ledgerChanged: [
            {
              guard: and(['paidThroughAdvanced', 'paidThroughReachesToday']),
              target: 'active',
              actions: change('renewed', 'pastDue', 'active'),
            },
            { guard: 'paidThroughRetreated', actions: 'keepGraceStart' },
          ],
          'timer.graceEnded': [
            {
              guard: 'graceEndsInSuspension',
              target: 'suspended',
              actions: [...change('suspended', 'pastDue', 'suspended'), 'noteSuspension'],
            },
            { target: 'terminated', actions: [...change('dropped', 'pastDue', 'terminated'), 'noteTermination'] },
          ],
          suspended: suspend('pastDue'),
          dropped: drop('pastDue'),
          membershipTypeChanged: { actions: { type: 'changeType', params: { inGoodStanding: true } } },
          roleChanged: { actions: 'changeRole' },
          providerIdsChanged: { actions: 'setProviderIds' },
        },
      },
      suspended: {
        on: {
          ledgerChanged: [
            {
              guard: and([
                'paymentApplied',
                'suspendedForNonpayment',
                'eligibleForReactivation',
                'paidThroughReachesToday',
              ]),
              target: 'active',
              actions: [...change('reactivated', 'suspended', 'active'), 'clearSuspension'],
            },
            {
              guard: and(['paymentApplied', 'suspendedForNonpayment', 'eligibleForReactivation']),
              target: 'pastDue',
              actions: [...change('reactivated', 'suspended', 'pastDue'), 'clearSuspension'],
            },
          ],
          reactivated: [
            {
              guard: 'paidThroughReachesToday',
              target: 'active',
              actions: [...change('reactivated', 'suspended', 'active'), 'clearSuspension'],
            },
            // Into pastDue, the grace period counts afresh from today.
            {
              target: 'pastDue',
              actions: [...change('reactivated', 'suspended', 'pastDue'), 'clearSuspension', 'restartGrace'],
            },
          ],
          'timer.dropAfterSuspension': drop('suspended'),
          dropped: drop('suspended'),
          membershipTypeChanged: { actions: { type: 'changeType', params: { inGoodStanding: false } } },
          roleChanged: { actions: 'changeRole' },
          providerIdsChanged: { actions: 'setProviderIds' },
        },
      },
      terminated: {
        on: {
          joined: { target: 'pending', actions: 'rejoin' },
          // A dropped member's lockbox card can still change (decisions.md, "Provider ids").
          providerIdsChanged: { actions: 'setProviderIds' },
        },
      },
    },
  });
}

/** The action that records one row of the spec's table. */
function change(change: Change, from: MemberState, to: MemberState) {
  return [{ type: 'recordChange' as const, params: { change, from, to } }] as const;
}

function suspend(from: Live) {
  return {
    target: 'suspended' as const,
    actions: [...change('suspended', from, 'suspended'), 'noteSuspension' as const],
  };
}

function drop(from: Live) {
  return {
    target: 'terminated' as const,
    actions: [...change('dropped', from, 'terminated'), 'noteTermination' as const],
  };
}

export type MembershipMachine = ReturnType<typeof createMembershipMachine>;
