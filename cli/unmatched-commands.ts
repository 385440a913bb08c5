// `standing unmatched`: the billing events the gateway received for the association but could not
// apply to a member (a Stripe event naming none), each open until staff dismiss it.
import type { Command } from 'commander';
import { BadInput } from './bad-input.js';
import type { GlobalOptions } from './options.js';
import { open, print } from './runtime-commands.js';

export function registerUnmatchedCommands(program: Command): void {
  program
    .command('unmatched')
    .summary('list billing events that named no member (or dismiss one)')
    .description(
      'list the billing events the gateway received for this association but could not apply to a member (a Stripe event naming none, or naming another association), oldest first; with --dismiss, close one once dealt with (sent on /events for the right member, say)',
    )
    .option('--dismiss <eventId>', "the billing system's event id (Stripe's evt_...) of the report to close")
    .option('--by <name>', 'who dismisses it (kept with the report)')
    .option('--reason <text>', 'why (kept with the report)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { dismiss?: string; by?: string; reason?: string }>();
      if (options.dismiss === undefined && (options.by !== undefined || options.reason !== undefined))
        throw new BadInput([
          { file: 'command line', field: 'dismiss', message: '--by and --reason go with --dismiss <eventId>' },
        ]);
      const { client, loaded, close } = await open(options);
      try {
        const { UnmatchedBillingClient } = await import('../client/unmatched-billing.js');
        const unmatched = new UnmatchedBillingClient(client, loaded.id, loaded.taskQueue);
        if (options.dismiss !== undefined) {
          const outcome = await unmatched.dismiss(options.dismiss, {
            ...(options.by === undefined ? {} : { by: options.by }),
            ...(options.reason === undefined ? {} : { reason: options.reason }),
          });
          print(
            options.json
              ? JSON.stringify(outcome)
              : `dismissed ${outcome.report.source} ${outcome.report.eventType} ${outcome.report.eventId}`,
          );
          return;
        }
        const reports = await unmatched.open();
        print(
          options.json
            ? JSON.stringify(reports)
            : reports.length === 0
              ? `no unmatched billing events for ${loaded.id}`
              : reports.map((r) => `${r.receivedAt}  ${r.source} ${r.eventType} ${r.eventId}: ${r.reason}`).join('\n'),
        );
      } finally {
        await close();
      }
    });
}
