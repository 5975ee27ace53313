// Builds better-sqlite3 for the installed Electron's ABI into out/native/electron/better_sqlite3.node, which
// main/platform/electron-app.ts hands to better-sqlite3 through ORRERY_SQLITE_BINDING. node_modules keeps
// its Node-ABI build, so the CLI, the web host and the tests (plain Node) go on working.
//
// node-pty and zeromq are N-API modules (node-pty builds against node-addon-api): one binary serves Node and
// Electron, so only better-sqlite3 (NAN, ABI-specific) needs this. The headers come from electronjs.org,
// so the first run needs the network; later runs reuse the cached build and do nothing.
//
// Usage: node scripts/electron-native.mjs [--force]
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const distUrl = 'https://electronjs.org/headers';
const force = process.argv.includes('--force');

function say(message) {
  console.log(`electron-native: ${message}`);
}

function fail(message) {
  console.error(`electron-native: ${message}`);
  process.exit(1);
}

async function exists(file) {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

const electronVersion = (await readJson(path.join(root, 'node_modules', 'electron', 'package.json')))?.version;
const sqliteDir = path.join(root, 'node_modules', 'better-sqlite3');
const sqliteVersion = (await readJson(path.join(sqliteDir, 'package.json')))?.version;
if (!electronVersion) fail('electron is not installed (node_modules/electron); run npm install first.');
if (!sqliteVersion) fail('better-sqlite3 is not installed (node_modules/better-sqlite3); run npm install first.');

const wanted = { electron: electronVersion, betterSqlite3: sqliteVersion, platform: process.platform, arch: process.arch };
const outDir = path.join(root, 'out', 'native', 'electron');
const target = path.join(outDir, 'better_sqlite3.node');
const stampFile = path.join(outDir, 'better_sqlite3.json');
// `node scripts/build.mjs` empties out/, so the compiled binary is also kept here and copied back in a moment.
const cacheDir = path.join(root, 'node_modules', '.cache', 'orrery-electron-native', `${electronVersion}-${sqliteVersion}-${process.platform}-${process.arch}`);
const cached = path.join(cacheDir, 'better_sqlite3.node');
const sameAs = (stamp) => stamp && Object.entries(wanted).every(([key, value]) => stamp[key] === value);

async function install(from) {
  await mkdir(outDir, { recursive: true });
  await cp(from, target);
  await writeFile(stampFile, JSON.stringify(wanted, null, 2) + '\n');
}

if (!force && sameAs(await readJson(stampFile)) && (await exists(target))) {
  say(`out/native/electron/better_sqlite3.node is current (Electron ${electronVersion}, better-sqlite3 ${sqliteVersion}); nothing to do.`);
  process.exit(0);
}
if (!force && (await exists(cached))) {
  await install(cached);
  say(`restored the Electron ${electronVersion} build of better-sqlite3 ${sqliteVersion} from ${path.relative(root, cached)}.`);
  process.exit(0);
}

const devDir = path.join(os.homedir(), '.electron-gyp');
const headersCached = await exists(path.join(devDir, electronVersion, 'include', 'node', 'node_version.h'));
if (!headersCached) {
  const headersUrl = `${distUrl}/v${electronVersion}/node-v${electronVersion}-headers.tar.gz`;
  say(`checking that the Electron ${electronVersion} headers can be downloaded (${headersUrl})`);
  try {
    const response = await fetch(headersUrl, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    fail(
      `cannot download the Electron ${electronVersion} headers from ${distUrl} (${error.cause?.code ?? error.message}). ` +
        'Building better-sqlite3 for Electron needs them once; connect to the internet and run `node scripts/electron-native.mjs` again. ' +
        'Until then the Electron window cannot open projects; `orrery serve` (the web host) works without it.',
    );
  }
}

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  fail('node-gyp is not installed in node_modules; run npm install first.');
}

// Build in a temp copy: node_modules/better-sqlite3/build must keep its Node-ABI binary.
const work = await mkdtemp(path.join(os.tmpdir(), 'orrery-electron-native-'));
try {
  say(`copying better-sqlite3 ${sqliteVersion} to ${work}`);
  await cp(sqliteDir, work, { recursive: true, filter: (source) => !source.startsWith(path.join(sqliteDir, 'build')) });
  const args = [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', `--arch=${process.arch}`, `--dist-url=${distUrl}`, `--devdir=${devDir}`];
  say(`node ${args.map((arg) => path.basename(arg) === 'node-gyp.js' ? 'node-gyp' : arg).join(' ')}  (in the copy; takes a few minutes)`);
  // npm's own settings (a nodedir pointing at Node's headers) must not leak into an Electron build.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch)$/i.test(key)));
  const result = spawnSync(process.execPath, args, { cwd: work, stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`node-gyp failed (exit ${result.status ?? result.signal}); see its output above.`);
  const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
  if (!(await exists(built))) throw new Error(`node-gyp finished but ${built} is missing.`);
  await mkdir(cacheDir, { recursive: true });
  await cp(built, cached);
  await install(built);
  say(`built ${path.relative(root, target)} for Electron ${electronVersion} (${process.platform}-${process.arch}).`);
} catch (error) {
  await rm(work, { recursive: true, force: true });
  fail(error.message);
}
await rm(work, { recursive: true, force: true });
