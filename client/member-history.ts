// One member's lifecycle events read back from its membership workflow's own histories (every run of
// its continue-as-new chain, oldest first), for `standing export` and `standing verify`: the events
// it was started with (an import), the ones signalled (one or a batch), the staff Updates it
// accepted (rebuilt into the events the workflow applied), and each configuration it ran under.
// Pure: histories in, data out; reading them from Temporal is export-members.ts's job.
import { defaultPayloadConverter, fromPayloadsAtIndex } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import type { PayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import { buildConfigurationSchema } from '../schemas/messages.js';
import type { MembershipWorkflowInput } from '../workflows/messages.js';
import { checkEvent, checkPayload } from '../workflows/payload-checks.js';
import { membershipSearchAttributes as keys } from '../workflows/search-attributes.js';
import { isStaffUpdate, staffCommands, staffEvent } from '../workflows/staff-events.js';
import { configVersion } from './config-version.js';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
// A CommonJS module: its namespace comes as the default export under Node's ESM.
const EventType = proto.temporal.api.enums.v1.EventType;

/** The patch from which a run applies `paymentReversed` (workflows/membership-manager.ts): before it, refused. */
const PAYMENT_REVERSED = 'payment-reversed';

export interface AppliedEvent {
  readonly event: LifecycleEvent;
  /** The workflow's clock when it applied the event: its `at` unless the event came late or early. */
  readonly appliedAt: string;
}

export interface RanUnder {
  readonly version: string;
  readonly association: AssociationConfig;
  /** From when: the run's start for the first, the moment the worker's `configure` arrived for later ones. */
  readonly at: string;
}

/** The member as its workflow last published it (search attributes), and when that was. */
export interface Published {
  readonly state: string | null;
  readonly paidThrough: string | null;
  readonly memberStatus: string | null;
  /** The workflow's clock in its last workflow task: the member as published stands as of this moment. */
  readonly asOf: string;
}

export interface MemberHistory {
  readonly memberId: string;
  /** Events in the order the workflow applied them. */
  readonly applied: readonly AppliedEvent[];
  /** Each configuration the member ran under, in order, a repeated version once. */
  readonly configurations: readonly RanUnder[];
  /** What the workflow refused as malformed (it refused them too): not part of the member's history. */
  readonly refused: readonly string[];
  readonly published: Published;
  /** How many runs the chain had. */
  readonly runs: number;
}

/** A history that is not a membership run this reader understands: names the run and what is wrong. */
export class UnreadableHistory extends Error {
  override readonly name = 'UnreadableHistory';
}

/**
 * Reads one member from its runs, oldest first (each one continued as new into the next). The
 * moment a message was applied is the workflow's clock in the workflow task that ran it: the
 * start time of the last workflow task to start before the task that completed after the message
 * arrived (an Update: before its acceptance).
 */
export function readMemberHistory(
  runs: readonly History[],
  converter: PayloadConverter = defaultPayloadConverter,
): MemberHistory {
  if (runs.length === 0) throw new UnreadableHistory('no runs to read');
  const applied: AppliedEvent[] = [];
  const configurations: RanUnder[] = [];
  const refused: string[] = [];
  let memberId: string | undefined;
  const published = new Map<string, unknown>();
  let asOf = 0;

  for (const [index, history] of runs.entries()) {
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    if (!started) throw new UnreadableHistory(`run ${index + 1} does not begin with its start`);
    const input = fromPayloadsAtIndex<MembershipWorkflowInput>(converter, 0, started.input?.payloads);
    if (typeof input?.memberId !== 'string' || typeof input.association !== 'object' || input.association === null)
      throw new UnreadableHistory(
        `run ${index + 1} is not a membership run (a ${started.workflowType?.name ?? 'workflow'} without a member and its association)`,
      );
    if (memberId === undefined) memberId = input.memberId;
    else if (input.memberId !== memberId)
      throw new UnreadableHistory(`run ${index + 1} is member ${input.memberId}'s, not ${memberId}'s`);
    const id = memberId;
    const moments = workflowClock(events);
    const reversing = hasPatch(events, PAYMENT_REVERSED, converter);
    const take = (payload: unknown, at: number) => {
      const verdict = checkEvent(payload, id);
      if (!verdict.ok) refused.push(verdict.problem);
      else if (verdict.value.type === 'paymentReversed' && !reversing)
        refused.push(`event ${verdict.value.id}: paymentReversed came before this run applied reversals`);
      else applied.push({ event: verdict.value, appliedAt: iso(at) });
    };
    const configure = (association: AssociationConfig, version: string | undefined, at: number) => {
      const resolved = version ?? configVersion(association);
      if (configurations.at(-1)?.version !== resolved)
        configurations.push({ version: resolved, association, at: iso(at) });
    };

    const firstTask = moments.taskAfter(0);
    configure(input.association, input.configVersion, firstTask);
    for (const [name, value] of Object.entries(started.searchAttributes?.indexedFields ?? {}))
      published.set(name, value);
    for (const event of input.events ?? []) take(event, firstTask);

    for (const [position, event] of events.entries()) {
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal) {
        const at = moments.taskAfter(position);
        const payload = fromPayloadsAtIndex<unknown>(converter, 0, signal.input?.payloads);
        if (signal.signalName === 'lifecycleEvent') take(payload, at);
        else if (signal.signalName === 'lifecycleEvents') {
          if (Array.isArray(payload)) for (const item of payload) take(item, at);
          else refused.push('a batch of events that is not an array');
        } else if (signal.signalName === 'configure') {
          const verdict = checkPayload(buildConfigurationSchema(), payload);
          if (verdict.ok) configure(verdict.value.association, verdict.value.version, at);
          else refused.push(`a configuration: ${verdict.problem}`);
        }
        continue;
      }
      const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
      const name = accepted?.acceptedRequest?.input?.name;
      if (accepted && name && isStaffUpdate(name)) {
        const command = fromPayloadsAtIndex<unknown>(converter, 0, accepted.acceptedRequest?.input?.args?.payloads);
        // The validator let it in, so it fits its schema; checked again all the same.
        const verdict = checkPayload(staffCommands[name].schema, command);
        if (verdict.ok)
          take(staffEvent(name, verdict.value, id, iso(moments.taskBefore(position))), moments.taskBefore(position));
        else refused.push(`a ${name} Update: ${verdict.problem}`);
        continue;
      }
      const upsert = event.upsertWorkflowSearchAttributesEventAttributes;
      if (upsert)
        for (const [name, value] of Object.entries(upsert.searchAttributes?.indexedFields ?? {}))
          published.set(name, value);
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) asOf = Math.max(asOf, timeOf(event));
    }
  }

  const attributes = decodeTypedSearchAttributes(
    Object.fromEntries(published) as Record<string, temporal.api.common.v1.IPayload>,
  );
  const paidThrough = attributes.get(keys.PaidThrough);
  return {
    memberId: memberId!,
    applied,
    configurations,
    refused,
    published: {
      state: attributes.get(keys.MembershipState) ?? null,
      memberStatus: attributes.get(keys.MemberStatus) ?? null,
      paidThrough: paidThrough ? paidThrough.toISOString().slice(0, 10) : null,
      asOf: iso(asOf),
    },
    runs: runs.length,
  };
}

