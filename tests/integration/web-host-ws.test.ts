// The web host's WebSocket side: upgrade checks (401/403/404), calls and events through the one
// dispatcher, a seeded fuzz loop of malformed frames, oversized frames, and clean-up of subscriptions.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callNames } from '../../app/contract';
import { seededRandom } from '../../app/lib/random';
import { maxFrameBytes } from '../../main/server/web-host';
import { upgradeStatus, waitFor, WireClient, startHarness, type WebHostHarness } from './web-host-harness';

let harness: WebHostHarness;
let port: number;
let token: string;
let baselineSubscriptions: number;

beforeAll(async () => {
  harness = await startHarness();
  port = harness.host.port;
  token = harness.host.token;
  baselineSubscriptions = harness.core.bus.size;
});

afterAll(async () => {
  await harness?.dispose();
});

describe('web host: WebSocket upgrade', () => {
  it('refuses a missing or wrong token with 401', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws`, { origin: harness.origin })).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=wrong-token-value`, { origin: harness.origin })).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: 'Bearer wrong-token-value' } })).toBe(401);
  });

  it('refuses a foreign Origin with 403, even with the right token', async () => {
    const url = `ws://127.0.0.1:${port}/ws?token=${token}`;
    expect(await upgradeStatus(url, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'null' })).toBe(403);
  });

  it('refuses a missing Origin unless a non-browser client sends a Bearer header', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=${token}`)).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` } })).toBe(101);
  });

  it('opens for the page: its own Origin with the token in the query or the cookie', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws?token=${token}`, { origin: harness.origin })).toBe(101);
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/ws`, { origin: harness.origin, headers: { cookie: `orrery_token=${token}` } })).toBe(101);
  });

  it('answers other paths with 404', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${port}/other?token=${token}`, { origin: harness.origin })).toBe(404);
  });
});

describe('web host: the contract over WebSocket', () => {
  it('answers app.info as the web face', async () => {
    const client = await WireClient.connect(harness);
    const info = await client.value<{ host: string; name: string }>('app.info');
    expect(info).toMatchObject({ name: 'Orrery', host: 'web' });
    await client.close();
  });

  it('creates a project, then project.current names it, and project.changed is delivered', async () => {
    const client = await WireClient.connect(harness);
    client.subscribe('project.changed', '');
    const dir = path.join(harness.base, 'first-project');
    const created = await client.value<{ path: string; name: string }>('project.create', { path: dir, name: 'First' });
    expect(created.name).toBe('First');
    const current = await client.value<{ path: string } | null>('project.current');
    expect(current).toEqual(created);
    await waitFor(() => client.events.some((e) => e.event === 'project.changed'), 'project.changed');
    const event = client.events.find((e) => e.event === 'project.changed')!;
    expect(event.id).toBe('');
    expect((event.payload as { project: { path: string } }).project.path).toBe(created.path);
    await client.close();
  });

  it('answers service errors as {code, message}', async () => {
    const client = await WireClient.connect(harness);
    const result = await client.call('project.open', { path: '/etc' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('path_outside_root');
    await client.close();
  });

  it('stops delivering after unsub, and refuses unknown event names with an error frame', async () => {
    const client = await WireClient.connect(harness);
    client.subscribe('no.such.event', '');
    client.subscribe('settings.changed', '');
    await client.value('settings.update', { terminalFontSize: 15 });
    await waitFor(() => client.events.length === 1, 'settings.changed');
    client.unsubscribe('settings.changed', '');
    await client.value('settings.update', { terminalFontSize: 16 });
    await client.value('app.info');
    expect(client.events).toHaveLength(1);
    expect(client.errors).toHaveLength(1);
    expect(client.errors[0]!.error.code).toBe('invalid_input');
    expect(client.errors[0]!.error.message).toContain('no.such.event');
    await client.close();
  });

  it('runs a terminal: output arrives as terminal.data events for its id', async () => {
    const client = await WireClient.connect(harness);
    await client.value('project.create', { path: path.join(harness.base, 'terminal-project') });
    const terminal = await client.value<{ id: string }>('terminal.create', { cols: 80, rows: 24 });
    client.subscribe('terminal.data', terminal.id);
    client.subscribe('terminal.exit', terminal.id);
    await client.value('terminal.write', { id: terminal.id, data: 'echo orrery-$((6*7))\r' });
    await waitFor(() => client.terminalOutput(terminal.id).includes('orrery-42'), 'orrery-42 in the terminal');
    await client.value('terminal.write', { id: terminal.id, data: 'exit 3\r' });
    await waitFor(() => client.events.some((e) => e.event === 'terminal.exit'), 'terminal.exit');
    expect(client.events.find((e) => e.event === 'terminal.exit')!.payload).toMatchObject({ exitCode: 3 });
    await client.close();
  });

  it('carries a flood of multi-byte characters whole: none is split between pty reads, batches or frames', async () => {
    const client = await WireClient.connect(harness);
    await client.value('project.create', { path: path.join(harness.base, 'terminal-utf8') });
    const terminal = await client.value<{ id: string }>('terminal.create', { cols: 80, rows: 24 });
    client.subscribe('terminal.data', terminal.id);
    client.subscribe('terminal.exit', terminal.id);
    const line = 'é漢😀'.repeat(300);
    // 200 lines of 2,700 bytes: pty reads end at arbitrary bytes, often inside a character.
    const script = `s=$(printf 'é漢😀%.0s' $(seq 300)); for i in $(seq 200); do echo "$s"; done; echo flood-$((6*7)); exit 0\r`;
    await client.value('terminal.write', { id: terminal.id, data: script });
    await waitFor(() => client.events.some((e) => e.event === 'terminal.exit' && e.id === terminal.id), 'the end of the flood', 30_000);
    const output = client.terminalOutput(terminal.id);
    expect(output).toContain('flood-42');
    expect(output).not.toContain('\ufffd');
    const lines = output.split('\r\n');
    // The first line follows the shell's bracketed-paste switch (`ESC[?2004l\r`).
    expect(lines.filter((l) => l.endsWith(line) && l.replace(line, '').length < 10)).toHaveLength(200);
    await client.close();
  });

  it('removes every subscription when a connection closes', async () => {
    const client = await WireClient.connect(harness);
    for (const event of ['project.changed', 'settings.changed', 'task.progress', 'terminal.data']) client.subscribe(event, 'some-id');
    client.subscribe('terminal.data', 'some-id');
    await client.value('app.info');
    expect(harness.core.bus.size).toBe(baselineSubscriptions + 4);
    await client.close();
    await waitFor(() => harness.host.sessionCount === 0, 'the session to end');
    expect(harness.core.bus.size).toBe(baselineSubscriptions);
  });
});

describe('web host: bad frames', () => {
  it('closes a frame over the limit (64 MiB) with 1009 and stays up', async () => {
    const client = await WireClient.connect(harness);
    client.sendRaw(JSON.stringify({ t: 'call', seq: 1, name: 'terminal.write', input: { id: 'x', data: 'a'.repeat(maxFrameBytes + 10) } }));
    await waitFor(() => client.closeCode !== null, 'the oversized frame to close the socket');
    expect(client.closeCode).toBe(1009);
    const next = await WireClient.connect(harness);
    expect(await next.value('app.info')).toMatchObject({ host: 'web' });
    await next.close();
  });

  it('answers 500 seeded random frames with error frames or invalid_input/unknown_call results naming the field, and stays up', async () => {
    const client = await WireClient.connect(harness);
    const random = seededRandom(0x0ee7);
    const expectations = new Map<number, (result: { ok: boolean; error?: { code: string; message: string } }) => void>();
    let expectedErrors = 0;
    for (let seq = 1; seq <= 500; seq++) {
      const kind = Math.floor(random() * 9);
      const name = callNames[Math.floor(random() * callNames.length)]!;
      if (kind === 0) {
        client.sendRaw(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))));
        expectedErrors++;
      } else if (kind === 1) {
        client.sendRaw(`{${randomText(random, 40)}`);
        expectedErrors++;
      } else if (kind === 2) {
        client.sendRaw(JSON.stringify({ t: 'call', seq: -seq, name }));
        expectedErrors++;
      } else if (kind === 3) {
        client.sendRaw(JSON.stringify({ t: 'call', seq, name: `nope.${randomText(random, 12)}`, input: {} }));
        expectations.set(seq, (r) => expect(r.error?.code).toBe('unknown_call'));
      } else if (kind === 4) {
        client.sendRaw(JSON.stringify({ t: 'call', seq, name: Math.floor(random() * 100) }));
        expectations.set(seq, (r) => expect(r.error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('name') }));
      } else if (kind === 5) {
        client.sendRaw(`{"t":"call","seq":${seq},"name":"${name}","input":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}`);
        expectations.set(seq, (r) => expect(r.error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining(name) }));
      } else if (kind === 6) {
        const input = badInputs[Math.floor(random() * badInputs.length)]!;
        client.sendRaw(JSON.stringify({ t: 'call', seq, name, input: input(random) }));
        expectations.set(seq, (r) => expect(r.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(new RegExp(`^${name.replace('.', '\\.')}:`)) }));
      } else if (kind === 7) {
        const [call, field, value] = wrongFields[Math.floor(random() * wrongFields.length)]!;
        client.sendRaw(JSON.stringify({ t: 'call', seq, name: call, input: value(random) }));
        expectations.set(seq, (r) => expect(r.error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining(field) }));
      } else {
        client.sendRaw(JSON.stringify({ t: 'call', seq, name: 'x'.repeat(101 + Math.floor(random() * 20_000)) }));
        expectations.set(seq, (r) => expect(r.error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('name') }));
      }
    }
    expect(await client.value('app.info')).toMatchObject({ host: 'web' });
    await waitFor(() => [...expectations.keys()].every((seq) => client.results.has(seq)), 'every fuzzed call to be answered');
    for (const [seq, check] of expectations) {
      const result = client.results.get(seq)!;
      expect(result.ok, `seq ${seq}`).toBe(false);
      check(result);
    }
    expect(client.errors).toHaveLength(expectedErrors);
    expect(client.errors.every((e) => e.error.code === 'invalid_input')).toBe(true);
    expect(client.closeCode).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await client.value('project.current')).toBeDefined();
    await client.close();
  });
});

/** Inputs no call accepts: every call's input is a strict object (or nothing). */
const badInputs: Array<(random: () => number) => unknown> = [
  (random) => Math.floor(random() * 1e9),
  (random) => randomText(random, 30),
  () => null,
  () => [1, 2, 3],
  () => true,
  (random) => ({ [`unknown_${randomText(random, 6).replace(/\W/g, '')}`]: 1 }),
  (random) => ({ zz: 'x'.repeat(Math.floor(random() * 200_000)) }),
  () => ({ a: { b: { c: { d: { e: [[[[{}]]]] } } } } }),
];

/** A known field with a wrong value: the message must name the field. */
const wrongFields: Array<readonly [string, string, (random: () => number) => unknown]> = [
  ['project.open', 'path', (random) => ({ path: Math.floor(random() * 100) })],
  ['project.open', 'path', () => ({ path: '' })],
  ['project.create', 'path', () => ({})],
  ['project.create', 'name', () => ({ path: '/tmp/x', name: 'n'.repeat(201) })],
  ['project.create', 'sample', () => ({ path: '/tmp/x', sample: 'yes' })],
  ['terminal.write', 'data', () => ({ id: 'term_1', data: 'd'.repeat(1_000_001) })],
  ['terminal.write', 'id', () => ({ id: 5, data: 'x' })],
  ['terminal.resize', 'cols', (random) => ({ id: 'term_1', cols: -Math.floor(random() * 10), rows: 10 })],
  ['terminal.resize', 'rows', () => ({ id: 'term_1', cols: 80, rows: 1.5 })],
  ['settings.update', 'theme', () => ({ theme: 'neon' })],
  ['settings.update', 'terminalFontSize', () => ({ terminalFontSize: 1000 })],
];

function randomText(random: () => number, max: number): string {
  const length = 1 + Math.floor(random() * max);
  return String.fromCharCode(...Array.from({ length }, () => 32 + Math.floor(random() * 95)));
}

