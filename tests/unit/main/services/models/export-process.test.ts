// The Node half of the export protocol against the real script under Debian's Python: where the script is found,
// what a crash without an error line turns into, and output that is not protocol.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract';
import type { Task } from '../../../../../main/core/tasks';
import { defaultExportPythonDir, runExportScript } from '../../../../../main/services/models/export-process';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-export-process-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function task(): Task & { outputs: Array<[string, string]> } {
  const outputs: Array<[string, string]> = [];
  return { id: 't', signal: new AbortController().signal, outputs, progress: () => undefined, output: (stream, text) => outputs.push([stream, text]), throwIfCancelled: () => undefined };
}

describe('the export script', () => {
  it('is found in resources/python from the sources, and its absence is a clear error', async () => {
    expect(await defaultExportPythonDir(path.join(repoRoot, 'main', 'services', 'models'))).toBe(path.join(repoRoot, 'resources', 'python'));
    await expect(defaultExportPythonDir(dir)).rejects.toThrow(/export script \(resources\/python\/orrery_export\) is missing/);
  });

  it('turns a crash without an error line into process_failed with its last lines', async () => {
    const requestFile = path.join(dir, 'broken.json');
    await writeFile(requestFile, '{"modelFile": ');
    const recorder = task();
    let caught: unknown = null;
    try {
      await runExportScript(recorder, { python: '/usr/bin/python3', pythonDir: path.join(repoRoot, 'resources', 'python'), requestFile, projectPath: dir, env: process.env, overall: (n) => n });
    } catch (error) {
      caught = error;
    }
    expect(isOrreryError(caught) && caught.code).toBe('process_failed');
    expect((caught as Error).message).toMatch(/The export script failed under \/usr\/bin\/python3 \(exit 1\):\n[\s\S]*JSONDecodeError/);
    expect(recorder.outputs.some(([stream, text]) => stream === 'stderr' && text.includes('Traceback'))).toBe(true);
  });

  it('answers not_found when the interpreter cannot find the package', async () => {
    const requestFile = path.join(dir, 'request.json');
    await writeFile(requestFile, '{}');
    const run = runExportScript(task(), { python: '/usr/bin/python3', pythonDir: dir, requestFile, projectPath: dir, env: { PATH: process.env.PATH }, overall: (n) => n });
    await expect(run).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/cannot find Orrery's export script/) });
  });
});
