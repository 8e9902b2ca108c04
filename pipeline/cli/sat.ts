/**
 * The `sat` command line. Each subcommand lives in pipeline/cli/commands/<name>.ts and exports
 * `register(program)`; this file only wires them and turns errors into messages and exit codes.
 */
import { Command, CommanderError } from 'commander';
import { exitCodeFor, isSatError } from '../core/errors.js';
import { codeVersion } from '../core/version.js';
import { commands } from './commands/index.js';

/**
 * The program with the subcommand `argv` names (its module alone is loaded), or with every subcommand when it names
 * none we know (help, a typo, an option first): commander then lists or suggests them.
 */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('sat')
    .description('Satellite imagery to official statistics')
    .version(codeVersion())
    .showHelpAfterError()
    .exitOverride();
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const named = commands.filter((c) => first !== undefined && c.names.includes(first));
  for (const module of await Promise.all((named.length ? named : commands).map((c) => c.load()))) module.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
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
