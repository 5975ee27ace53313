// conda and uv are not installed on this machine, so their code paths run against stand-ins on PATH that answer
// the same commands the way the real tools do (`conda info/env list/create/list/env export`, `uv venv/python list`)
// and build real envs with the Debian venv module. What is tested is Orrery's side: the commands it runs, how it
// reads their answers, the env kinds, names, folders, locks and activation.
import { chmod, mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envWorld, failure, nextDiscovered, type EnvWorld } from './envs-harness';

let world: EnvWorld;
let condaRoot: string;

const fakeConda = (root: string) => `#!/bin/bash
# A stand-in for conda: the subcommands Orrery runs, answered in conda's formats.
case "$1 $2" in
  "info --json") echo '{"envs_dirs": ["${root}/envs"], "conda_version": "24.1.0"}' ;;
  "env list") printf '{"envs": ["${root}"'; for d in ${root}/envs/*/; do [ -d "$d" ] && printf ', "%s"' "\${d%/}"; done; echo ']}' ;;
  "env export") printf 'name: %s\\nchannels:\\n  - conda-forge\\ndependencies:\\n  - python=3.11.2=h_0\\n  - numpy=1.26.4=py311_0\\n  - pip:\\n    - orrery-fake==1.0\\nprefix: %s\\n' "$(basename "$4")" "$4" ;;
  "create -y")
    [ "$3" = "-p" ] || { echo "stand-in needs -p" >&2; exit 2; }
    echo "Collecting package metadata (stand-in)"
    /usr/bin/python3 -m venv --without-pip --system-site-packages "$4" && mkdir -p "$4/conda-meta" ;;
  "list -p") echo '[{"name": "python", "version": "3.11.2"}, {"name": "numpy", "version": "1.26.4"}]' ;;
  *) echo "stand-in conda: unknown command $*" >&2; exit 2 ;;
esac
`;

const fakeUv = `#!/bin/bash
# A stand-in for uv: \`uv venv --python X [--system-site-packages] PATH\` and \`uv python list\`.
if [ "$1" = "python" ]; then echo '[{"path": "/usr/bin/python3.11", "version": "3.11.2"}]'; exit 0; fi
if [ "$1" = "venv" ]; then
  target="\${@: -1}"
  /usr/bin/python3 -m venv --without-pip --system-site-packages "$target" && echo "uv = 0.4.0" >> "$target/pyvenv.cfg"
  echo "Creating virtual environment at: $target"
  exit 0
fi
exit 2
`;

beforeAll(async () => {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-envs-tools-')));
  const bin = path.join(base, 'fake-tools');
  await mkdir(bin, { recursive: true });
  world = await envWorld({ base, extraEnv: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
  condaRoot = path.join(world.base, 'miniforge-fake');
  await mkdir(path.join(condaRoot, 'envs'), { recursive: true });
  await writeFile(path.join(bin, 'conda'), fakeConda(condaRoot));
  await writeFile(path.join(bin, 'uv'), fakeUv);
  await chmod(path.join(bin, 'conda'), 0o755);
  await chmod(path.join(bin, 'uv'), 0o755);
});

afterAll(async () => {
  await world.dispose();
});

describe('conda and uv through stand-ins', () => {
  it('reports the tools in env.tools', async () => {
    const tools = await world.core.services.envs.tools();
    expect(tools.conda).toBe(path.join(world.base, 'fake-tools', 'conda'));
    expect(tools.uv).toBe(path.join(world.base, 'fake-tools', 'uv'));
  });

  it('creates a named conda env in the tool\'s envs folder, lists its packages with conda, locks it with conda env export', async () => {
    const envs = world.core.services.envs;
    const output: string[] = [];
    world.core.bus.subscribe('task.output', 'task_conda', (event) => output.push(event.payload.text));
    const env = await envs.create({ kind: 'conda', name: 'research', python: '3.11', taskId: 'task_conda' });
    expect(env).toMatchObject({ kind: 'conda', name: 'research', prefix: path.join(condaRoot, 'envs', 'research'), sources: ['created'] });
    expect(output.join('')).toContain(`create -y -p ${path.join(condaRoot, 'envs', 'research')} python=3.11`);
    expect((await envs.getDefault())?.id).toBe(env.id);
    expect(envs.activation(env, { PATH: '/usr/bin' })).toMatchObject({ CONDA_PREFIX: env.prefix, CONDA_DEFAULT_ENV: 'research', PATH: `${env.prefix}/bin:/usr/bin` });
    expect(await envs.packages(env.id)).toEqual([
      { name: 'python', version: '3.11.2', editableLocation: null },
      { name: 'numpy', version: '1.26.4', editableLocation: null },
    ]);
    const lock = await envs.lock(env.id);
    expect(lock).toMatchObject({ format: 'conda', packageCount: 3 });
    expect((await envs.exportLock(lock.id, 'environment-yml')).text).toContain('name: research');
    expect((await envs.exportLock(lock.id, 'requirements')).text).toContain('orrery-fake==1.0');
    expect((await failure(envs.recreate({ lockId: lock.id, kind: 'venv', path: path.join(world.base, 'x') }))).code).toBe('invalid_input');
  });

  it('finds conda envs through `conda env list --json` in discovery', async () => {
    const done = nextDiscovered(world.core);
    await world.core.services.envs.list({ refresh: true });
    await done;
    const { envs } = await world.core.services.envs.list({});
    expect(envs.find((env) => env.prefix === path.join(condaRoot, 'envs', 'research'))).toMatchObject({ kind: 'conda', name: 'research' });
    expect(envs.find((env) => env.prefix === path.join(condaRoot, 'envs', 'research'))!.sources).toEqual(expect.arrayContaining(['created', 'conda']));
  });

  it('creates a uv venv (kind uv) with the Python asked for', async () => {
    const target = path.join(world.base, 'uv-env');
    const env = await world.core.services.envs.create({ kind: 'uv', path: target, python: '3.11', systemSitePackages: true, makeDefault: false });
    expect(env).toMatchObject({ kind: 'uv', prefix: target });
    expect(world.core.services.envs.activation(env, { PATH: '/bin' })).toMatchObject({ VIRTUAL_ENV: target });
  });
});
