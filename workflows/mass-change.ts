// Mass status change and mass drop (the netFORUM processes): one staff command to many members,
// as a workflow, so it survives a worker restart without sending a command twice. Members are
// chosen by the caller (standing mass-drop selects them by filters); commands go out with bounded
// concurrency, progress is queryable and shown in the UI, and the result lists every change and
// every refusal.
import { defineQuery, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { StaffActivities, StaffOutcome } from '../activities/staff.js';
import { membershipWorkflowId } from './messages.js';
import type { StaffAction } from './messages.js';

const { applyStaffCommand } = proxyActivities<StaffActivities>({
  // One Update to one member takes milliseconds; a worker that died holding the command is noticed
  // after this long, and the retry (same Update id) changes the member at most once.
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Members one batch takes: its history holds one activity per member. */
export const MAX_MEMBERS_PER_BATCH = 5_000;

export interface MassChangeInput {
  readonly associationId: string;
  readonly action: StaffAction;
  readonly memberIds: readonly string[];
  readonly reason?: string;
  readonly by: string;
  /** Commands in flight at once (default 10). */
  readonly concurrency?: number;
}

export interface MassChangeProgress {
  readonly total: number;
  readonly done: number;
  readonly changed: number;
  readonly refused: number;
}

export interface MassChangeReport extends MassChangeProgress {
  readonly action: StaffAction;
  readonly changes: readonly Extract<StaffOutcome, { outcome: 'changed' }>[];
  readonly refusals: readonly Extract<StaffOutcome, { outcome: 'refused' }>[];
}

export const massChangeProgressQuery = defineQuery<MassChangeProgress>('progress');

export async function massChangeWorkflow(input: MassChangeInput): Promise<MassChangeReport> {
  if (input.memberIds.length > MAX_MEMBERS_PER_BATCH)
    throw new Error(`a batch takes at most ${MAX_MEMBERS_PER_BATCH} members; narrow the filters`);
  const batch = workflowInfo().workflowId;
  const outcomes: StaffOutcome[] = [];
  const progress = (): MassChangeProgress => ({
    total: input.memberIds.length,
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
    while (next < input.memberIds.length) {
      const memberId = input.memberIds[next]!;
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
  const senders = Array.from(
    { length: Math.max(1, Math.min(input.concurrency ?? 10, input.memberIds.length)) },
    sender,
  );
  await Promise.all(senders);

  const byMember = (a: { memberId: string }, b: { memberId: string }) => a.memberId.localeCompare(b.memberId);
  return {
    action: input.action,
    ...progress(),
    changes: outcomes
      .filter((o): o is Extract<StaffOutcome, { outcome: 'changed' }> => o.outcome === 'changed')
      .sort(byMember),
    refusals: outcomes
      .filter((o): o is Extract<StaffOutcome, { outcome: 'refused' }> => o.outcome === 'refused')
      .sort(byMember),
  };
}
