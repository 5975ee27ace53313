// `orrery notebook run` as users run it (out/main/cli.cjs in a child process) with real ipykernel: parameters
// injected after the cell tagged `parameters`, outputs written, exit 1 at the first error naming the cell.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundledCli } from './cli-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '..', '..');
let base = '';
let env: NodeJS.ProcessEnv;
let cli = '';

function orrery(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: base, env, encoding: 'utf8', timeout: 120_000 });
}

const cell = (source: string, tags: string[] = [], id = Math.random().toString(16).slice(2, 10)) => ({
  cell_type: 'code', execution_count: null, id, metadata: tags.length ? { tags } : {}, outputs: [], source,
});
const notebook = (cells: object[]) => ({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 5 });

beforeAll(async () => {
  cli = bundledCli();
  base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-clinb-')));
  await mkdir(path.join(base, 'home'));
  env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NODE_PATH: path.join(repoRoot, 'node_modules'), ORRERY_HOME: path.join(base, 'home'), ORRERY_ROOTS: base, ORRERY_PROJECTS_DIR: path.join(base, 'projects') };
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('orrery notebook run', () => {
  it('injects parameters, runs every cell and writes outputs and execution counts', async () => {
    const input = path.join(base, 'params.ipynb');
    await writeFile(input, JSON.stringify(notebook([
      { cell_type: 'markdown', id: 'md', metadata: {}, source: '# Title' },
      cell('n = 1\nrate = 0.5\nname = "a"\nflag = False\nnothing = 0', ['parameters'], 'params'),
      cell('print(n * 2, rate, name, flag, nothing)', [], 'show'),
      cell('', [], 'empty'),
      cell('{"n": n}', [], 'last'),
    ])));
    const result = orrery('notebook', 'run', 'params.ipynb', '-o', 'out.ipynb', '-p', 'n=21', '-p', 'rate=2.5', '-p', 'name=zed', '-p', 'flag=True', '-p', 'nothing=None');
    expect(result.stderr).toContain('[1/4]');
    expect(result.status).toBe(0);
    const out = JSON.parse(await readFile(path.join(base, 'out.ipynb'), 'utf8'));
    expect(out.cells.map((c: { id: string }) => c.id).slice(0, 2)).toEqual(['md', 'params']);
    const injected = out.cells[2];
    expect(injected.metadata.tags).toEqual(['injected-parameters']);
    expect(injected.source.join('')).toBe('# Parameters\nn = 21\nrate = 2.5\nname = "zed"\nflag = True\nnothing = None\n');
    const show = out.cells.find((c: { id: string }) => c.id === 'show');
    expect(show.outputs[0]).toMatchObject({ output_type: 'stream', name: 'stdout', text: ['42 2.5 zed True None\n'] });
    expect(show.execution_count).toBeGreaterThan(0);
    expect(out.cells.find((c: { id: string }) => c.id === 'last').outputs[0].data['text/plain']).toEqual(["{'n': 21}"]);
    // The input is untouched.
    expect(JSON.parse(await readFile(input, 'utf8')).cells).toHaveLength(5);
  });

  it('exits 1 at the first error naming the cell and its traceback, writing what ran (in place)', async () => {
    const input = path.join(base, 'fails.ipynb');
    await writeFile(input, JSON.stringify(notebook([cell('x = 1', [], 'a'), cell('def f():\n    return 1/0\nf()', [], 'b'), cell('print("never")', [], 'c')])));
    const result = orrery('notebook', 'run', 'fails.ipynb');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/orrery: Cell 2 \(def f\(\):\) failed: ZeroDivisionError: division by zero/);
    expect(result.stderr).toContain('----> 3 f()');
    expect(result.stderr).not.toContain('\u001b[');
    const out = JSON.parse(await readFile(input, 'utf8'));
    expect(out.cells[1].outputs[0]).toMatchObject({ output_type: 'error', ename: 'ZeroDivisionError' });
    expect(out.cells[2].outputs).toEqual([]);
  });

  it('interrupts a cell over --timeout and reports bad input clearly', async () => {
    await writeFile(path.join(base, 'slow.ipynb'), JSON.stringify(notebook([cell('import time\ntime.sleep(60)', [], 's')])));
    const slow = orrery('notebook', 'run', 'slow.ipynb', '--timeout', '1');
    expect(slow.status).toBe(1);
    expect(slow.stderr).toMatch(/Cell 1 \(import time\) failed: CellTimeoutError/);
    await writeFile(path.join(base, 'v3.ipynb'), JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [] }));
    const v3 = orrery('notebook', 'run', 'v3.ipynb');
    expect(v3.status).toBe(1);
    expect(v3.stderr).toMatch(/nbformat 3.*jupyter nbconvert --to notebook --nbformat 4/);
    expect(orrery('notebook', 'run', 'missing.ipynb').stderr).toMatch(/does not exist/);
    expect(orrery('notebook', 'run', 'v3.ipynb', '-p', 'no-equals').status).toBe(2);
  });

  it('runs in the env given by --env (a venv folder), its interpreter and prefix', async () => {
    spawnSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', '--without-pip', path.join(base, 'venv')]);
    await writeFile(path.join(base, 'prefix.ipynb'), JSON.stringify(notebook([cell('import sys\nprint(sys.prefix)', [], 'p')])));
    const result = orrery('notebook', 'run', 'prefix.ipynb', '--env', './venv');
    expect(result.status).toBe(0);
    const out = JSON.parse(await readFile(path.join(base, 'prefix.ipynb'), 'utf8'));
    expect(out.cells[0].outputs[0].text).toEqual([`${path.join(base, 'venv')}\n`]);
    expect(orrery('notebook', 'run', 'prefix.ipynb', '--env', 'no-such-env').stderr).toMatch(/No environment named "no-such-env"/);
  });
});
