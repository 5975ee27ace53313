// `npm run bench -- notebook-run`: wall time of `orrery notebook run` (the bundled CLI in a fresh node process)
// against `jupyter nbconvert --to notebook --execute` (Debian's) on the same generated 50-cell notebook, both
// writing a new file, alternated, medians of 3, in the same run. Goal: ratio ≤ 1.0.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { figure, median, repoRoot, summary } from './lib';

const trials = 3;
const goal = 1.0;

/** 50 code cells: assignments, prints, loops, comprehensions, a dict result, a small class, string work. */
function makeNotebook(): object {
  const sources: string[] = [];
  for (let i = 0; i < 50; i++) {
    const kind = i % 5;
    if (kind === 0) sources.push(`x${i} = ${i}\nprint("cell", x${i})`);
    else if (kind === 1) sources.push(`total = sum(k * k for k in range(${1000 + i * 10}))\ntotal`);
    else if (kind === 2) sources.push(`words = ["w%d" % k for k in range(50)]\n" ".join(words)[:60]`);
    else if (kind === 3) sources.push(`class C${i}:\n    def value(self):\n        return ${i}\nC${i}().value()`);
    else sources.push(`import math\n{k: round(math.sin(k), 3) for k in range(5)}`);
  }
  const cells = sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `c${String(i).padStart(7, '0')}`, metadata: {}, outputs: [], source }));
  return { cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 5 };
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return seconds;
}

function countOutputs(file: string): number {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells: { outputs: unknown[] }[] };
  return nb.cells.filter((c) => c.outputs.length > 0).length;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'orrery-bench-nbrun-'));
try {
  writeFileSync(path.join(dir, 'in.ipynb'), JSON.stringify(makeNotebook()));
  const env = { ...process.env, ORRERY_HOME: path.join(dir, 'home'), ORRERY_ROOTS: dir, ORRERY_PROJECTS_DIR: path.join(dir, 'projects') };
  const cli = path.join(repoRoot, 'out', 'main', 'cli.cjs');
  const orrery: number[] = [];
  const nbconvert: number[] = [];
  for (let i = 0; i < trials; i++) {
    orrery.push(timed(process.execPath, [cli, 'notebook', 'run', 'in.ipynb', '-o', 'orrery-out.ipynb'], env, dir));
    nbconvert.push(timed('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'notebook', '--execute', 'in.ipynb', '--output', 'nbconvert-out.ipynb'], env, dir));
  }
  const outputsOrrery = countOutputs(path.join(dir, 'orrery-out.ipynb'));
  const outputsNbconvert = countOutputs(path.join(dir, 'nbconvert-out.ipynb'));
  if (outputsOrrery !== outputsNbconvert) throw new Error(`outputs differ: orrery ${outputsOrrery} cells, nbconvert ${outputsNbconvert}`);
  const ratio = median(orrery) / median(nbconvert);
  console.log(`notebook-run: a 50-cell notebook (${outputsOrrery} cells with output), ${trials} trials each, medians, wall time incl. process and kernel start`);
  figure('orrery notebook run', median(orrery), 's');
  figure('jupyter nbconvert --execute', median(nbconvert), 's');
  figure('orrery trials', orrery.map((s) => s.toFixed(2)).join(', '), 's');
  figure('nbconvert trials', nbconvert.map((s) => s.toFixed(2)).join(', '), 's');
  figure(`ratio (goal <= ${goal})`, ratio);
  summary('notebook-run', { ratio, orrery_s: median(orrery), nbconvert_s: median(nbconvert) });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
