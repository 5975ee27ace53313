// Packages in a real venv (made from the Debian python3 with its site packages): pip list, install from a local
// wheel, an sdist, a requirements file, an editable folder and a file:// git repo; a failing setup.py and a cancel
// mid-install leave the env exactly as it was; output streams as task.output; nothing is left running.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../app/models';
import { anyId } from '../../main/core/event-bus';
import { runningOf } from '../../main/services/terminals/process-tree';
import { buildSdist, buildWheel, envWorld, failure, makeVenv, writePackage, type EnvWorld } from './envs-harness';

let world: EnvWorld;
let venv: Env;
let pkgs: string;

/** Every file under the venv's lib, bin, share, include and etc with a hash of its content, and the names at its top: the env's exact state. */
async function fingerprint(prefix: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') await walk(file);
      } else if (entry.isFile()) out.push(`${path.relative(prefix, file)} ${createHash('sha1').update(await readFile(file)).digest('hex')}`);
      else out.push(`${path.relative(prefix, file)} link`);
    }
  };
  for (const top of await readdir(prefix)) {
    if (top === 'lib' || top === 'bin' || top === 'share' || top === 'include' || top === 'etc') await walk(path.join(prefix, top));
    else out.push(`${top} at the top`);
  }
  return out.sort();
}

/** A copy of a wheel whose console script entry point is invalid (pip fails while installing it). */
async function brokenWheel(wheel: string): Promise<string> {
  const out = path.join(path.dirname(wheel), 'broken');
  await mkdir(out, { recursive: true });
  const script = [
    'import sys, zipfile',
    'src, dst = sys.argv[1], sys.argv[2]',
    'with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:',
    '    for item in zin.infolist():',
    '        data = zin.read(item.filename)',
    '        if item.filename.endswith("entry_points.txt") or item.filename.endswith("top_level.txt"):',
    '            data = b"[console_scripts]\\nbrokencmd = this is not valid::\\n" if item.filename.endswith("entry_points.txt") else data',
    '        zout.writestr(item, data)',
    'if not any(i.filename.endswith("entry_points.txt") for i in zipfile.ZipFile(src).infolist()):',
    '    with zipfile.ZipFile(dst, "a") as zout:',
    '        info = [i for i in zipfile.ZipFile(src).infolist() if i.filename.endswith("METADATA")][0]',
    '        zout.writestr(info.filename.replace("METADATA", "entry_points.txt"), b"[console_scripts]\\nbrokencmd = this is not valid::\\n")',
  ].join('\n');
  const target = path.join(out, path.basename(wheel));
  execFileSync('/usr/bin/python3', ['-c', script, wheel, target]);
  return target;
}

const names = async () => (await world.core.services.envs.packages(venv.id)).map((pkg) => `${pkg.name}==${pkg.version}`);

beforeAll(async () => {
  world = await envWorld();
  const prefix = path.join(world.projectDir, '.venv');
  makeVenv(prefix);
  venv = await world.core.services.envs.register(prefix);
  pkgs = path.join(world.base, 'pkgs');
  await mkdir(pkgs);
});

afterAll(async () => {
  await world.dispose();
});

