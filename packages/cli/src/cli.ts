import yargs from 'yargs';
import { assertReadable } from '@selfj/core/infra';
import { isSelfjError } from '@selfj/core';
import { commands } from './commands/index.js';

/** Builds the `selfj` command and runs it; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const cli = yargs(argv)
    .scriptName('selfj')
    .usage('$0 <command> [options]\n\nSelective instruction following with Self-J: a model that judges its own answers.')
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output (JSON), no progress bars' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Only errors and final results' })
    .demandCommand(1, 'Choose a command (see --help).')
    // Unknown flags are refused by each command before it runs (options/command.ts), with "did you mean".
    .strictCommands()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    // Input files are checked before any command opens a model (which may mean a download).
    .middleware(async (args) => {
      for (const key of ['input', 'pairs', 'config', 'manifest']) {
        const value = args[key];
        if (typeof value === 'string' && value !== '') await assertReadable(value, `--${key} file`);
      }
    })
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err; // handled once, below
      exitCode = 1;
      process.stderr.write(`${msg}\nRun "selfj --help" for usage.\n`);
    });
  for (const command of commands) cli.command(command);
  try {
    await cli.parseAsync();
  } catch (err) {
    // errors thrown by command handlers (validation failures arrive through .fail above)
    exitCode = isSelfjError(err) && err.code === 'ABORTED' ? 130 : 1;
    process.stderr.write(`selfj: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  return exitCode || Number(process.exitCode ?? 0);
}
