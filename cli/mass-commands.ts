// Mass status change and mass drop: members chosen by the same filters as `standing list`; with
// --dry-run, exactly who would change and how (each member's workflow answers for itself, changing
// nothing); otherwise a batch workflow sends the Updates with bounded concurrency, and this command
// follows its progress and prints what changed and what was refused.
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { Option } from 'commander';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import type { MembershipClient } from '../client/membership-client.js';
import { workflowTypes } from '../workflows/messages.js';
import type { StaffAction } from '../workflows/messages.js';
import { MAX_MEMBERS_PER_BATCH, massChangeProgressQuery } from '../workflows/mass-change.js';
import type { MassChangeReport, massChangeWorkflow } from '../workflows/mass-change.js';
import { BadInput } from './bad-input.js';
import { addFilterOptions, wholeNumber } from './options.js';
import type { FilterOptions, GlobalOptions } from './options.js';
import { open, print } from './runtime-commands.js';
import { filterFrom } from './staff-commands.js';

interface MassOptions extends GlobalOptions, FilterOptions {
  reason: string;
  by: string;
  dryRun?: boolean;
  concurrency: number;
  to?: keyof typeof actionFor;
}

/** What a dry run prints, in the report's own shape, so the two can be compared. */
export type DryRun = Pick<MassChangeReport, 'action' | 'changes' | 'refusals'>;

/** `mass-status-change --to`: the state, and the staff command that moves a member there. */
const actionFor = { suspended: 'suspend', active: 'reactivate', terminated: 'drop' } as const satisfies Record<
  string,
  StaffAction
>;

async function dryRun(
  membership: MembershipClient,
  action: StaffAction,
  memberIds: readonly string[],
  reason: string,
  by: string,
): Promise<DryRun> {
  const limit = pLimit(16);
  const previews = await Promise.all(
    memberIds.map((memberId) =>
      limit(async () => ({
        memberId,
        preview: await membership.preview(memberId, action, { reason, by, id: 'dry-run' }),
      })),
    ),
  );
  return {
    action,
    changes: previews
      .filter(({ preview }) => preview.outcome === 'applied')
      .map(({ memberId, preview }) => ({
        memberId,
        outcome: 'changed' as const,
        from: preview.from ?? 'none',
        to: preview.to ?? 'none',
      })),
    refusals: previews
      .filter(({ preview }) => preview.outcome !== 'applied')
      .map(({ memberId, preview }) => ({
        memberId,
        outcome: 'refused' as const,
        reason: preview.reason ?? 'already applied',
      })),
  };
}

function formatOutcomes(result: DryRun, heading: string): string {
  const table = new Table({ head: ['member', 'now', 'after', 'note'], style: { head: [], border: [] } });
  const rows = [
    ...result.changes.map((c) => ({ memberId: c.memberId, row: [c.memberId, c.from, c.to, ''] })),
    ...result.refusals.map((r) => ({ memberId: r.memberId, row: [r.memberId, '', '', `refused: ${r.reason}`] })),
  ].sort((a, b) => a.memberId.localeCompare(b.memberId));
  for (const { row } of rows) table.push(row);
  return `${table.toString()}\n${heading}: ${result.changes.length} change(s), ${result.refusals.length} refused`;
}

async function runMass(action: StaffAction, options: MassOptions): Promise<void> {
  const { membership, client, association, loaded, close } = await open(options);
  try {
    const filter = filterFrom(association, options);
    if (Object.keys(filter).length === 0) {
      throw new BadInput([
        {
          file: 'command line',
          field: '--state',
          message:
            'give at least one filter (--state, --type, --paid-through-before, --provider-sync): a mass change of every member is not a thing to do by accident',
        },
      ]);
    }
    const concurrency = options.concurrency;
    const memberIds = (await membership.list(filter)).map((member) => member.memberId);
    if (memberIds.length > MAX_MEMBERS_PER_BATCH)
      throw new BadInput([
        {
          file: 'command line',
          field: '--state',
          message: `${memberIds.length} members match; a batch takes at most ${MAX_MEMBERS_PER_BATCH}: narrow the filters`,
        },
      ]);

    if (options.dryRun) {
      const result = await dryRun(membership, action, memberIds, options.reason, options.by);
      print(
        options.json
          ? JSON.stringify(result, null, 2)
          : formatOutcomes(result, `dry run of ${action} (nothing changed)`),
      );
      return;
    }

    const associationId = association.association.id;
    const handle = await client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: `mass-${action}/${associationId}/${new Date().toISOString()}`,
      // The association's own queue: the batch's activities run only where its settings are held.
      taskQueue: loaded.taskQueue,
      args: [{ associationId, action, memberIds, reason: options.reason, by: options.by, concurrency }],
      staticSummary: `Mass ${action} of ${memberIds.length} member(s) of ${associationId} by ${options.by}: ${options.reason}`,
    });
    const bar = new SingleBar({
      format: `${action} {bar} {value}/{total} | {changed} changed, {refused} refused`,
      stream: process.stderr,
      hideCursor: true,
    });
    if (!options.json) {
      process.stderr.write(`batch ${handle.workflowId} (follow it in the Temporal UI)\n`);
      bar.start(memberIds.length, 0, { changed: 0, refused: 0 });
    }
    const result = handle.result();
    let finished = false;
    void result.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      const progress = await handle.query(massChangeProgressQuery).catch(() => null);
      if (progress && !options.json)
        bar.update(progress.done, { changed: progress.changed, refused: progress.refused });
      await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 300))]);
    }
    const report = await result;
    if (!options.json) {
      bar.update(report.done, { changed: report.changed, refused: report.refused });
      bar.stop();
    }
    print(options.json ? JSON.stringify(report, null, 2) : formatOutcomes(report, `${action} done`));
  } finally {
    await close();
  }
}

function massCommand(program: Command, name: string, summary: string, description: string, to = false): Command {
  const command = program.command(name).summary(summary).description(`${description}; at least one filter is required`);
  if (to)
    command.addOption(
      new Option('--to <state>', 'the state to move them to').choices(Object.keys(actionFor)).makeOptionMandatory(),
    );
  command
    .requiredOption('--reason <text>', 'why (kept on each member’s timeline)')
    .requiredOption('--by <name>', 'who is acting');
  return addFilterOptions(command, 'members')
    .option('--dry-run', 'show exactly who would change and how; change nothing')
    .option('--concurrency <n>', 'commands in flight at once (1 to 100)', wholeNumber(1, 100), 10);
}

const optionsOf = (command: Command) => command.optsWithGlobals<MassOptions>();

export function registerMassCommands(program: Command): void {
  massCommand(
    program,
    'mass-drop',
    'drop every member the filters select, as one batch',
    'drop every member the filters select (terminated), as one batch',
  ).action((_options: unknown, command: Command) => runMass('drop', optionsOf(command)));
  massCommand(
    program,
    'mass-status-change',
    'move every member the filters select to a state, as one batch',
    'move every member the filters select to a state: suspended (suspend), active (reactivate) or terminated (drop), as one batch',
    true,
  ).action((_options: unknown, command: Command) => {
    const options = optionsOf(command);
    return runMass(actionFor[options.to!], options);
  });
}
