import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/** The bundled CLI, out/main/cli.cjs (the vitest global setup builds out/; this rebuilds when a source changed since). */
export function bundledCli(): string {
  const built = path.join(repoRoot, 'out', 'main', 'cli.cjs');
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'ensure-build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(built)) throw new Error('The build failed, so there is no out/main/cli.cjs to test; run `npm run build` to see why.');
  return built;
}

/** A temp folder with a user home and one project made by `orrery project create`, and the CLI run in it. */
export interface CliProject {
  readonly base: string;
  readonly project: string;
  /** Runs the bundled CLI synchronously in `base`, with ORRERY_HOME, ORRERY_ROOTS and ORRERY_PROJECT set. */
  orrery(...args: string[]): SpawnSyncReturns<string>;
  dispose(): Promise<void>;
}

export async function cliProject(prefix: string): Promise<CliProject> {
  const cli = bundledCli();
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), prefix)));
  const project = path.join(base, 'proj');
  await mkdir(path.join(base, 'home'));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NODE_PATH: path.join(repoRoot, 'node_modules'), ORRERY_HOME: path.join(base, 'home'), ORRERY_ROOTS: base, ORRERY_PROJECT: project };
  const orrery = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: base, env, encoding: 'utf8', timeout: 120_000 });
  const created = orrery('project', 'create', project);
  if (created.status !== 0) throw new Error(`orrery project create failed: ${created.stderr}`);
  return { base, project, orrery, dispose: () => rm(base, { recursive: true, force: true }) };
}
