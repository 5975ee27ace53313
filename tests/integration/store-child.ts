// Runs store code in a real child process: the test hands TypeScript source importing from the repository
// (paths relative to its root), esbuild bundles it to CommonJS in a temp folder, and node runs the bundle
// (better-sqlite3 stays external and resolves through NODE_PATH).
import { build } from 'esbuild';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Bundles `source` (TypeScript, imports relative to the repo root) to `<dir>/<name>.cjs`; answers that path. */
export async function bundleChild(source: string, dir: string, name = 'child'): Promise<string> {
  const outfile = path.join(dir, `${name}.cjs`);
  await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'ts', sourcefile: `${name}.ts` },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
    external: ['better-sqlite3', 'electron'],
  });
  return outfile;
}

/** Starts `node <bundle> ...args` with the repository's node_modules on NODE_PATH. */
export function spawnChild(bundle: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [bundle, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
    env: { ...process.env, ...options.env, NODE_PATH: path.join(repoRoot, 'node_modules') },
  });
}

/** Waits for a child to end (bounded); answers its exit code, signal and everything it printed. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms; stdout: ${stdout.slice(-500)} stderr: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
