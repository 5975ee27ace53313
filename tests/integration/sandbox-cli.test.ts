// `orrery sandbox exec|images|ps|prune` on the real Docker daemon, through the command definitions the CLI
// registers (commander + the same core the CLI builds), with the output captured.
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../main/core/core';
import { silentLogger } from '../../main/core/logger';
import type { CliContext } from '../../main/server/cli-context';
import { CommandExit } from '../../main/server/commands/jobs';
import { registerSandboxCommands } from '../../main/server/commands/sandbox';
import { baseImageForTests, dockerForTests, ownContainers, resourcesDir } from '../fixtures/docker/docker';

const docker = await dockerForTests();

describe.skipIf(!docker.ok)('orrery sandbox (real Docker)', () => {
  let base: string;
  let project: string;

  beforeAll(async () => {
    await baseImageForTests();
    base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-sandbox-cli-')));
    project = path.join(base, 'project');
    await mkdir(path.join(base, 'home'));
    const core = createCore({ host: 'cli', env: { PATH: '/usr/bin:/bin' }, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger, resourcesDir });
    await core.services.projects.create({ path: project });
    await core.dispose();
  }, 900_000);

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
    expect(await ownContainers()).toEqual([]);
  });

  /** Runs `orrery sandbox ...args`; answers what it printed and its exit code. */
  async function orrery(...args: string[]): Promise<{ out: string; err: string; code: number }> {
    let out = '';
    let err = '';
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(base, 'home'), ORRERY_PROJECT: project };
    const ctx: CliContext = {
      io: { out: (text) => (out += text), err: (text) => (err += text), env, cwd: base },
      createCore: (options) => createCore({ ...options, env, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger, resourcesDir }),
      version: 'test',
    };
    const program = new Command().exitOverride();
    registerSandboxCommands(program, ctx);
    try {
      await program.parseAsync(['sandbox', ...args], { from: 'user' });
      return { out, err, code: 0 };
    } catch (error) {
      if (error instanceof CommandExit) return { out, err, code: error.exitCode };
      throw error;
    }
  }

  it('exec streams output, collects /output files, and exits with the command code (124 on timeout, 137 on OOM)', async () => {
    const ok = await orrery('exec', '--', 'sh', '-c', 'echo hi; echo oops >&2; echo data > /output/r.txt');
    expect(ok).toMatchObject({ out: 'hi\n', code: 0 });
    expect(ok.err).toContain('oops\n');
    expect(ok.err).toMatch(/collected \/output\/r\.txt \(5 bytes, sha256 [0-9a-f]{64}\)/);
    expect((await orrery('exec', '--', 'sh', '-c', 'exit 7')).code).toBe(7);
    const slow = await orrery('exec', '--timeout', '1', '--', 'sleep', '30');
    expect(slow.code).toBe(124);
    expect(slow.err).toMatch(/timeout: Killed after the 1 s wall-clock limit/);
    const hog = await orrery('exec', '--memory', '64M', '--', 'python3', '-c', 'b = b"x" * (256 << 20)');
    expect(hog.code).toBe(137);
    expect(hog.err).toContain('oom');
    const json = await orrery('exec', '--network', '--json', '--', 'true');
    expect(JSON.parse(json.out)).toMatchObject({ status: 'ok', network: true, kind: 'exec' });
  }, 120_000);

  it('refuses bad limits as a usage error before anything runs', async () => {
    await expect(orrery('exec', '--memory', 'lots', '--', 'true')).rejects.toThrow(/--memory lots/);
  });

  it('images lists the base image with its size; ps lists nothing of ours once runs ended', async () => {
    const images = await orrery('images');
    expect(images.out).toMatch(/orrery\/base:bookworm-1\s+[0-9a-f]{12}\s+\d+\.\d MB .* orrery:base/);
    const ps = await orrery('ps', '--json');
    const mine = (JSON.parse(ps.out) as { ownerPid: number | null; kind: string }[]).filter((c) => c.ownerPid === process.pid && c.kind !== 'pool');
    expect(mine).toEqual([]);
  });
});
