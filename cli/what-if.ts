// `standing what-if --config NEW.yaml`: a proposed configuration tried on the association's real
// history before it is turned on. Each member is simulated under the configuration it runs under
// now and under the proposed one, over its own events (an export file, or read live from the
// workflows as `standing export` reads them), and the report says what would differ. It changes
// nothing anywhere; exit status 0 when nothing would differ, 1 when something would, 2 bad input.
import type { Command } from 'commander';
import type { MemberView } from '../machines/view.js';
import type { AssociationConfig } from '../schemas/association.js';
import type { LifecycleEvent } from '../schemas/events.js';
import type { InputError, LocatedEvent, ParsedHistory } from '../schemas/parse.js';
import { simulateMemberAsRun } from '../simulate/as-run.js';
import { byMember, inMemberOrder } from '../simulate/by-member.js';
import { findBadInput, inTimeOrder } from '../simulate/run.js';
import { localTime } from '../simulate/table.js';
import { WhatIfTally, compareMember } from '../simulate/what-if.js';
import type { MemberWhatIf, WhatIfReport } from '../simulate/what-if.js';
import { BadInput } from './bad-input.js';
import { exitWith } from './exit-status.js';
import { loadAssociationConfig, loadHistory } from './files.js';
import { formatOption, printsJson } from './options.js';
import type { GlobalOptions } from './options.js';
import { open, print } from './runtime-commands.js';
import { untilInstant, untilSchema } from './simulate.js';

interface WhatIfOptions extends GlobalOptions {
  events?: string;
  current?: string;
  until?: string;
  format: 'table' | 'json';
}

/** One member's history: its events, and the configuration it runs under now (unless --current names one). */
interface MemberInput {
  readonly memberId: string;
  readonly events: readonly LifecycleEvent[];
  readonly current: AssociationConfig | undefined;
}

const commandLine = (field: string, message: string): InputError => ({ file: 'command line', field, message });

function simulateUnder(association: AssociationConfig, member: MemberInput, until: number): MemberView | null {
  return simulateMemberAsRun(member.memberId, [{ association, at: '1970-01-01T00:00:00Z' }], member.events, until);
}

/** An export file's members (its events in time order), each with the configuration of its last `configured` line. */
function membersOfFile(history: ParsedHistory, ordered: readonly LocatedEvent[]): MemberInput[] {
  const latest = new Map<string, AssociationConfig>();
  for (const { configured } of history.configured)
    latest.set(configured.memberId, history.configurations.get(configured.version)!);
  const events = byMember(
    ordered.map(({ event }) => event),
    (event) => event.memberId,
  );
  return inMemberOrder(events.keys()).map((memberId) => ({
    memberId,
    events: events.get(memberId)!,
    current: latest.get(memberId),
  }));
}

function checkAgainst(proposed: AssociationConfig, current: AssociationConfig, configFile: string): void {
  if (proposed.association.id !== current.association.id)
    throw new BadInput([
      {
        file: configFile,
        field: 'association.id',
        message: `is ${proposed.association.id}, but the members run under association ${current.association.id}: a proposed configuration is a new version of their own`,
      },
    ]);
}

