// `standing export` and `standing verify`: an association's members read back from their own
// workflow histories. Export writes their lifecycle events (spec section 3) and the configurations
// they ran under as JSON Lines, resumable; verify simulates each member by the rules as it ran and
// lists every member whose workflow stands elsewhere, with the first change where the two part.
import { createWriteStream } from 'node:fs';
import { access, truncate } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { countMembers, exportLines, exportMembers } from '../client/export-members.js';
import type { MemberFilter } from '../client/member-filter.js';
import { verifyMember, withFirstDifference } from '../client/verify-member.js';
import type { Divergence } from '../client/verify-member.js';
import type { TimelineEntry } from '../machines/types.js';
import { localTime } from '../simulate/table.js';
import { BadInput } from './bad-input.js';
import { exitWith } from './exit-status.js';
import { resumePoint } from './export-file.js';
import { addFilterOptions, wholeNumber } from './options.js';
import type { FilterOptions, GlobalOptions } from './options.js';
import { open, print } from './runtime-commands.js';
import { filterFrom } from './staff-commands.js';

interface ExportOptions extends GlobalOptions, FilterOptions {
  output?: string;
  resume?: boolean;
  concurrency: number;
}

/** Progress on stderr: a bar on a terminal, else a line every `every` members (logs stay readable). */
function progress(label: string, total: number, every = 1_000) {
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: `${label} {bar} {value}/{total} members`, stream: process.stderr, hideCursor: true })
    : null;
  let count = 0;
  bar?.start(total, 0);
  return {
    tick() {
      count += 1;
      if (bar) bar.increment();
      else if (count % every === 0) process.stderr.write(`${label}: ${count} of ${total} members\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export function registerExportCommands(program: Command): void {
  addFilterOptions(
    program
      .command('export')
      .summary("write the association's lifecycle events, read from the workflows, as JSON Lines")
      .description(
        "write the lifecycle events of the association's members (spec section 3), read from their workflows' own histories (imports, billing signals, staff Updates; continue-as-new followed), each member's in `at` order, with the configurations they ran under (`configuration` and `configured` lines). `standing simulate --events FILE --as-run` runs it. Progress goes to stderr; with --output a stopped export continues with --resume",
      )
      .option('--output <file>', 'write here instead of stdout')
      .option('--resume', 'continue the export in --output where it stopped')
      .option('--concurrency <n>', 'histories read at once', wholeNumber(1, 64), 8),
    'only members',
  ).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<ExportOptions>();
    if (options.resume && !options.output)
      throw new BadInput([
        { file: 'command line', field: '--resume', message: 'needs --output, the file to continue' },
      ]);
    let resume = { done: new Set<string>() as ReadonlySet<string>, versions: new Set<string>(), keepBytes: 0 };
    if (options.output) {
      const exists = await access(options.output).then(
        () => true,
        () => false,
      );
      if (exists && !options.resume)
        throw new BadInput([
          { file: options.output, message: 'exists: --resume continues it; remove it to start again' },
        ]);
      if (exists) {
        resume = await resumePoint(options.output);
        await truncate(options.output, resume.keepBytes);
      }
    }
    const { client, association, close } = await open(options);
    const out = options.output ? createWriteStream(options.output, { flags: 'a' }) : process.stdout;
    const began = performance.now();
    const counts = { members: 0, events: 0, incomplete: 0 };
    try {
      const filter: MemberFilter = filterFrom(association, options);
      const id = association.association.id;
      const total = (await countMembers(client, id, filter)) - resume.done.size;
      const shown = progress('exporting', Math.max(total, 0));
      try {
        for await (const member of exportMembers(client, id, {
          filter,
          skip: resume.done,
          concurrency: options.concurrency,
        })) {
          shown.tick();
          if (member.kind === 'incomplete') {
            counts.incomplete += 1;
            process.stderr.write(`standing: ${member.workflowId} left out: ${member.reason}\n`);
            continue;
          }
          const lines = exportLines(member.history, resume.versions);
          // One write per member: a stopped export cuts at most the last member short (--resume reads it again).
          await write(out, `${lines.join('\n')}\n`);
          counts.members += 1;
          counts.events += member.history.applied.length;
        }
      } finally {
        shown.stop();
      }
    } finally {
      if (out !== process.stdout) {
        out.end();
        await once(out, 'close');
      }
      await close();
    }
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    process.stderr.write(
      `exported ${counts.members} member(s), ${counts.events} event(s) in ${seconds} s${resume.done.size > 0 ? ` (${resume.done.size} already in the file)` : ''}${counts.incomplete > 0 ? `; ${counts.incomplete} left out (above)` : ''}\n`,
    );
    if (counts.incomplete > 0) exitWith(1);
  });

  addFilterOptions(
    program
      .command('verify')
      .summary("check that every member's workflow stands where the rules put it")
      .description(
        "read each member back from its workflow's history (as export does), simulate it by the rules as it ran (each configuration from the moment it arrived, up to the workflow's last step), and list every member whose state, paid-through or member status differs from what its workflow published, with the first change where the two timelines part. Exit status 0 when none differs, 1 when one does. Changes nothing",
      )
      .option('--concurrency <n>', 'histories read at once', wholeNumber(1, 64), 8),
    'only members',
  ).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<ExportOptions>();
    const { client, membership, association, close } = await open(options);
    const zone = association.association.timezone;
    const divergences: Divergence[] = [];
    const incomplete: { workflowId: string; reason: string }[] = [];
    let verified = 0;
    try {
      const filter = filterFrom(association, options);
      const id = association.association.id;
      const shown = progress('verifying', await countMembers(client, id, filter));
      try {
        for await (const member of exportMembers(client, id, { filter, concurrency: options.concurrency })) {
          shown.tick();
          if (member.kind === 'incomplete') {
            incomplete.push(member);
            continue;
          }
          verified += 1;
          const divergence = verifyMember(member.history);
          if (!divergence) continue;
          // Only a member that differs is asked for its timeline (a query wakes its workflow); one
          // that does not answer is listed all the same, without it.
          const standing = await membership.view(member.history.memberId).catch(() => null);
          divergences.push(
            standing?.member ? withFirstDifference(divergence, member.history, standing.member.timeline) : divergence,
          );
        }
      } finally {
        shown.stop();
      }
    } finally {
      await close();
    }
    if (options.json) print(JSON.stringify({ verified, differing: divergences, incomplete }, null, 2));
    else {
      for (const d of divergences) print(describeDivergence(d, zone));
      for (const i of incomplete) print(`${i.workflowId}: not verified: ${i.reason}`);
      print(
        `verified ${verified} member(s): ${divergences.length} differ${divergences.length === 1 ? 's' : ''} from the rules${incomplete.length > 0 ? `; ${incomplete.length} could not be read whole` : ''}`,
      );
    }
    if (divergences.length > 0 || incomplete.length > 0) exitWith(1);
  });
}

function standingText(s: Divergence['live']): string {
  return `${s.state ?? 'none'}, paid through ${s.paidThrough ?? 'never'}, member status ${s.memberStatus ?? 'none'}`;
}

export function describeDivergence(d: Divergence, zone: string): string {
  const lines = [`${d.memberId}: the workflow: ${standingText(d.live)}; the rules: ${standingText(d.simulated)}`];
  if (d.firstDifference) {
    const entry = (e: TimelineEntry | null) =>
      e ? `${e.change} (${e.from} → ${e.to}) at ${localTime(e.at, zone)}, caused by ${e.cause}` : 'nothing';
    lines.push(
      `  first difference, change #${d.firstDifference.index + 1}: the workflow: ${entry(d.firstDifference.live)}; the rules: ${entry(d.firstDifference.simulated)}`,
    );
  }
  for (const e of d.appliedOutOfOrder)
    lines.push(`  event ${e.id} dated ${localTime(e.at, zone)} was applied at ${localTime(e.appliedAt, zone)}`);
  return lines.join('\n');
}
