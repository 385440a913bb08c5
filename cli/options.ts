// Options more than one command takes: the program's own (--config, --association, --json: accepted
// before or after the command name), the filters that choose members, and counts. Closed sets are commander
// choices, so help lists them and a wrong one is refused before anything connects.
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { providerSyncStatuses } from '../client/member-filter.js';
import { memberStates } from '../schemas/events.js';

/** The program's options, read in every command with `command.optsWithGlobals()`. */
export interface GlobalOptions {
  config?: string;
  /** The id of the association a runtime command acts for (--association, else STANDING_ASSOCIATION). */
  association?: string;
  json?: boolean;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option(
      '--config <file>',
      'one association file, YAML or JSON (default: the STANDING_ASSOCIATIONS folder, else the STANDING_CONFIG file, else examples/associations/)',
    )
    .addOption(
      new Option(
        '--association <id>',
        'the association to act for, by id; needed when more than one is loaded (simulate takes none)',
      ).env('STANDING_ASSOCIATION'),
    )
    .option('--json', 'print the result as JSON, for scripts');
}

/** `--format table|json` for a command that prints for people or for scripts. */
export function formatOption(): Option {
  return new Option('--format <format>', 'table for people, json for scripts (--json is --format json)')
    .choices(['table', 'json'])
    .default('table');
}

/** Whether to print JSON: the program's `--json` or the command's `--format json`. */
export function printsJson(options: { json?: boolean; format?: string }): boolean {
  return options.json === true || options.format === 'json';
}

export interface FilterOptions {
  state?: string;
  type?: string;
  paidThroughBefore?: string;
  providerSync?: string;
}

/** The filters of `list`, `mass-drop` and `mass-status-change`, described as `who` they choose. */
export function addFilterOptions(command: Command, who: string): Command {
  return command
    .addOption(new Option('--state <state>', `${who} in this state`).choices(memberStates))
    .option('--type <code>', `${who} of this membership type`)
    .option('--paid-through-before <date>', `${who} paid through a day before this one (YYYY-MM-DD), or never paid`)
    .addOption(
      new Option(
        '--provider-sync <status>',
        `${who} whose ProviderSync is this (failed: a provider refused an update; undeliverable: a required provider id is missing)`,
      ).choices(providerSyncStatuses),
    );
}

/** A parser for a count option: a whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max)
      throw new InvalidArgumentError(`It must be a whole number from ${min} to ${max}.`);
    return value;
  };
}
