// Mass status change and mass drop (the netFORUM processes): one staff command to many members,
// as a workflow, so it survives a worker restart without sending a command twice. A batch of any
// size: it takes its members a page at a time (by filter: ranges of workflow ids, planned from
// visibility at the start and each listed again when its turn comes; or from a short explicit list),
// sends each page's commands in chunks within one bound on the Updates in flight, lists the next
// range while the current one is sent, and continues as new after
// each page, carrying its counts and a bounded sample of changes and refusals. Cancelled, it lets the
// chunks in flight finish and reports what it changed.
import {
  CancellationScope,
  continueAsNew,
  defineQuery,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { StaffActivities, StaffOutcome } from '../activities/staff.js';
import { membershipWorkflowId } from './messages.js';
import type { StaffAction } from './messages.js';

const { applyStaffCommand } = proxyActivities<StaffActivities>({
  // One Update to one member takes milliseconds; a worker that died holding the command is noticed
  // after this long, and the retry (same Update id) changes the member at most once.
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const { applyStaffCommands, listMassChangePage, planMassChange, listMassChangeRange } =
  proxyActivities<StaffActivities>({
    // A chunk heartbeats after each member's Update: a worker that died holding it is noticed after
    // the heartbeat timeout, and the retry sends the chunk again under the same Update ids, so each
    // member still changes once. A listing heartbeats after each visibility page.
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });

/** Pages and chunks (patched): recorded batches (v5..v7) took every member in one run, one activity each. */
export const MASS_CHANGE_PAGES = 'mass-change-pages';
/**
 * Key ranges and concurrent chunks (patched): by filter, a batch plans ranges of workflow ids and
 * lists each when its turn comes, the next while the current is sent (recorded v8 batches followed a
 * visibility page token); a chunk sends several Updates at once (recorded ones, one after another).
 */
export const MASS_CHANGE_RANGES = 'mass-change-key-ranges';
/** Members a run takes before it continues as new (one visibility page at most: the server caps pages at 1,000). */
export const DEFAULT_PAGE_SIZE = 1_000;
/** Members one activity sends its command to. */
export const DEFAULT_CHUNK_SIZE = 20;
/** Before MASS_CHANGE_RANGES: members one activity sent its command to, one after another. */
const PAGED_CHUNK_SIZE = 20;
/**
 * Updates one chunk has in flight at once, by default: one. Measured (bench:mass-change, 10 in
 * flight either way), two chunks of 5 at once took 71 and 47 s for 1,000 members where ten chunks
 * of one at a time took 51 and 45 s: no gain here. `inFlightPerChunk` is there to try elsewhere.
 */
export const IN_FLIGHT_PER_CHUNK = 1;
/** Changes, and refusals, the report lists by member (the counts cover everyone; the full record is in each run's history). */
export const REPORT_SAMPLE = 200;

type Change = Extract<StaffOutcome, { outcome: 'changed' }>;
type Refusal = Extract<StaffOutcome, { outcome: 'refused' }>;

/** What a batch carries from one run to the next (continue-as-new). */
export interface MassChangeCarried {
  /** Runs before this one. */
  readonly runs: number;
  /** Where the next page starts: an offset into `memberIds` (or, before key ranges, a visibility page token). */
  readonly cursor: string | number;
  /** By filter (MASS_CHANGE_RANGES): the ranges still to come and this run's members. */
  readonly ranges?: MassChangeRanges;
  readonly total: number;
  readonly done: number;
  readonly changed: number;
  readonly refused: number;
  readonly changes: readonly Change[];
  readonly refusals: readonly Refusal[];
}

/**
 * A filter batch's ranges of membership workflow ids: `cuts` are the first id of each range after
 * this run's (the last range is open-ended), and `page` this run's members, listed by the run before.
 */
export interface MassChangeRanges {
  readonly cuts: readonly string[];
  readonly page: readonly string[];
}

export interface MassChangeInput {
  readonly associationId: string;
  readonly action: StaffAction;
  /** The members, given (a short list: the input holds them all). */
  readonly memberIds?: readonly string[];
  /** Or: the members the filter selects (the `standing list` filter), listed by the batch a page at a time. */
  readonly filter?: Readonly<Record<string, string>>;
  readonly reason?: string;
  readonly by: string;
  /** Updates in flight at once (default 10): chunks in flight × each chunk's `inFlightPerChunk`. */
  readonly concurrency?: number;
  /** Members per run (default 1,000). */
  readonly pageSize?: number;
  /** Members per activity (default 20). */
  readonly chunkSize?: number;
  /** Updates one chunk has in flight at once (default 1; always 1 before key ranges). */
  readonly inFlightPerChunk?: number;
  /** Set by the batch itself when it continues as new. */
  readonly carried?: MassChangeCarried;
}

export interface MassChangeProgress {
  /** Members the batch expects: the filter's count when it started (or the list's length). */
  readonly total: number;
  readonly done: number;
  readonly changed: number;
  readonly refused: number;
  /** Runs so far (this one included): the batch continues as new after each page. */
  readonly runs?: number;
}

export interface MassChangeReport extends MassChangeProgress {
  readonly action: StaffAction;
  /** Sorted by member: every change, or the first REPORT_SAMPLE when `changed` is larger. */
  readonly changes: readonly Change[];
  readonly refusals: readonly Refusal[];
  /** Cancelled part-way: the counts and lists cover exactly the members it sent its command to. */
  readonly cancelled?: boolean;
}

export const massChangeProgressQuery = defineQuery<MassChangeProgress>('progress');

const byMember = (a: { memberId: string }, b: { memberId: string }) => a.memberId.localeCompare(b.memberId);

export async function massChangeWorkflow(input: MassChangeInput): Promise<MassChangeReport> {
  if (!patched(MASS_CHANGE_PAGES)) return oneRun(input);
  // A filter batch that began before key ranges carries a page token: it goes on following it.
  const tokenCarried = input.filter !== undefined && input.carried !== undefined && input.carried.ranges === undefined;
  const ranged = !tokenCarried && patched(MASS_CHANGE_RANGES);
  const batch = workflowInfo().workflowId;
  const pageSize = Math.max(1, Math.min(input.pageSize ?? DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE));
  const chunkSize = Math.max(1, input.chunkSize ?? (ranged ? DEFAULT_CHUNK_SIZE : PAGED_CHUNK_SIZE));
  const concurrency = Math.max(1, input.concurrency ?? 10);
  // The Updates in flight stay within `concurrency` (more only queue on the server and the worker:
  // measured, 50 in flight took 3.6 s an Update where 10 took 0.44 s).
  const inFlight = ranged
    ? Math.max(1, Math.min(input.inFlightPerChunk ?? IN_FLIGHT_PER_CHUNK, chunkSize, concurrency))
    : 1;
  let state: MassChangeCarried = input.carried ?? {
    runs: 0,
    cursor: input.filter ? '' : 0,
    total: input.memberIds?.length ?? 0,
    done: 0,
    changed: 0,
    refused: 0,
    changes: [],
    refusals: [],
  };
  const progress = (): MassChangeProgress => ({
    total: state.total,
    done: state.done,
    changed: state.changed,
    refused: state.refused,
    runs: state.runs + 1,
  });
  setHandler(massChangeProgressQuery, progress);
  const show = () =>
    setCurrentDetails(
      `**${input.action}**: ${state.done} of ${state.total} done · ${state.changed} changed · ${state.refused} refused · run ${state.runs + 1}`,
    );
  // Cancelled: no new chunk starts; the chunks in flight finish (each member changed once or not at
  // all, and known to be which), and the batch returns its report marked cancelled.
  let cancelled = false;
  CancellationScope.current().cancelRequested.catch(() => (cancelled = true));
  const uncancellable = <T>(fn: () => Promise<T>) => CancellationScope.nonCancellable(fn);

  // This run's page, and (key ranges) the listing of the next range, which runs beside the chunks.
  let page: readonly string[];
  let next: string | number | null = null;
  let cuts: readonly string[] = [];
  let nextRange: Promise<{ memberIds: string[] }> | null = null;
  if (input.filter && ranged) {
    const filter = input.filter;
    if (state.ranges === undefined) {
      const plan = await uncancellable(() => planMassChange({ associationId: input.associationId, filter, pageSize }));
      state = { ...state, total: plan.total };
      page = plan.memberIds;
      cuts = plan.cuts;
    } else {
      page = state.ranges.page;
      cuts = state.ranges.cuts;
    }
    if (cuts.length > 0 && !cancelled) {
      const [from, to] = cuts;
      nextRange = uncancellable(() =>
        listMassChangeRange({
          associationId: input.associationId,
          filter,
          from: from!,
          ...(to === undefined ? {} : { to }),
        }),
      );
      // Not awaited when cancelled: keep its failure from being unhandled.
      nextRange.catch(() => undefined);
    }
  } else if (input.filter) {
    const listed = await uncancellable(() =>
      listMassChangePage({
        associationId: input.associationId,
        filter: input.filter!,
        pageSize,
        pageToken: state.cursor as string,
        count: state.runs === 0,
      }),
    );
    page = listed.memberIds;
    next = listed.pageToken;
    if (listed.count !== undefined) state = { ...state, total: listed.count };
  } else {
    const all = input.memberIds ?? [];
    const offset = state.cursor as number;
    page = all.slice(offset, offset + pageSize);
    next = offset + pageSize < all.length ? offset + pageSize : null;
  }
  show();

  const chunks: string[][] = [];
  for (let i = 0; i < page.length; i += chunkSize) chunks.push(page.slice(i, i + chunkSize));
  const record = (outcomes: readonly StaffOutcome[]) => {
    const changes = outcomes.filter((o): o is Change => o.outcome === 'changed');
    const refusals = outcomes.filter((o): o is Refusal => o.outcome === 'refused');
    state = {
      ...state,
      done: state.done + outcomes.length,
      changed: state.changed + changes.length,
      refused: state.refused + refusals.length,
      changes: [...state.changes, ...changes].slice(0, REPORT_SAMPLE),
      refusals: [...state.refusals, ...refusals].slice(0, REPORT_SAMPLE),
    };
    show();
  };
  let nextChunk = 0;
  const sender = async (): Promise<void> => {
    while (!cancelled && nextChunk < chunks.length) {
      const memberIds = chunks[nextChunk]!;
      nextChunk += 1;
      record(
        await uncancellable(() =>
          applyStaffCommands({
            associationId: input.associationId,
            action: input.action,
            batch,
            memberIds,
            by: input.by,
            ...(input.reason === undefined ? {} : { reason: input.reason }),
            ...(inFlight > 1 ? { inFlight } : {}),
          }),
        ),
      );
    }
  };
  const chunksInFlight = Math.max(1, Math.min(Math.floor(concurrency / inFlight), chunks.length));
  await Promise.all(Array.from({ length: chunksInFlight }, sender));

  if (!cancelled && nextRange !== null) {
    const listed = await nextRange;
    const ranges: MassChangeRanges = { cuts: cuts.slice(1), page: listed.memberIds };
    const carried: MassChangeCarried = { ...state, runs: state.runs + 1, cursor: '', ranges };
    return continueAsNew<typeof massChangeWorkflow>({ ...input, carried });
  }
  if (!cancelled && next !== null && page.length > 0) {
    const carried: MassChangeCarried = { ...state, runs: state.runs + 1, cursor: next };
    return continueAsNew<typeof massChangeWorkflow>({ ...input, carried });
  }
  return {
    action: input.action,
    ...progress(),
    changes: [...state.changes].sort(byMember),
    refusals: [...state.refusals].sort(byMember),
    ...(cancelled ? { cancelled: true } : {}),
  };
}

/** The batch before pages (recorded v5..v7 histories): every member in one run, one activity each. */
async function oneRun(input: MassChangeInput): Promise<MassChangeReport> {
  const memberIds = input.memberIds ?? [];
  const batch = workflowInfo().workflowId;
  const outcomes: StaffOutcome[] = [];
  const progress = (): MassChangeProgress => ({
    total: memberIds.length,
    done: outcomes.length,
    changed: outcomes.filter((o) => o.outcome === 'changed').length,
    refused: outcomes.filter((o) => o.outcome === 'refused').length,
  });
  setHandler(massChangeProgressQuery, progress);
  const show = () => {
    const p = progress();
    setCurrentDetails(
      `**${input.action}**: ${p.done} of ${p.total} done · ${p.changed} changed · ${p.refused} refused`,
    );
  };
  show();

  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < memberIds.length) {
      const memberId = memberIds[next]!;
      next += 1;
      const command = {
        id: `${batch}/${memberId}`,
        by: input.by,
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      };
      outcomes.push(
        await applyStaffCommand({
          workflowId: membershipWorkflowId(input.associationId, memberId),
          memberId,
          action: input.action,
          command,
        }),
      );
      show();
    }
  };
  const senders = Array.from({ length: Math.max(1, Math.min(input.concurrency ?? 10, memberIds.length)) }, sender);
  await Promise.all(senders);

  return {
    action: input.action,
    ...progress(),
    changes: outcomes.filter((o): o is Change => o.outcome === 'changed').sort(byMember),
    refusals: outcomes.filter((o): o is Refusal => o.outcome === 'refused').sort(byMember),
  };
}
