// Builds when out/ is missing or older than any source file, so `npm run orrery` always runs current code.
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, await newest(full));
    else latest = Math.max(latest, (await stat(full)).mtimeMs);
  }
  return latest;
}

export async function ensureBuild() {
  let built = 0;
  try {
    built = (await stat(path.join(root, 'out', 'build-info.json'))).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(...(await Promise.all(['app', 'main', 'preload', 'renderer', 'package.json'].map((p) => newest(path.join(root, p)).then((n) => n || 0)))),
    (await stat(path.join(root, 'package.json'))).mtimeMs);
  if (built >= sources) return false;
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await ensureBuild();
}
