// `standing simulate`: the association's rules over a billing history on a simulated clock (spec section 8).
import { once } from 'node:events';
import type { Command } from 'commander';
import { z } from 'zod';
import { renderSimulation } from '../simulate/output.js';
import {
  configurationsTaken,
  findBadInput,
  inTimeOrder,
  lastEventAt,
  simulateMembers,
  simulateMembersAsRun,
} from '../simulate/run.js';
import { byMember } from '../simulate/by-member.js';
import { BadInput } from './bad-input.js';
import { loadAssociationConfig, loadHistory } from './files.js';
import { formatOption, printsJson } from './options.js';

const untilMessage = 'must be now or an ISO 8601 date-time with Z or an offset, like 2026-08-31T00:00:00Z';
/** `--until`: a date-time, or `now` (the moment the command runs). */
export const untilSchema = z.union([z.literal('now'), z.iso.datetime({ offset: true, error: untilMessage })], {
  error: untilMessage,
});

const optionsSchema = z
  .object({
    config: z.string().optional(),
    events: z.string({ error: 'required: the events file (JSON Lines or a JSON array; - for standard input)' }),
    until: untilSchema.optional(),
    format: z.enum(['json', 'table'], { error: 'must be json or table' }),
    json: z.boolean().optional(),
    asRun: z.boolean().optional(),
  })
  .superRefine((options, ctx) => {
    if (options.asRun && options.config !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['config'],
        message: 'give --config or --as-run, not both: --as-run runs each member under the configurations it ran under',
      });
    if (!options.asRun && options.config === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['config'],
        message: 'required: the association file (YAML or JSON), or --as-run over an export',
      });
  });

/** `--until` as an instant: `now` is the moment the command runs. */
export function untilInstant(until: string | undefined, fallback: number): number {
  return until === undefined ? fallback : until === 'now' ? Date.now() : Date.parse(until);
}

type SimulateOptions = z.input<typeof optionsSchema>;

/**
 * Checks every input first (throwing BadInput before anything is written), then returns the
 * output chunks, computed one member at a time as they are consumed.
 */
async function runSimulate(raw: SimulateOptions): Promise<Iterable<string>> {
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BadInput(
      parsed.error.issues.map((issue) => ({
        file: 'command line',
        field: `--${issue.path[0] === 'asRun' ? 'as-run' : String(issue.path[0])}`,
        message: issue.message,
      })),
    );
  }
  const options = parsed.data;
  const history = await loadHistory(options.events);
  const ordered = inTimeOrder(history.events);
  const format = printsJson(options) ? 'json' : 'table';
  const until = untilInstant(options.until, lastEventAt(ordered));
  if (options.asRun) {
    const { byMember: configurations, problems } = configurationsTaken(history, options.events);
    // Each member's events checked against the configuration it started under.
    for (const [memberId, events] of byMember(ordered, ({ event }) => event.memberId)) {
      const first = configurations.get(memberId)?.[0];
      if (first) problems.push(...findBadInput(first.association, 'its configuration', options.events, events));
    }
    if (problems.length > 0) throw new BadInput(problems);
    const zone = [...history.configurations.values()][0]?.association.timezone ?? 'UTC';
    return renderSimulation(simulateMembersAsRun(configurations, ordered, until), format, zone);
  }
  const config = options.config!;
  const association = await loadAssociationConfig(config);
  const problems = findBadInput(association, config, options.events, ordered);
  if (problems.length > 0) throw new BadInput(problems);
  return renderSimulation(simulateMembers(association, ordered, until), format, association.association.timezone);
}

/** Writes chunks to stdout, waiting whenever the pipe is full so memory stays flat. */
async function writeAll(chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
  }
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .summary('run the rules over a billing history on a simulated clock')
    .description(
      'run the association rules over a billing history on a simulated clock; sends nothing anywhere. --config <file> is required here, unless --as-run runs an export under the configurations it holds',
    )
    .requiredOption(
      '--events <file>',
      'events, JSON Lines or a JSON array, or an export (standing export); - reads standard input',
    )
    .option('--until <datetime>', 'fire timers up to this moment, or now (default: the last event)')
    .option('--as-run', "an export's members, each under the configurations it ran under (instead of --config)")
    .addOption(formatOption())
    .action(async (_options: unknown, command: Command) => {
      await writeAll(await runSimulate(command.optsWithGlobals<SimulateOptions>()));
    });
}