export function registerWhatIf(program: Command): void {
  program
    .command('what-if')
    .summary('try a proposed configuration on the association’s real history; changes nothing')
    .description(
      "simulate every member under the configuration it runs under now and under the proposed one (--config NEW.yaml), over its own events (--events, an export or an events file; else read from the workflows as standing export reads them), and report what would differ: members by change and year, each affected member's first point where the timelines part, the provider commands that would or would not have gone out. Exit status 0 when nothing would differ, 1 when something would. Changes nothing anywhere",
    )
    .option(
      '--events <file>',
      'an export (standing export) or events file; - reads standard input (default: read live)',
    )
    .option('--current <file>', 'the current configuration (default: the one each member runs under, from the export)')
    .option('--until <datetime>', 'simulate up to this moment, or now (default: now)')
    .addOption(formatOption())
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<WhatIfOptions>();
      if (!options.config)
        throw new BadInput([commandLine('--config', 'required: the proposed association file (YAML or JSON)')]);
      const until = untilSchema.safeParse(options.until ?? 'now');
      if (!until.success) throw new BadInput([commandLine('--until', until.error.issues[0]!.message)]);
      const moment = untilInstant(until.data, Date.now());
      const proposed = await loadAssociationConfig(options.config);
      const given = options.current ? await loadAssociationConfig(options.current) : undefined;
      if (given) checkAgainst(proposed, given, options.config);
      const zone = proposed.association.timezone;
      const tally = new WhatIfTally();
      const compare = (member: MemberInput) => {
        const current = given ?? member.current;
        if (!current) throw new Error(`member ${member.memberId} has no current configuration: give --current`);
        checkAgainst(proposed, current, options.config!);
        tally.add(compareMember(simulateUnder(current, member, moment), simulateUnder(proposed, member, moment), zone));
      };

      if (options.events) {
        const history = await loadHistory(options.events);
        const ordered = inTimeOrder(history.events);
        const members = membersOfFile(history, ordered);
        const problems = findBadInput(proposed, options.config, options.events, ordered);
        if (!given && members.some((m) => !m.current))
          problems.push(
            commandLine(
              '--current',
              `${options.events} has no configuration lines (not an export): name the current file`,
            ),
          );
        if (problems.length > 0) throw new BadInput(problems);
        for (const member of members) compare(member);
      } else {
        const { exportMembers } = await import('../client/export-members.js');
        const { client, association, close } = await open(options);
        try {
          for await (const member of exportMembers(client, association.association.id)) {
            if (member.kind === 'incomplete') {
              process.stderr.write(`standing: ${member.workflowId} left out: ${member.reason}\n`);
              continue;
            }
            const { history } = member;
            const events = history.applied.map(({ event }) => event);
            const undefinedTypes = findBadInput(
              proposed,
              options.config,
              member.workflowId,
              inTimeOrder(events.map((event, line) => ({ line: line + 1, event }))),
            );
            if (undefinedTypes.length > 0) throw new BadInput(undefinedTypes);
            compare({ memberId: history.memberId, events, current: history.configurations.at(-1)?.association });
          }
        } finally {
          await close();
        }
      }

      const report = tally.report();
      const json = printsJson(options);
      print(
        json
          ? JSON.stringify({ until: new Date(moment).toISOString(), ...report }, null, 2)
          : describe(report, zone, moment),
      );
      if (report.differing > 0) exitWith(1);
    });
}

function entryText(entry: MemberWhatIf['parting']['current'], zone: string): string {
  return entry
    ? `${entry.change} (${entry.from} → ${entry.to}) at ${localTime(entry.at, zone)}, by ${entry.cause}`
    : 'no further change';
}

function commandsText(commands: MemberWhatIf['commandsSent'], zone: string): string {
  return commands.map((c) => `${c.provider} ${c.status} at ${localTime(c.at, zone)}`).join('; ');
}

/** The report for people: the counts first, then each affected member. */
export function describe(report: WhatIfReport, zone: string, until: number): string {
  const lines = [
    `${report.members} member(s) simulated up to ${localTime(new Date(until).toISOString(), zone)} under the current and the proposed configuration: ${report.differing === 0 ? 'nothing would differ' : `${report.differing} would differ`}`,
  ];
  if (report.differing === 0) return lines.join('\n');
  lines.push('');
  for (const { change, members } of report.changes) lines.push(`${String(members).padStart(6)}  ${change}`);
  for (const m of report.affected) {
    lines.push('');
    lines.push(
      `${m.memberId}: now ${m.current.state ?? 'none'} → ${m.proposed.state ?? 'none'}, paid through ${m.current.paidThrough ?? 'never'} → ${m.proposed.paidThrough ?? 'never'}, member status ${m.current.memberStatus ?? 'none'} → ${m.proposed.memberStatus ?? 'none'}`,
    );
    lines.push(
      `  the timelines part at change #${m.parting.index + 1}: current ${entryText(m.parting.current, zone)}; proposed ${entryText(m.parting.proposed, zone)}`,
    );
    if (m.commandsNotSent.length > 0) lines.push(`  would not have gone out: ${commandsText(m.commandsNotSent, zone)}`);
    if (m.commandsSent.length > 0) lines.push(`  would have gone out: ${commandsText(m.commandsSent, zone)}`);
  }
  return lines.join('\n');
}
