// The `standing` command line.
import { Command, CommanderError } from 'commander';
import { BAD_INPUT_EXIT, BadInput } from './bad-input.js';
import { takeExitStatus } from './exit-status.js';
import { registerExportCommands } from './export-commands.js';
import { registerMassCommands } from './mass-commands.js';
import { addGlobalOptions } from './options.js';
import { registerProviderCommands } from './provider-commands.js';
import { registerRuntimeCommands } from './runtime-commands.js';
import { registerStaffCommands } from './staff-commands.js';
import { registerSimulate } from './simulate.js';
import { registerWhatIf } from './what-if.js';
import { registerUnmatchedCommands } from './unmatched-commands.js';

function buildProgram(): Command {
  const program = addGlobalOptions(
    new Command('standing')
      .description('Membership lifecycle engine for associations')
      .exitOverride()
      // Subcommands inherit these settings: each one's help lists --config, --association and --json too.
      .configureHelp({ showGlobalOptions: true })
      .showHelpAfterError('(standing help <command> lists its options)')
      .configureOutput({
        writeOut: (text) => process.stdout.write(text),
        writeErr: (text) => process.stderr.write(text),
      }),
  );
  registerSimulate(program);
  registerRuntimeCommands(program);
  registerProviderCommands(program);
  registerStaffCommands(program);
  registerMassCommands(program);
  registerUnmatchedCommands(program);
  registerExportCommands(program);
  registerWhatIf(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  takeExitStatus();
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return takeExitStatus();
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help ends here too, with exit code 0.
      return error.exitCode === 0 ? 0 : BAD_INPUT_EXIT;
    }
    if (error instanceof BadInput) {
      process.stderr.write(`${error.message}\n`);
      return BAD_INPUT_EXIT;
    }
    // Expected failures (Temporal unreachable, a member that does not exist, a refused command)
    // read as one line; STANDING_DEBUG adds the stack.
    if (error instanceof Error) {
      process.stderr.write(`standing: ${error.message}\n`);
      if (process.env.STANDING_DEBUG) process.stderr.write(`${error.stack ?? ''}\n`);
      return 1;
    }
    process.stderr.write(`standing: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
