// The sample project that a first start opens: its notebooks are valid nbformat 4.5, its dataset is the
// 150-row Iris, and its training script really trains (when python3 with numpy is on this machine).
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './store-child';

const sampleDir = path.join(repoRoot, 'resources', 'sample-project');
const run = promisify(execFile);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

async function pythonWithNumpy(): Promise<boolean> {
  try {
    await run('python3', ['-c', 'import numpy'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe('sample project', () => {
  it('holds the promised files, under 50 KB in all', async () => {
    const files = (await filesUnder(sampleDir)).map((f) => path.relative(sampleDir, f)).sort();
    expect(files).toEqual(['.gitignore', 'README.md', 'data/iris.csv', 'notebooks/01-explore.ipynb', 'notebooks/02-train.ipynb', 'train.py']);
    let total = 0;
    for (const file of files) total += (await stat(path.join(sampleDir, file))).size;
    expect(total).toBeLessThan(50 * 1024);
    expect((await readFile(path.join(sampleDir, '.gitignore'), 'utf8')).split('\n')).toContain('.orrery/');
  });

  it('ships the real Iris dataset: 150 rows, 50 per species, the known column means', async () => {
    const lines = (await readFile(path.join(sampleDir, 'data', 'iris.csv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('sepal_length,sepal_width,petal_length,petal_width,species');
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows).toHaveLength(150);
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row[4]!] = (counts[row[4]!] ?? 0) + 1;
    expect(counts).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });
    const means = [0, 1, 2, 3].map((c) => rows.reduce((sum, row) => sum + Number(row[c]), 0) / 150);
    expect(means.map((m) => m.toFixed(4))).toEqual(['5.8433', '3.0573', '3.7580', '1.1993']);
  });

  it('ships notebooks in nbformat 4.5 with cell ids, a python3 kernelspec and no outputs', async () => {
    for (const name of ['01-explore.ipynb', '02-train.ipynb']) {
      const notebook = JSON.parse(await readFile(path.join(sampleDir, 'notebooks', name), 'utf8')) as {
        nbformat: number;
        nbformat_minor: number;
        metadata: { kernelspec: { name: string; language: string; display_name: string } };
        cells: { id: string; cell_type: string; source: string[]; metadata: object; outputs?: unknown[]; execution_count?: unknown }[];
      };
      expect([notebook.nbformat, notebook.nbformat_minor]).toEqual([4, 5]);
      expect(notebook.metadata.kernelspec).toEqual({ display_name: 'Python 3', language: 'python', name: 'python3' });
      expect(notebook.cells.length).toBeGreaterThan(2);
      const ids = notebook.cells.map((cell) => cell.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const cell of notebook.cells) {
        // nbformat 4.5: every cell has an id of 1-64 characters from [a-zA-Z0-9-_].
        expect(cell.id).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
        expect(['markdown', 'code']).toContain(cell.cell_type);
        expect(Array.isArray(cell.source)).toBe(true);
        expect(cell.metadata).toEqual({});
        if (cell.cell_type === 'code') {
          expect(cell.outputs).toEqual([]);
          expect(cell.execution_count).toBeNull();
        }
      }
    }
  });

  it('trains with numpy alone and prints epoch, loss and accuracy', async (context) => {
    if (!(await pythonWithNumpy())) {
      context.skip('python3 with numpy is not on this machine');
      return;
    }
    const { stdout } = await run('python3', ['train.py', '--epochs', '60'], { cwd: sampleDir, timeout: 60_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    const epochs = stdout.split('\n').filter((line) => /^epoch\s+\d+\s+loss [\d.]+\s+accuracy [\d.]+\s+val_accuracy [\d.]+$/.test(line));
    expect(epochs).toHaveLength(3);
    const finalAccuracy = Number(/final val_accuracy ([\d.]+)/.exec(stdout)?.[1]);
    expect(finalAccuracy).toBeGreaterThan(0.8);
    const losses = epochs.map((line) => Number(/loss ([\d.]+)/.exec(line)?.[1]));
    expect(losses[2]!).toBeLessThan(losses[0]!);
  });
});
