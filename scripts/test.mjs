// `npm test`: set-up, build, typecheck, lint, vitest (unit + integration), Playwright E2E in Chromium.
// Ends with one line: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function step(title, command, args, env = {}) {
  console.log(`\n=== ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  console.log(`=== ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result.status === 0;
}

const only = process.argv.slice(2);
const wants = (name) => only.length === 0 || only.includes(name);
let passed = 0;
let failed = 0;
const count = (ok) => (ok ? passed++ : failed++);

const setup = spawnSync(node, [path.join(root, 'scripts', 'setup.mjs'), '--tests'], { cwd: root, stdio: 'inherit' });
if (setup.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(path.join(root, 'test-results'), { recursive: true });
// Docker and the loopback Slurm cluster: started when missing and when we may (root); their tests name what is absent.
if (process.getuid?.() === 0) spawnSync('bash', [path.join(root, 'scripts', 'services.sh'), 'start'], { cwd: root, stdio: 'inherit' });
count(step('build', node, [path.join(root, 'scripts', 'build.mjs')]));

if (wants('typecheck')) {
  for (const config of ['app', 'main', 'preload', 'renderer', 'tests']) {
    count(step(`typecheck ${config}`, bin('tsc'), ['--noEmit', '-p', `tsconfig.${config}.json`]));
  }
}
if (wants('lint')) count(step('lint (with layer rules)', bin('eslint'), ['--max-warnings', '0', '.']));

function tally(file, read) {
  if (!existsSync(file)) return false;
  const counts = read(JSON.parse(readFileSync(file, 'utf8')));
  passed += counts.passed;
  failed += counts.failed;
  console.log(`    ${path.basename(file)}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return true;
}

if (wants('vitest')) {
  const file = path.join(root, 'test-results', 'vitest.json');
  const ok = step('vitest: unit + integration', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${file}`]);
  const read = (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests });
  if (!tally(file, read) || (!ok && failed === 0)) failed++;
}

if (wants('e2e')) {
  const file = path.join(root, 'test-results', 'playwright.json');
  const ok = step('playwright: E2E in Chromium against the web host', bin('playwright'), ['test']);
  const read = (r) => ({ passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped });
  if (!tally(file, read) || (!ok && failed === 0)) failed++;
  if (existsSync(file)) for (const line of skipReasons(JSON.parse(readFileSync(file, 'utf8')))) console.log(`    skipped: ${line}`);
}

/** Each skipped Playwright test with the reason its skip gave, so a skip is never silent. */
function skipReasons(report) {
  const lines = [];
  const walk = (suite, titles) => {
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'skipped') continue;
        const reason = (test.annotations ?? []).find((a) => a.type === 'skip')?.description ?? 'no reason given';
        lines.push(`[${test.projectName}] ${[...titles, spec.title].filter(Boolean).join(' › ')} — ${reason}`);
      }
    }
  };
  for (const suite of report.suites ?? []) walk(suite, [suite.title]);
  return lines;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
