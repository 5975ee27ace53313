// `npm run bench [-- NAME ...]`: runs tests/bench/<NAME>.bench.ts (all when none named). Each benchmark prints
// its figures with the baseline measured in the same run, then one summary line `NAME key=value ...`;
// this runner ends with those summary lines, one per benchmark.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeExternals, nodeBundleOptions } from './bundle-options.mjs';
import { ensureBuild } from './ensure-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'tests', 'bench');
const available = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
await ensureBuild();
const names = wanted.length > 0 ? wanted : available;
const summaries = [];
let failures = 0;
for (const name of names) {
  const outfile = path.join(root, 'out', 'bench', `${name}.cjs`);
  await build({
    ...nodeBundleOptions,
    entryPoints: [path.join(benchDir, `${name}.bench.ts`)],
    outfile,
    external: [...nativeExternals, 'playwright-core', '@playwright/test', 'playwright'],
  });
  console.log(`\n### bench ${name}`);
  const result = spawnSync(process.execPath, ['--expose-gc', outfile], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ORRERY_ROOT: root }, maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(result.stdout ?? '');
  const last = (result.stdout ?? '').trim().split('\n').reverse().find((line) => line.startsWith(`${name} `));
  if (result.status !== 0 || !last) {
    failures++;
    summaries.push(`${name} error=exit_${result.status}`);
  } else summaries.push(last);
}
console.log('\n' + summaries.join('\n'));
process.exit(failures === 0 ? 0 : 1);
