// Staff commands on one member (suspend, reactivate, drop, change-type, change-provider-ids) and `standing list`. A
// command is a workflow Update: it prints the member's new state, or the reason it was refused
// (exit 1), before anything reached the member's history.
import Table from 'cli-table3';
import type { Command } from 'commander';
import { filterProblems } from '../client/member-filter.js';
import type { MemberFilter } from '../client/member-filter.js';
import type { MemberSummary, MembershipClient, StaffOptions } from '../client/membership-client.js';
import type { MemberView } from '../machines/view.js';
import { providerIdsChangeSchema } from '../schemas/events.js';
import type { ProviderIds } from '../schemas/events.js';
import { check } from '../schemas/validate.js';
import { BadInput } from './bad-input.js';
import { addFilterOptions } from './options.js';
import type { FilterOptions, GlobalOptions } from './options.js';
import { open, print } from './runtime-commands.js';

type StaffAction = (membership: MembershipClient, memberId: string, options: StaffOptions) => Promise<MemberView>;

interface StaffCommandOptions extends GlobalOptions {
  reason?: string;
  by?: string;
  id?: string;
}

/** "S0001: active → suspended (member status Renewed, paid through 2027-03-31)". */
function describeChange(memberId: string, before: string | undefined, view: MemberView): string {
  const moved = before && before !== view.state ? `${before} → ${view.state}` : view.state;
  return `${memberId}: ${moved} (member status ${view.memberStatus ?? 'none'}, paid through ${view.paidThrough ?? 'never'})`;
}

async function runStaff(
  memberId: string,
  options: StaffCommandOptions,
  action: StaffAction,
  describe: (memberId: string, before: string | undefined, view: MemberView) => string = describeChange,
): Promise<void> {
  const { membership, association, close } = await open(options);
  try {
    const before = await membership.view(memberId);
    if (!before?.member) throw new Error(`no membership ${memberId} in association ${association.association.id}`);
    const staff: StaffOptions = {
      ...(options.reason ? { reason: options.reason } : {}),
      ...(options.by ? { by: options.by } : {}),
      ...(options.id ? { id: options.id } : {}),
    };
    const view = await action(membership, memberId, staff).catch(async (error: unknown) => {
      const { updateRefusal } = await import('../client/update-refusal.js');
      const reason = updateRefusal(error);
      if (reason !== null) throw new Error(`${memberId}: refused: ${reason}`, { cause: error });
      if (error instanceof Error && error.name === 'WorkflowNotFoundError')
        throw new Error(`no running membership ${memberId} in association ${association.association.id}`, {
          cause: error,
        });
      throw error;
    });
    print(options.json ? JSON.stringify(view, null, 2) : describe(memberId, before.member.state, view));
  } finally {
    await close();
  }
}

function staffCommand(program: Command, name: string, description: string, reasonRequired: boolean): Command {
  const command = program.command(name).description(description).argument('<memberId>');
  if (reasonRequired) command.requiredOption('--reason <text>', 'why (kept on the member’s timeline and history)');
  else command.option('--reason <text>', 'why');
  return command
    .requiredOption('--by <name>', 'who is acting')
    .option('--id <id>', 'command id: the same id again applies once (default: a new one)');
}

/** The command's options with the program's; commander passes the command last to an action. */
const optionsOf = (command: Command) => command.optsWithGlobals<StaffCommandOptions>();

export function registerStaffCommands(program: Command): void {
  staffCommand(program, 'suspend', 'suspend a member (active or past due)', true).action(
    (memberId: string, _options: unknown, command: Command) =>
      runStaff(memberId, optionsOf(command), (m, id, o) => m.suspend(id, o)),
  );
  staffCommand(
    program,
    'reactivate',
    'reactivate a suspended or terminated member, if the rules allow it',
    false,
  ).action((memberId: string, _options: unknown, command: Command) =>
    runStaff(memberId, optionsOf(command), (m, id, o) => m.reactivate(id, o)),
  );
  staffCommand(program, 'drop', 'drop a member (terminated)', true).action(
    (memberId: string, _options: unknown, command: Command) =>
      runStaff(memberId, optionsOf(command), (m, id, o) => m.drop(id, o)),
  );
  program
    .command('change-type')
    .description('change a member’s membership type (one the association defines)')
    .argument('<memberId>')
    .argument('<type>')
    .option('--by <name>', 'who is acting')
    .option('--id <id>', 'command id: the same id again applies once (default: a new one)')
    .action((memberId: string, type: string, _options: unknown, command: Command) =>
      runStaff(memberId, optionsOf(command), (m, id, o) => m.changeType(id, type, o)),
    );

  staffCommand(
    program,
    'change-provider-ids',
    'set a member’s ids at the providers; each new id gets the member’s current status there (the old id is told nothing)',
    true,
  )
    .option('--m1 <id>', 'NRDS ID at M1 (9 digits)')
    .option('--mls <id>', 'MLS member key')
    .option('--lockbox <id>', 'lockbox user or card id')
    .action((memberId: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<StaffCommandOptions & ProviderIds>();
      const providerIds = providerIdsFrom(options);
      const set = Object.entries(providerIds)
        .map(([provider, id]) => `${provider} ${id}`)
        .join(', ');
      return runStaff(
        memberId,
        options,
        (m, id, o) => m.changeProviderIds(id, providerIds, o),
        (id, before, view) => `${describeChange(id, before, view)}; provider ids set: ${set}`,
      );
    });

  addFilterOptions(
    program.command('list').description('list running memberships from Temporal visibility, by filters'),
    'memberships',
  ).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<GlobalOptions & FilterOptions>();
    const { membership, association, close } = await open(options);
    try {
      const members = await membership.list(filterFrom(association, options));
      print(options.json ? JSON.stringify(members, null, 2) : formatMembers(members));
    } finally {
      await close();
    }
  });
}

/** The filter the options name, or bad input naming each option that is wrong. */
export function filterFrom(association: Parameters<typeof filterProblems>[0], options: FilterOptions): MemberFilter {
  const input = Object.fromEntries(
    Object.entries({
      state: options.state,
      type: options.type,
      paidThroughBefore: options.paidThroughBefore,
      providerSync: options.providerSync,
    }).filter(([, value]) => value !== undefined),
  );
  const problems = filterProblems(association, input);
  if (problems.length > 0)
    throw new BadInput(problems.map((p) => ({ file: 'command line', field: p.option, message: p.message })));
  return input as MemberFilter;
}

/** The ids --m1, --mls and --lockbox give (at least one), or bad input naming the option. */
function providerIdsFrom(options: ProviderIds): ProviderIds {
  const given = Object.fromEntries(
    (['m1', 'mls', 'lockbox'] as const).filter((p) => options[p] !== undefined).map((p) => [p, options[p]]),
  );
  const checked = check(providerIdsChangeSchema, given);
  if (checked.ok) return checked.value;
  throw new BadInput(
    checked.problems.map((p) => ({
      file: 'command line',
      field: p.field === '' ? '--m1, --mls, --lockbox' : `--${p.field}`,
      message: p.message,
    })),
  );
}

function formatMembers(members: readonly MemberSummary[]): string {
  const table = new Table({
    head: ['member', 'state', 'type', 'role', 'member status', 'paid through', 'providers'],
    style: { head: [], border: [] },
  });
  for (const m of members)
    table.push([
      m.memberId,
      m.state ?? '',
      m.membershipType ?? '',
      m.role ?? '',
      m.memberStatus ?? '',
      m.paidThrough ?? '',
      m.providerSync ?? '',
    ]);
  return `${table.toString()}\n${members.length} membership(s)`;
}
