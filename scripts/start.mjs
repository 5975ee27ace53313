// `npm start`: set-up and build as needed, then the Electron window where its binary and a display
// exist, otherwise the web host (which prints its URL). Arguments after `--` go to whichever starts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from './ensure-build.mjs';
import { ensureNodeModules } from './setup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// `node scripts/start.mjs -- --port 0` passes the `--` on; npm start already drops it.
const forwarded = process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2);

/** The Electron binary's path when it is installed (require('electron') answers it from node), else null. */
function electronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Why the Electron window cannot open here, or null when it can. */
function whyNoWindow(binary) {
  if (!binary) return "Electron's binary is not installed here; starting the web host";
  if (!hasDisplay()) return 'no display here (DISPLAY and WAYLAND_DISPLAY are unset); starting the web host';
  const prepare = path.join(root, 'scripts', 'electron-native.mjs');
  if (existsSync(prepare)) {
    const result = spawnSync(process.execPath, [prepare], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) return 'the native modules could not be prepared for Electron; starting the web host';
  }
  return null;
}

function startElectron(binary) {
  const child = spawn(binary, [path.join(root, 'out', 'main', 'electron-main.cjs'), ...forwarded], { cwd: root, stdio: 'inherit' });
  // Ctrl+C reaches Electron from the terminal too; a signal sent to this script alone is passed on.
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
  child.on('error', (error) => {
    console.error(`start: Electron could not start (${error.message}); run \`node bin/orrery.cjs serve\` for the web host.`);
    process.exit(1);
  });
}

/** The web host in this very process (`orrery serve`): its own SIGINT/SIGTERM handling shuts it down cleanly. */
function startWebHost() {
  const cli = path.join(root, 'out', 'main', 'cli.cjs');
  process.argv = [process.argv[0], cli, 'serve', ...forwarded];
  require(cli);
}

ensureNodeModules();
await ensureBuild();
const binary = electronBinary();
const reason = whyNoWindow(binary);
if (reason === null) {
  startElectron(binary);
} else {
  console.log(`start: ${reason}`);
  startWebHost();
}
