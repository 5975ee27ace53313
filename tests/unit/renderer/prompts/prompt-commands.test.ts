import { describe, expect, it } from 'vitest';
import { buildCommands, commandForKey, type CommandHost } from '../../../../renderer/app/commands';
import { createAppStore } from '../../../../renderer/store/store';
import { fakeClient, settle } from '../fake-client';

function host() {
  const fake = fakeClient({ 'task.cancel': () => ({ ok: true }) });
  const store = createAppStore(fake.client);
  const commandHost: CommandHost = { store, reloadWindow: () => undefined, newTerminal: () => undefined };
  return { fake, store, commands: buildCommands(commandHost) };
}

describe('prompt studio commands', () => {
  it('are in the palette and open the panel they act on', async () => {
    const { store, commands } = host();
    const byTitle = (title: string) => commands.find((c) => c.title === title)!;
    for (const title of ['New Prompt', 'Run Prompt', 'Save Prompt Version', 'Cancel Prompt Run', 'Show Prompt History', 'Show Prompt Suites', 'Show LLM Providers', 'Show Token Usage and Prices']) {
      expect(byTitle(title)?.category).toBe('Prompts');
    }
    await byTitle('Show Prompt Suites').run();
    expect(store.getState().activeTab).toBe('prompts');
    expect(store.getState().promptPanel).toBe('suites');
    store.getState().editDraft({ name: 'half-written' });
    await byTitle('New Prompt').run();
    expect(store.getState().promptPanel).toBe('prompts');
    expect(store.getState().draft.name).toBe('');
    // Run without a model: the playground says what is missing instead of calling the host.
    await byTitle('Run Prompt').run();
    await settle();
    expect(store.getState().playground?.error).toMatch(/Model 1: choose a provider/);
  });

  it('leave Ctrl+Enter to the editor (notebooks run cells with it)', () => {
    const { commands } = host();
    const event = { key: 'Enter', code: 'Enter', ctrlKey: true, metaKey: false, shiftKey: false, altKey: false };
    expect(commandForKey(commands, event, { mac: false, inTerminal: false })).toBeNull();
  });
});
