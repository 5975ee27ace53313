import type { Command } from 'commander';
import type { CliContext } from '../cli-context';

/** `orrery notebook run`. */
export function registerNotebookCommands(_program: Command, _ctx: CliContext): void {}
