import type { Command } from 'commander';
import { providerKinds, type Provider } from '../../../app/contract/prompts';
import type { Core } from '../../core/core';
import { cliCall, printJson, usageError, withCore, type CliContext } from '../cli-context';

/** A provider by id or by name (case-insensitive), as the user typed it. */
async function providerFor(core: Core, reference: string, command: Command): Promise<Provider> {
  const providers = await cliCall(core, 'prompt.providers', {});
  const hit = providers.find((p) => p.id === reference) ?? providers.find((p) => p.name.toLowerCase() === reference.toLowerCase());
  if (!hit) {
    const known = providers.map((p) => p.name).join(', ');
    usageError(command, `no provider ${reference}${known ? ` (configured: ${known})` : ''}; add one with orrery prompt provider add.`);
  }
  return hit;
}

function providerLine(provider: Provider): string {
  const key = provider.hasKey ? `key: ${provider.keyStore === 'env' ? `$${provider.keyEnv ?? ''}` : 'stored encrypted'}` : 'no key';
  return `${provider.name.padEnd(24)} ${provider.kind.padEnd(9)} ${provider.baseUrl}  (${key}, id ${provider.id})`;
}

/**
 * `orrery prompt provider list|add|test|remove`: the providers suites and the prompt studio call, kept in the user
 * folder. A key is never taken on the command line (it would stay in the shell's history): `--key-env VAR` makes
 * the provider read the variable at each call, `--store-key-from VAR` stores the variable's value encrypted now.
 */
export function registerProviderCommands(prompt: Command, ctx: CliContext): void {
  const provider = prompt.command('provider').description('LLM providers (OpenAI-compatible, Anthropic, Gemini): list, add, test, remove');

  provider
    .command('list')
    .description('Configured providers (keys are never printed)')
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }) => {
      const providers = await withCore(ctx, 'cli', (core) => cliCall(core, 'prompt.providers', {}));
      if (options.json) return printJson(ctx, providers);
      ctx.io.out(providers.length === 0 ? 'No providers yet: add one with orrery prompt provider add NAME --kind openai --base-url URL\n' : `${providers.map(providerLine).join('\n')}\n`);
    });

  provider
    .command('add')
    .description('Add a provider, or change the one with this name')
    .argument('<name>', 'a name of your choice, used by suites (e.g. OpenAI, local)')
    .requiredOption('--kind <kind>', `the wire protocol: ${providerKinds.join(', ')} (openai also for Ollama, LM Studio, vLLM, llama.cpp, Groq, Together, Mistral)`)
    .requiredOption('--base-url <url>', 'e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1, https://api.anthropic.com, https://generativelanguage.googleapis.com/v1beta')
    .option('--key-env <var>', 'read the key from this environment variable at each call')
    .option('--store-key-from <var>', "store this environment variable's value as the key, encrypted in the user folder")
    .option('--model <model...>', 'models to pin for this provider')
    .option('--timeout-ms <ms>', 'time limit for the first byte and between chunks')
    .action(async (name: string, options: { kind: string; baseUrl: string; keyEnv?: string; storeKeyFrom?: string; model?: string[]; timeoutMs?: string }, command: Command) => {
      if (!(providerKinds as readonly string[]).includes(options.kind)) usageError(command, `--kind ${options.kind}: use one of ${providerKinds.join(', ')}.`);
      let key: string | undefined;
      if (options.storeKeyFrom !== undefined) {
        key = ctx.io.env[options.storeKeyFrom];
        if (!key) usageError(command, `--store-key-from ${options.storeKeyFrom}: that environment variable is not set.`);
      }
      const timeoutMs = options.timeoutMs === undefined ? undefined : Number(options.timeoutMs);
      if (timeoutMs !== undefined && !Number.isInteger(timeoutMs)) usageError(command, `--timeout-ms ${options.timeoutMs}: give milliseconds as a whole number.`);
      const saved = await withCore(ctx, 'cli', async (core) => {
        const existing = (await cliCall(core, 'prompt.providers', {})).find((p) => p.name.toLowerCase() === name.toLowerCase());
        return cliCall(core, 'prompt.saveProvider', {
          ...(existing ? { id: existing.id } : {}),
          name,
          kind: options.kind,
          baseUrl: options.baseUrl,
          ...(key !== undefined ? { key } : {}),
          ...(options.keyEnv !== undefined ? { keyEnv: options.keyEnv } : {}),
          ...(options.model ? { models: options.model } : {}),
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        });
      });
      ctx.io.out(`${providerLine(saved)}\n`);
    });

  provider
    .command('test')
    .description("Check a provider: fetch its model list with its key")
    .argument('<provider>', 'its name or id')
    .action(async (reference: string, _options: unknown, command: Command) => {
      const tested = await withCore(ctx, 'cli', async (core) => {
        const found = await providerFor(core, reference, command);
        return { found, answer: await cliCall(core, 'prompt.testProvider', { id: found.id }) };
      });
      const shown = tested.answer.models.slice(0, 20).join(', ');
      ctx.io.out(`${tested.found.name}: ok in ${Math.round(tested.answer.latencyMs)} ms, ${tested.answer.models.length} models${shown ? `: ${shown}${tested.answer.models.length > 20 ? ', …' : ''}` : ''}\n`);
    });

  provider
    .command('remove')
    .description('Forget a provider and its stored key (or only the key, with --key-only)')
    .argument('<provider>', 'its name or id')
    .option('--key-only', 'delete the stored key and keep the provider')
    .action(async (reference: string, options: { keyOnly?: boolean }, command: Command) => {
      const line = await withCore(ctx, 'cli', async (core) => {
        const found = await providerFor(core, reference, command);
        if (options.keyOnly) return `${providerLine(await cliCall(core, 'prompt.removeKey', { id: found.id }))}\n`;
        await cliCall(core, 'prompt.removeProvider', { id: found.id });
        return `Removed ${found.name}.\n`;
      });
      ctx.io.out(line);
    });
}