describe('env packages', () => {
  it('lists packages (the system site ones included) and installs a local wheel with its output streamed', async () => {
    expect(await names()).toEqual(expect.arrayContaining([expect.stringMatching(/^ipykernel==/)]));
    const wheel = buildWheel(await writePackage(pkgs, 'orrerywheel', '1.0'), pkgs);
    const output: string[] = [];
    world.core.bus.subscribe('task.output', 'task_wheel', (event) => output.push(event.payload.text));
    const result = await world.core.services.envs.install({ id: venv.id, specs: [wheel], taskId: 'task_wheel' });
    expect(result.packages).toContainEqual({ name: 'orrerywheel', version: '1.0', editableLocation: null });
    expect(output.join('')).toContain('Successfully installed orrerywheel-1.0');
    const check = execFileSync(venv.python, ['-c', 'import orrerywheel; print(orrerywheel.VERSION)'], { encoding: 'utf8' });
    expect(check.trim()).toBe('1.0');
  });

  it('installs an sdist, upgrades from a requirements file, and uninstalls', async () => {
    const sdist = buildSdist(await writePackage(pkgs, 'orrerysdist', '0.1'), pkgs);
    await world.core.services.envs.install({ id: venv.id, specs: [sdist] });
    expect(await names()).toContain('orrerysdist==0.1');
    const newer = buildWheel(await writePackage(pkgs, 'orrerysdist', '0.2'), pkgs);
    const requirements = path.join(pkgs, 'requirements.txt');
    // A relative path in a requirements file resolves from the project folder (pip runs there).
    await writeFile(requirements, `${path.relative(world.projectDir, newer)}\n`);
    await world.core.services.envs.install({ id: venv.id, specs: [], requirementsFile: requirements, upgrade: true });
    expect(await names()).toContain('orrerysdist==0.2');
    const after = await world.core.services.envs.uninstall({ id: venv.id, names: ['orrerysdist'] });
    expect(after.packages.map((pkg) => pkg.name)).not.toContain('orrerysdist');
  });

  it('installs a folder as editable (its location listed) and a file:// git repo', async () => {
    const folder = await writePackage(pkgs, 'orreryedit', '0.3');
    const result = await world.core.services.envs.install({ id: venv.id, specs: [], editable: [folder] });
    expect(result.packages.find((pkg) => pkg.name === 'orreryedit')).toEqual({ name: 'orreryedit', version: '0.3', editableLocation: folder });

    const repo = await writePackage(pkgs, 'orrerygit', '0.4');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    const fromGit = await world.core.services.envs.install({ id: venv.id, specs: [`git+file://${repo}#egg=orrerygit`] });
    expect(fromGit.packages.map((pkg) => `${pkg.name}==${pkg.version}`)).toContain('orrerygit==0.4');
  });

  it('fails cleanly when a setup.py fails, with pip\'s last lines in the message', async () => {
    const bad = buildSdist(await writePackage(pkgs, 'orrerybad', '1.0', 'import sys\nif "sdist" not in sys.argv: raise SystemExit("orrerybad refuses to build")'), pkgs);
    const before = await fingerprint(venv.prefix);
    const failed = await failure(world.core.services.envs.install({ id: venv.id, specs: [bad] }));
    expect(failed.code).toBe('process_failed');
    expect(failed.message).toContain('the env was restored');
    expect(failed.message).toContain('orrerybad');
    expect(await fingerprint(venv.prefix)).toEqual(before);
  });

  it('restores the env exactly when pip fails after it has installed part of the request', async () => {
    // pip installs orrerygood (with data files in share/ and in a folder of its own at the top of the prefix), then
    // fails on orrerybroken's invalid entry point and leaves both half-done; only the snapshot brings the env back.
    const good = buildWheel(await writePackage(pkgs, 'orrerygood', '1.0', undefined, { dataFiles: ['share/orrerygood', 'orrerygood-data'] }), pkgs);
    const broken = await brokenWheel(buildWheel(await writePackage(pkgs, 'orrerybroken', '1.0'), pkgs));
    const before = await fingerprint(venv.prefix);
    const failed = await failure(world.core.services.envs.install({ id: venv.id, specs: [good, broken] }));
    expect(failed.code).toBe('process_failed');
    expect(failed.message).toContain('Invalid script entry point');
    expect(await fingerprint(venv.prefix)).toEqual(before);
    expect(await names()).not.toContain('orrerygood==1.0');
    expect((await readdir(venv.prefix)).filter((name) => name.startsWith('.orrery-snapshot'))).toEqual([]);
  });

  it('cancels an install mid-build: the process tree is killed and the env restored', async () => {
    const marker = path.join(pkgs, 'slow-started');
    const slowBody = `import os, sys, time\nif "sdist" not in sys.argv:\n    open(${JSON.stringify(marker)}, "w").write(str(os.getpid()))\n    time.sleep(60)`;
    const slow = buildSdist(await writePackage(pkgs, 'orreryslow', '1.0'), pkgs);
    const slowSdist = buildSdist(await writePackage(path.join(pkgs, 'slow'), 'orreryslow', '1.1', slowBody), pkgs);
    await world.core.services.envs.install({ id: venv.id, specs: [slow] });
    const before = await fingerprint(venv.prefix);
    const finished: string[] = [];
    world.core.bus.subscribe('task.progress', anyId, (event) => {
      if (event.payload.finished) finished.push(event.payload.finished);
    });
    const install = world.core.services.envs.install({ id: venv.id, specs: [slowSdist], upgrade: true, taskId: 'task_slow' });
    const started = Date.now();
    while (!(await stat(marker).catch(() => null)) && Date.now() - started < 25_000) await new Promise((resolve) => setTimeout(resolve, 50));
    const buildPid = Number(await readFile(marker, 'utf8'));
    world.core.services.tasks.cancel('task_slow');
    expect((await failure(install)).code).toBe('cancelled');
    expect(finished).toContain('cancelled');
    expect(await runningOf([buildPid])).toEqual([]);
    expect(await fingerprint(venv.prefix)).toEqual(before);
    expect(await names()).toContain('orreryslow==1.0');
  });

  it('refuses bad input with clear errors', async () => {
    const env = world.core.services.envs;
    expect((await failure(env.install({ id: venv.id, specs: ['--index-url=http://evil'] }))).code).toBe('invalid_input');
    expect((await failure(env.install({ id: venv.id, specs: [] }))).code).toBe('invalid_input');
    expect((await failure(env.install({ id: venv.id, specs: [], requirementsFile: path.join(pkgs, 'none.txt') }))).code).toBe('not_found');
    expect((await failure(env.install({ id: venv.id, specs: [path.join(pkgs, 'missing.whl')] }))).code).toBe('not_found');
    expect((await failure(env.uninstall({ id: venv.id, names: ['../etc'] }))).code).toBe('invalid_input');
    const system = (await env.list({})).envs.find((item) => item.kind === 'system');
    if (system) expect((await failure(env.install({ id: system.id, specs: ['x'] }))).code).toBe('forbidden');
  });
});
