// The Python SDK's own suite (tests/python, unittest) run with the machine's interpreters: python3 on PATH
// and the Debian /usr/bin/python3 when it is a different one. It checks the spool files byte for byte,
// process ends (atexit, uncaught exception, SIGTERM), fork, artifacts and a full disk in real subprocesses.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './store-child';

const sdkDir = path.join(repoRoot, 'resources', 'python');
const testsDir = path.join(repoRoot, 'tests', 'python');

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
}

/** python3 from PATH, plus /usr/bin/python3 when it is another interpreter (resolved through pyenv shims). */
function interpreters(): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const candidate of [which('python3'), existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null]) {
    if (!candidate) continue;
    const real = spawnSync(candidate, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 20_000 });
    const key = real.status === 0 ? realpathSync(real.stdout.trim()) : candidate;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(candidate);
  }
  return out;
}

describe('Python SDK (resources/python/orrery)', () => {
  const found = interpreters();

  it('has a python3 to test with', () => {
    expect(found.length, 'no python3 on PATH: install Python 3.8 or later').toBeGreaterThan(0);
  });

  for (const python of found) {
    it(`passes its unittest suite under ${python}`, () => {
      const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: sdkDir, PYTHONDONTWRITEBYTECODE: '1' };
      for (const name of Object.keys(env)) if (name.startsWith('ORRERY_')) delete env[name];
      const result = spawnSync(python, ['-m', 'unittest', 'discover', '-s', testsDir, '-v'], { cwd: repoRoot, env, encoding: 'utf8', timeout: 150_000 });
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      const ran = Number(/^Ran (\d+) tests? in /m.exec(output)?.[1] ?? 0);
      const failures = output.split('\n').filter((line) => / \.\.\. (FAIL|ERROR)$/.test(line) || /^(FAIL|ERROR): /.test(line));
      if (result.status !== 0) console.error(`python SDK suite under ${python} failed:\n${output}`);
      expect({ status: result.status, signal: result.signal, failures }, output).toEqual({ status: 0, signal: null, failures: [] });
      expect(ran).toBeGreaterThanOrEqual(20);
      expect(output).toMatch(/^OK/m);
    }, 180_000);
  }
});
