// `standing simulate`: the association's rules over a billing history on a simulated clock (spec section 8).
import { once } from 'node:events';
import { Option } from 'commander';
import type { Command } from 'commander';
import { z } from 'zod';
import { renderSimulation } from '../simulate/output.js';
import { findBadInput, inTimeOrder, lastEventAt, simulateMembers } from '../simulate/run.js';
import { BadInput } from './bad-input.js';
import { loadAssociationConfig, loadEvents } from './files.js';

const optionsSchema = z.object({
  config: z.string({ error: 'required: the association file (YAML or JSON)' }),
  events: z.string({ error: 'required: the events file (JSON Lines or a JSON array)' }),
  until: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with Z or an offset, like 2026-08-31T00:00:00Z' })
    .optional(),
  format: z.enum(['json', 'table'], { error: 'must be json or table' }),
  json: z.boolean().optional(),
});

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
        field: `--${String(issue.path[0])}`,
        message: issue.message,
      })),
    );
  }
  const options = parsed.data;
  const [association, events] = await Promise.all([loadAssociationConfig(options.config), loadEvents(options.events)]);
  const ordered = inTimeOrder(events);
  const problems = findBadInput(association, options.config, options.events, ordered);
  if (problems.length > 0) throw new BadInput(problems);
  const until = options.until === undefined ? lastEventAt(ordered) : Date.parse(options.until);
  const format = options.json ? 'json' : options.format;
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
      'run the association rules over a billing history on a simulated clock; sends nothing anywhere. --config <file> is required here',
    )
    .requiredOption('--events <file>', 'events, JSON Lines or a JSON array')
    .option('--until <datetime>', 'fire timers up to this moment (default: the last event)')
    .addOption(
      new Option('--format <format>', 'table for people, json for scripts (--json is --format json)')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(async (_options: unknown, command: Command) => {
      await writeAll(await runSimulate(command.optsWithGlobals<SimulateOptions>()));
    });
}
