import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/** The bundled CLI, out/main/cli.cjs (the vitest global setup builds out/; this rebuilds when a source changed since). */
export function bundledCli(): string {
  const built = path.join(repoRoot, 'out', 'main', 'cli.cjs');
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'ensure-build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(built)) throw new Error('The build failed, so there is no out/main/cli.cjs to test; run `npm run build` to see why.');
  return built;
}
