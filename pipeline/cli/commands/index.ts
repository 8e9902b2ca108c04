import type { Command } from 'commander';

/** Every subcommand of `sat`, in the order `sat --help` lists them. */
export const commands: Array<(program: Command) => void> = [];
