import type { Command } from 'commander';
import type { CliContext } from '../cli-context';

/** `orrery env list|create|install|uninstall|lock|diff|export`. */
export function registerEnvCommands(_program: Command, _ctx: CliContext): void {}
