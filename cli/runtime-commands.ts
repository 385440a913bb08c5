// CLI commands on the running product: send events, show a member, import a roster. Each acts for one
// association of the set the worker loads (--config file, else the STANDING_ASSOCIATIONS folder, else
// STANDING_CONFIG, else the samples), chosen by --association; it reaches Temporal by the usual
// settings (TEMPORAL_ADDRESS, ...), in the association's namespace and on its task queue.
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import type { MemberStanding } from '../workflows/messages.js';
import { formatMemberTable, localTime } from '../simulate/table.js';
import { chooseAssociation } from './association.js';
import { BadInput } from './bad-input.js';
import { loadEvents, loadRoster } from './files.js';
import { wholeNumber } from './options.js';
import type { GlobalOptions } from './options.js';

/**
 * The chosen association (chosen before connecting: a command that cannot say which association it
 * means fails as bad input, Temporal up or not), and a client in its namespace that starts its
 * workflows on its task queue, where only workers that hold its settings poll.
 */
export async function open(options: GlobalOptions) {
  // Loaded here, not at start-up: the Temporal client is most of the CLI's start-up time, and
  // `simulate`, `--help` and bad input need none of it.
  const [{ connectClient, connectionNamespace }, { MembershipClient }] = await Promise.all([
    import('../common/temporal-connection.js'),
    import('../client/membership-client.js'),
  ]);
  const loaded = await chooseAssociation(options, connectionNamespace());
  const { client, connection } = await connectClient(loaded.namespace);
  return {
    membership: new MembershipClient(client, loaded.config, loaded.taskQueue),
    client,
    association: loaded.config,
    loaded,
    close: () => connection.close(),
  };
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function formatStanding(standing: MemberStanding, zone: string): string {
  if (!standing.member) return `${standing.associationId}: waiting for a joined or imported event`;
  const lines = [formatMemberTable(standing.member, zone)];
  const ids = Object.entries(standing.providerIds ?? {}).map(([provider, id]) => `${provider} ${id}`);
  if (ids.length > 0) lines.push(`provider ids: ${ids.join(', ')}`);
  if (standing.nextDeadline)
    lines.push(`next: ${standing.nextDeadline.name} at ${localTime(standing.nextDeadline.at, zone)}`);
  if (standing.providerSync) {
    lines.push(`providers: ${standing.providerSync.status}`);
    for (const d of standing.providerSync.deliveries.filter(
      (d) => d.outcome !== 'acknowledged' && d.outcome !== 'superseded',
    )) {
      const detail =
        d.outcome === 'deferred'
          ? ` until ${d.notBefore ? localTime(d.notBefore, zone) : '?'}`
          : d.reason
            ? `: ${d.reason}`
            : '';
      lines.push(`  ${d.provider} ${d.status} (${d.change} at ${localTime(d.at, zone)}) ${d.outcome}${detail}`);
    }
  }
  for (const warning of standing.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

export function registerRuntimeCommands(program: Command): void {
  program
    .command('send')
    .summary('send billing or staff events to the membership workflows')
    .description(
      "send events (JSON Lines or a JSON array) to the membership workflows, every one validated first: each member's events in `at` order, as one batch",
    )
    .argument('<file>', 'events file')
    .action(async (file: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const events = await loadEvents(file);
      const { membership, close } = await open(options);
      try {
        const workflowIds = await membership.sendHistory(events.map(({ event }) => event));
        print(
          options.json
            ? JSON.stringify({ sent: events.length, workflowIds })
            : `sent ${events.length} event(s) to ${workflowIds.length} membership(s)`,
        );
      } finally {
        await close();
      }
    });

  program
    .command('show')
    .summary('show a member: state, timeline, next deadline, provider deliveries')
    .description(
      "show a member: state, member status, paid-through, timeline, next deadline (in the association's time zone) and provider deliveries not yet acknowledged. With --json: { associationId, member, providerIds, nextDeadline, providerSync, warnings }, the member in simulate's shape, its ids at the providers, and every provider delivery with its address and outcome",
    )
    .argument('<memberId>')
    .action(async (memberId: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const { membership, association, close } = await open(options);
      try {
        const standing = await membership.view(memberId);
        if (!standing?.member)
          throw new Error(`no membership ${memberId} in association ${association.association.id}`);
        print(
          options.json ? JSON.stringify(standing, null, 2) : formatStanding(standing, association.association.timezone),
        );
      } finally {
        await close();
      }
    });

  program
    .command('import')
    .summary('onboard existing members from a roster CSV')
    .description(
      'onboard existing members from a roster CSV; members who already have a workflow are skipped, so it can be re-run',
    )
    .argument('<roster>', `CSV with columns memberId, membershipType, role, state, paidThrough, joinDate, memberStatus`)
    .option('--at <datetime>', 'the moment of the import (default: now)')
    .option('--concurrency <n>', 'workflows started at once', wholeNumber(1, 100), 16)
    .action(async (roster: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { at?: string; concurrency: number }>();
      const at = options.at ?? new Date().toISOString();
      if (Number.isNaN(Date.parse(at)))
        throw new BadInput([{ file: 'command line', field: '--at', message: 'must be an ISO 8601 date-time' }]);
      const members = await loadRoster(roster, at);
      const { membership, close } = await open(options);
      const counts = { started: 0, exists: 0 };
      const bar = new SingleBar({
        format: 'importing {bar} {value}/{total} members | {started} started, {exists} already there',
        stream: process.stderr,
        hideCursor: true,
      });
      if (!options.json) bar.start(members.length, 0, counts);
      try {
        const limit = pLimit(options.concurrency);
        await Promise.all(
          members.map((event) =>
            limit(async () => {
              counts[await membership.importMember(event)] += 1;
              if (!options.json) bar.increment(1, counts);
            }),
          ),
        );
      } finally {
        if (!options.json) bar.stop();
        await close();
      }
      print(
        options.json
          ? JSON.stringify(counts)
          : `imported ${counts.started} member(s); ${counts.exists} already had a workflow and were skipped`,
      );
    });
}
