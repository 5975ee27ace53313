// Backpressure: a client that stops reading while a terminal prints megabytes gets every byte, in order,
// once it reads again (queued output is joined, not dropped); one that never catches up is closed with 1013.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, WireClient, startHarness, type WebHostHarness } from './web-host-harness';

let harness: WebHostHarness | null = null;

afterEach(async () => {
  await harness?.dispose();
  harness = null;
});

/** Opens a project and a terminal over the wire, subscribed to its output and exit. */
async function terminalFor(h: WebHostHarness, client: WireClient): Promise<string> {
  await client.value('project.create', { path: path.join(h.base, 'project') });
  const terminal = await client.value<{ id: string }>('terminal.create', { cols: 200, rows: 50 });
  client.subscribe('terminal.data', terminal.id);
  client.subscribe('terminal.exit', terminal.id);
  await client.value('app.info');
  return terminal.id;
}

/** Resolves once the service published the terminal's exit (the host side, independent of the paused client). */
function exitedOnHost(h: WebHostHarness, id: string): Promise<void> {
  return new Promise((resolve) => {
    const off = h.core.bus.subscribe('terminal.exit', id, () => {
      off();
      resolve();
    });
  });
}

const lines = 1_100_000;

/** The lines of output that are just a number (the prompt, the echoed command and escapes removed). */
function printedNumbers(output: string): number[] {
  return output
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
    .split(/[\r\n]+/)
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
}

describe('web host: backpressure', () => {
  it('delivers every byte of a large output, in order, to a client that paused reading', async () => {
    harness = await startHarness({ outboxLimits: { highWater: 16 * 1024, maxQueued: 512 * 1024 * 1024 } });
    const client = await WireClient.connect(harness);
    const id = await terminalFor(harness, client);
    const exited = exitedOnHost(harness, id);
    client.ws.pause();
    client.ws.send(JSON.stringify({ t: 'call', seq: 1, name: 'terminal.write', input: { id, data: `seq 1 ${lines}; exit\r` } }));
    await exited;
    client.ws.resume();
    await waitFor(() => client.events.some((e) => e.event === 'terminal.exit'), 'terminal.exit to reach the client', 60_000);
    const numbers = printedNumbers(client.terminalOutput(id));
    expect(numbers.length).toBe(lines);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
    expect(client.closeCode).toBeNull();
  }, 120_000);

  it('closes a client that never catches up with 1013 instead of queueing without bound; it reconnects and redraws', async () => {
    harness = await startHarness({ outboxLimits: { highWater: 16 * 1024, maxQueued: 256 * 1024 } });
    const client = await WireClient.connect(harness);
    const id = await terminalFor(harness, client);
    const exited = exitedOnHost(harness, id);
    client.ws.pause();
    client.ws.send(JSON.stringify({ t: 'call', seq: 1, name: 'terminal.write', input: { id, data: `seq 1 ${lines}; exit\r` } }));
    await exited;
    client.ws.resume();
    await waitFor(() => client.closeCode !== null, 'the host to give up on the client', 60_000);
    expect(client.closeCode).toBe(1013);
    // What did arrive is a gap-free prefix: output stopped with a reason, it was not thinned out.
    const numbers = printedNumbers(client.terminalOutput(id));
    // (The last line may be cut where the stream stopped.)
    expect(numbers.length).toBeLessThan(lines);
    expect(numbers.length).toBeGreaterThan(1);
    expect(numbers.slice(0, -1).every((n, i) => n === i + 1)).toBe(true);
    expect(String(numbers.length).startsWith(String(numbers[numbers.length - 1]))).toBe(true);
    const again = await WireClient.connect(harness);
    const replay = await again.value<{ data: string }>('terminal.replay', { id });
    expect(replay.data).toContain(`${lines}`);
    await again.close();
  }, 120_000);
});
