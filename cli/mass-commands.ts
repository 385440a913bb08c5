// Mass status change and mass drop: members chosen by the same filters as `standing list`; with
// --dry-run, exactly who would change and how (each member's workflow answers for itself, changing
// nothing), streamed a line per member as visibility pages in, so a board of any size fits in
// memory; otherwise a batch workflow, given the filter, lists and changes the members a page at a
// time, and this command follows its progress and prints what changed and what was refused.
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { MembershipClient } from '../client/membership-client.js';
import type { StaffOutcome } from '../activities/staff.js';
import { workflowTypes } from '../workflows/messages.js';
import type { StaffAction } from '../workflows/messages.js';
import { REPORT_SAMPLE, massChangeProgressQuery } from '../workflows/mass-change.js';
import type { MassChangeReport, massChangeWorkflow } from '../workflows/mass-change.js';
import { BadInput } from './bad-input.js';
import { exitWith } from './exit-status.js';
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

/** A member whose workflow did not answer the dry run's question, even asked again. */
export interface Unanswered {
  readonly memberId: string;
  readonly outcome: 'unanswered';
  readonly reason: string;
}

/** A dry run's lines (`--json`: JSON Lines): one outcome per member as it is known, then the summary. */
export type DryRunLine =
  | StaffOutcome
  | Unanswered
  | {
      readonly action: StaffAction;
      readonly dryRun: true;
      readonly changed: number;
      readonly refused: number;
      readonly unanswered: number;
    };

/** Times a dry run asks a member's workflow before it reports the member unanswered. */
export const DRY_RUN_ATTEMPTS = 3;

/** `mass-status-change --to`: the state, and the staff command that moves a member there. */
const actionFor = { suspended: 'suspend', active: 'reactivate', terminated: 'drop' } as const satisfies Record<
  string,
  StaffAction
>;

/** Members previewed at once. */
export const DRY_RUN_CONCURRENCY = 16;

/**
 * Each member's preview, written as it comes (in the order previews finish): at most
 * DRY_RUN_CONCURRENCY previews and one visibility page are held at a time.
 */
export async function dryRun(
  membership: Pick<MembershipClient, 'preview'>,
  action: StaffAction,
  memberIds: AsyncIterable<string>,
  command: { reason: string; by: string },
  write: (line: StaffOutcome | Unanswered) => void,
  retryPause = 1_000,
): Promise<{ changed: number; refused: number; unanswered: number }> {
  const counts = { changed: 0, refused: 0, unanswered: 0 };
  const inFlight = new Set<Promise<void>>();
  // A query fails when the worker cannot answer in time (busy with a board's worth of workflow
  // tasks, say): asked again after a pause, then reported, so one slow member does not end the run.
  const ask = async (memberId: string): Promise<StaffOutcome | Unanswered> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const p = await membership.preview(memberId, action, { ...command, id: 'dry-run' });
        return p.outcome === 'applied'
          ? { memberId, outcome: 'changed', from: p.from ?? 'none', to: p.to ?? 'none' }
          : { memberId, outcome: 'refused', reason: p.reason ?? 'already applied' };
      } catch (error) {
        if (attempt >= DRY_RUN_ATTEMPTS)
          return { memberId, outcome: 'unanswered', reason: (error as Error).message || String(error) };
        await new Promise((resolve) => setTimeout(resolve, retryPause * attempt));
      }
    }
  };
  for await (const memberId of memberIds) {
    const preview = ask(memberId).then((line) => {
      counts[line.outcome] += 1;
      write(line);
    });
    const tracked: Promise<void> = preview.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= DRY_RUN_CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return counts;
}

/** One outcome as a text line: `member  now -> after`, `member  refused: reason` or `member  unanswered: reason`. */
function outcomeLine(o: StaffOutcome | Unanswered): string {
  return o.outcome === 'changed' ? `${o.memberId}  ${o.from} -> ${o.to}` : `${o.memberId}  ${o.outcome}: ${o.reason}`;
}

function formatReport(report: MassChangeReport, heading: string): string {
  const table = new Table({ head: ['member', 'now', 'after', 'note'], style: { head: [], border: [] } });
  const rows = [
    ...report.changes.map((c) => ({ memberId: c.memberId, row: [c.memberId, c.from, c.to, ''] })),
    ...report.refusals.map((r) => ({ memberId: r.memberId, row: [r.memberId, '', '', `refused: ${r.reason}`] })),
  ].sort((a, b) => a.memberId.localeCompare(b.memberId));
  for (const { row } of rows) table.push(row);
  const sampled =
    report.changed > report.changes.length || report.refused > report.refusals.length
      ? `\n(the first ${REPORT_SAMPLE} changes and refusals; every member's outcome is in the batch's history)`
      : '';
  const cancelled = report.cancelled ? ' (cancelled part-way: only these members were sent the command)' : '';
  return `${table.toString()}${sampled}\n${heading}${cancelled}: ${report.changed} change(s), ${report.refused} refused`;
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

    if (options.dryRun) {
      const command = { reason: options.reason, by: options.by };
      const write = (line: StaffOutcome | Unanswered) => print(options.json ? JSON.stringify(line) : outcomeLine(line));
      const counts = await dryRun(membership, action, membership.memberIds(filter), command, write);
      const summary: DryRunLine = { action, dryRun: true, ...counts };
      if (options.json) print(JSON.stringify(summary));
      else
        print(
          `dry run of ${action} (nothing changed): ${counts.changed} change(s), ${counts.refused} refused${counts.unanswered > 0 ? `, ${counts.unanswered} did not answer (run it again for those)` : ''}`,
        );
      // Incomplete: a script gating on the dry run must not take it as the whole answer.
      if (counts.unanswered > 0) exitWith(1);
      return;
    }

    const associationId = association.association.id;
    const handle = await client.workflow.start<typeof massChangeWorkflow>(workflowTypes.massChange, {
      workflowId: `mass-${action}/${associationId}/${new Date().toISOString()}`,
      // The association's own queue: the batch's activities run only where its settings are held.
      taskQueue: loaded.taskQueue,
      // The filter, not the members: the batch lists them itself, a page per run, however many match.
      args: [{ associationId, action, filter: { ...filter }, reason: options.reason, by: options.by, concurrency }],
      staticSummary: `Mass ${action} of the members of ${associationId} where ${JSON.stringify(filter)}, by ${options.by}: ${options.reason}`,
    });
    const bar = new SingleBar({
      format: `${action} {bar} {value}/{total} | {changed} changed, {refused} refused`,
      stream: process.stderr,
      hideCursor: true,
    });
    if (!options.json) {
      process.stderr.write(`batch ${handle.workflowId} (follow it in the Temporal UI)\n`);
      bar.start(0, 0, { changed: 0, refused: 0 });
    }
    const result = handle.result();
    let finished = false;
    void result.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      const progress = await handle.query(massChangeProgressQuery).catch(() => null);
      if (progress && !options.json) {
        bar.setTotal(Math.max(progress.total, progress.done));
        bar.update(progress.done, { changed: progress.changed, refused: progress.refused });
      }
      await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 300))]);
    }
    const report = await result;
    if (!options.json) {
      bar.setTotal(report.done);
      bar.update(report.done, { changed: report.changed, refused: report.refused });
      bar.stop();
    }
    print(options.json ? JSON.stringify(report, null, 2) : formatReport(report, `${action} done`));
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
    .option('--concurrency <n>', 'commands (Updates) in flight at once (1 to 100)', wholeNumber(1, 100), 10);
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
