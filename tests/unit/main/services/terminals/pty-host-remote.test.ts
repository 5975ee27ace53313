import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../main/core/logger';
import { createRemotePtyHost, type PtyChannel } from '../../../../../main/services/terminals/pty-host-remote';
import type { PtyMessage, PtyRequest } from '../../../../../main/services/terminals/pty-protocol';

/** A channel whose process we can make answer or die, recording what it was sent. */
function fakeChannel() {
  const sent: PtyRequest[] = [];
  let onMessage: (message: unknown) => void = () => undefined;
  let onExit: (code: number | null) => void = () => undefined;
  const channel: PtyChannel = {
    send: (request) => void sent.push(request),
    onMessage: (listener) => void (onMessage = listener),
    onExit: (listener) => void (onExit = listener),
    terminate: () => onExit(null),
  };
  return { channel, sent, answer: (m: PtyMessage) => onMessage(m), die: (code: number | null) => onExit(code) };
}

const spawnRequest = (id: string) => ({ id, file: '/bin/sh', args: [], cwd: '/tmp', env: {}, cols: 80, rows: 24 });

describe('createRemotePtyHost', () => {
  it('fails a spawn at once when the host process dies before answering it', () => {
    const fake = fakeChannel();
    const host = createRemotePtyHost(() => fake.channel, silentLogger);
    const got: PtyMessage[] = [];
    host.onMessage((m) => got.push(m));
    host.spawn(spawnRequest('t1'));
    host.spawn(spawnRequest('t2'));
    fake.answer({ type: 'spawned', id: 't1', pid: 100 });
    fake.die(1);
    expect(got.filter((m) => m.type === 'error' && m.id === 't2')).toHaveLength(1);
    expect(got).toContainEqual({ type: 'exit', id: 't1', exitCode: -1, signal: null });
    expect(got.some((m) => m.type === 'error' && m.id === 't1')).toBe(false);
  });

  it('starts a new process for the next spawn after one died', () => {
    const channels = [fakeChannel(), fakeChannel()];
    let opened = 0;
    const host = createRemotePtyHost(() => channels[opened++]!.channel, silentLogger);
    host.spawn(spawnRequest('a'));
    channels[0]!.die(null);
    host.spawn(spawnRequest('b'));
    expect(opened).toBe(2);
    expect(channels[1]!.sent).toMatchObject([{ type: 'spawn', id: 'b' }]);
  });
});
