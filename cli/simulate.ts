// `standing simulate`: the association's rules over a billing history on a simulated clock (spec section 8).
import type { Command } from 'commander';
import { z } from 'zod';
import { findBadInput, inTimeOrder, lastEventAt, simulate } from '../simulate/run.js';
import { formatTable } from '../simulate/table.js';
import { BadInput } from './bad-input.js';
import { loadAssociationConfig, loadEvents } from './files.js';

const optionsSchema = z.object({
  config: z.string(),
  events: z.string(),
  until: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with Z or an offset, like 2026-08-31T00:00:00Z' }).optional(),
  format: z.enum(['json', 'table'], { error: 'must be json or table' }),
  json: z.boolean().optional(),
});

export type SimulateOptions = z.input<typeof optionsSchema>;

/** Runs a simulation and returns what goes on stdout; throws BadInput for anything unusable. */
export async function runSimulate(raw: SimulateOptions): Promise<string> {
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BadInput(parsed.error.issues.map((issue) => ({ file: 'command line', field: `--${String(issue.path[0])}`, message: issue.message })));
  }
  const options = parsed.data;
  const [association, events] = await Promise.all([loadAssociationConfig(options.config), loadEvents(options.events)]);
  const ordered = inTimeOrder(events);
  const problems = findBadInput(association, options.config, options.events, ordered);
  if (problems.length > 0) throw new BadInput(problems);
  const until = options.until === undefined ? lastEventAt(ordered) : Date.parse(options.until);
  const result = simulate(association, ordered, until);
  if (options.json || options.format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  return formatTable(result, association.association.timezone);
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run the association rules over a billing history on a simulated clock; sends nothing anywhere')
    .requiredOption('--config <file>', 'association file (YAML or JSON)')
    .requiredOption('--events <file>', 'events, JSON Lines or a JSON array')
    .option('--until <datetime>', 'fire timers up to this moment (default: the last event)')
    .option('--format <format>', 'json or table', 'table')
    .option('--json', 'same as --format json')
    .action(async (options: SimulateOptions) => {
      process.stdout.write(await runSimulate(options));
    });
}