/** The workflow's clock around each position of a run's history (see readMemberHistory). */
function workflowClock(events: readonly HistoryEvent[]) {
  const started: number[] = [];
  const completed: number[] = [];
  for (const [position, event] of events.entries()) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) started.push(position);
    else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) completed.push(position);
  }
  const lastStartedBefore = (position: number) => {
    let found: number | undefined;
    for (const s of started) if (s < position) found = s;
    if (found === undefined) throw new UnreadableHistory(`no workflow task started before event ${position + 1}`);
    return timeOf(events[found]!);
  };
  return {
    /** A message at `position` (a signal, a start event) ran in the first workflow task that completed after it. */
    taskAfter(position: number): number {
      const done = completed.find((c) => c > position);
      // Not yet run (the history ends before its task completed): it will run no earlier than its arrival.
      return done === undefined ? timeOf(events[position]!) : lastStartedBefore(done);
    },
    /** An accepted Update ran in the workflow task that completed just before its acceptance. */
    taskBefore(position: number): number {
      return lastStartedBefore(position);
    },
  };
}

function hasPatch(events: readonly HistoryEvent[], patchId: string, converter: PayloadConverter): boolean {
  return events.some((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return false;
    const data = fromPayloadsAtIndex<{ id?: string }>(converter, 0, marker.details?.['patch-data']?.payloads);
    return data?.id === patchId;
  });
}

/** An event's time in whole milliseconds, as the workflow's Date.now() reads it (seconds may be a Long). */
function timeOf(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) throw new UnreadableHistory(`event ${String(event.eventId)} has no time`);
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1_000_000);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
