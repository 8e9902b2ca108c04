/**
 * The `sat` command line. Each subcommand lives in pipeline/cli/commands/<name>.ts and exports
 * `register(program)`; this file only wires them and turns errors into messages and exit codes.
 */
import { Command, CommanderError } from 'commander';
import { exitCodeFor, isSatError } from '../core/errors.js';
import { codeVersion } from '../core/version.js';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('sat')
    .description('Satellite imagery to official statistics')
    .version(codeVersion())
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander has printed it
    if (isSatError(err)) {
      process.stderr.write(`sat: error: ${err.message}\n`);
    } else {
      process.stderr.write(`sat: internal error (a bug, please report it):\n${(err as Error)?.stack ?? String(err)}\n`);
    }
    return exitCodeFor(err);
  }
}

process.exitCode = await main(process.argv);
