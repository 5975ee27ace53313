import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import { callOrThrow } from '../../../../../main/core/dispatch';
import { createCore } from '../../../../../main/core/core';
import { silentLogger } from '../../../../../main/core/logger';
import { DockerClient, dockerAdvice, dockerConnectOptions, dockerInstalled } from '../../../../../main/services/sandbox/docker';

describe('dockerConnectOptions', () => {
  it('uses the default socket, a unix:// DOCKER_HOST, or a tcp:// one (TLS port when verifying)', () => {
    expect(dockerConnectOptions({})).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerConnectOptions({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(dockerConnectOptions({ DOCKER_HOST: 'tcp://10.0.0.5' })).toEqual({ host: '10.0.0.5', port: '2375', protocol: 'http' });
    expect(dockerConnectOptions({ DOCKER_HOST: 'tcp://h:1234', DOCKER_TLS_VERIFY: '1' })).toEqual({ host: 'h', port: '1234', protocol: 'https' });
  });

  it('refuses a DOCKER_HOST that is not an address', () => {
    expect(() => dockerConnectOptions({ DOCKER_HOST: 'tcp://[bad' })).toThrow(/DOCKER_HOST/);
  });
});

describe('Docker missing or down', () => {
  const base = mkdtemp(path.join(os.tmpdir(), 'orrery-nodocker-'));
  afterAll(async () => rm(await base, { recursive: true, force: true }));

  it('knows Docker is installed from a docker or dockerd program on PATH', async () => {
    const dir = await base;
    expect(await dockerInstalled({ PATH: dir }, [])).toBe(false);
    await writeFile(path.join(dir, 'dockerd'), '#!/bin/sh\n', { mode: 0o755 });
    expect(await dockerInstalled({ PATH: dir }, [])).toBe(true);
    await rm(path.join(dir, 'dockerd'));
  });

  it('says the daemon is not running when the socket does not answer, and require() throws unavailable', async () => {
    const dir = await base;
    const client = new DockerClient({ DOCKER_HOST: `unix://${dir}/none.sock`, PATH: '/usr/bin:/usr/sbin' });
    const state = await client.available();
    expect(state).toMatchObject({ ok: false, problem: 'not_running', message: expect.stringContaining('sudo systemctl start docker') });
    const error = await client.require().catch((caught: unknown) => caught);
    expect(isOrreryError(error) && error.code).toBe('unavailable');
  });

  it('leaves the rest of Orrery working: the core starts, sandbox calls answer unavailable with the advice', async () => {
    const dir = await base;
    const core = createCore({
      host: 'cli',
      env: { PATH: '/usr/bin:/bin', HOME: dir, DOCKER_HOST: `unix://${dir}/none.sock` },
      userHome: path.join(dir, 'orrery'),
      allowedRoots: [dir],
      logger: silentLogger,
    });
    try {
      const ctx = { host: 'cli' as const, clientId: 'test' };
      await callOrThrow(core.dispatch, 'project.create', { path: path.join(dir, 'p'), name: 'p' }, ctx);
      const status = await callOrThrow(core.dispatch, 'sandbox.status', {}, ctx);
      expect(status).toMatchObject({ available: false, problem: 'not_running', gpu: false });
      for (const [name, input] of [
        ['sandbox.exec', { command: ['true'] }],
        ['sandbox.images', {}],
        ['sandbox.ps', {}],
      ] as const) {
        await expect(callOrThrow(core.dispatch, name, input, ctx)).rejects.toMatchObject({ code: 'unavailable', message: dockerAdvice.not_running });
      }
      // The audit log is in the project store and does not need Docker.
      expect(await callOrThrow(core.dispatch, 'sandbox.sessions', {}, ctx)).toEqual([]);
      expect((await callOrThrow(core.dispatch, 'project.current', {}, ctx))?.name).toBe('p');
    } finally {
      await core.dispose();
    }
  });
});
