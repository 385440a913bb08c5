// CLI commands for provider sync: retry the refused provider commands of one member or of all,
// and run the provider reconciliation now (the worker also runs it nightly on a Schedule).
import type { Command } from 'commander';
import { workflowTypes } from '../workflows/messages.js';
import type { ReconciliationReport } from '../workflows/reconciliation.js';
import type { reconciliationWorkflow } from '../workflows/reconciliation.js';
import { BadInput } from './bad-input.js';
import type { GlobalOptions } from './options.js';
import { open, print } from './runtime-commands.js';

export function registerProviderCommands(program: Command): void {
  program
    .command('retry-sync')
    .summary('send again the provider commands a provider refused')
    .description(
      'send again the provider commands a provider refused (after the cause is fixed), for one member or, with --all, every member whose ProviderSync is failed',
    )
    .argument('[memberId]')
    .option('--all', 'every member of the association whose ProviderSync is failed')
    .action(async (memberId: string | undefined, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { all?: boolean }>();
      if ((memberId === undefined) === (options.all !== true)) {
        throw new BadInput([
          { file: 'command line', field: 'memberId', message: 'name one member, or pass --all (not both)' },
        ]);
      }
      const { membership, close } = await open(options);
      try {
        const members = memberId === undefined ? await membership.membersWithFailedSync() : [memberId];
        const results: { memberId: string; retried: number }[] = [];
        for (const member of members)
          results.push({ memberId: member, ...(await membership.retryProviderSync(member)) });
        const retried = results.reduce((sum, r) => sum + r.retried, 0);
        print(
          options.json
            ? JSON.stringify({ retried, members: results })
            : `re-sent ${retried} refused provider command(s) of ${results.length} member(s)`,
        );
      } finally {
        await close();
      }
    });

  program
    .command('reconcile')
    .summary('compare the providers with what they were told, repair drift, report')
    .description(
      'compare what M1, the MLS and the lockbox hold for every running membership with what they were last told, repair drift, and print what was found',
    )
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { client, loaded, close } = await open(options);
      try {
        const associationId = loaded.id;
        const report = await client.workflow.execute<typeof reconciliationWorkflow>(workflowTypes.reconciliation, {
          workflowId: `reconcile-providers/${associationId}/manual-${new Date().toISOString()}`,
          // In the association's namespace, on its queue: its provider endpoints and keys are held only there.
          taskQueue: loaded.taskQueue,
          args: [{ associationId }],
        });
        print(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
      } finally {
        await close();
      }
    });
}

function formatReport(report: ReconciliationReport): string {
  const lines = [
    `${report.membersChecked} membership(s), ${report.recordsChecked} provider record(s) checked; ${report.driftFound} drifted; ${report.repairsRequested} repair(s) requested`,
    ...report.drift.map(
      (d) => `  ${d.memberId} ${d.provider}: expected ${d.expected}, found ${d.found ?? 'no record'}`,
    ),
  ];
  if (report.driftFound > report.drift.length)
    lines.push(`  … and ${report.driftFound - report.drift.length} more (the first ${report.drift.length} are listed)`);
  if (report.recordsUnsettled > 0)
    lines.push(
      `${report.recordsUnsettled} record(s) skipped: a delivery on its way, a refusal awaiting staff (standing retry-sync), or a missing provider id`,
    );
  if (report.membersWithoutMemo > 0)
    lines.push(
      `${report.membersWithoutMemo} membership(s) from before the reconciliation memo were queried one by one (they keep it from their next step)`,
    );
  for (const u of report.unreadable)
    lines.push(`  could not read ${u.memberId}${u.provider ? ` ${u.provider}` : ''}: ${u.reason}`);
  if (report.unreadableFound > report.unreadable.length)
    lines.push(`  … and ${report.unreadableFound - report.unreadable.length} more could not be read`);
  for (const r of report.repairsNotRequested) lines.push(`  could not ask ${r.memberId} to repair: ${r.reason}`);
  return lines.join('\n');
}
