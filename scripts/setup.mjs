// Set-up shared by `npm start` and `npm test`: node dependencies and, for tests, the system packages.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the tests need, by the file that shows each is installed. */
export const systemPackages = [
  { name: 'chromium', file: '/usr/bin/chromium', why: 'browser for the E2E tests and benchmarks' },
  { name: 'xvfb', file: '/usr/bin/xvfb-run', why: 'a display for the Electron window tests' },
  { name: 'python3-ipykernel', file: '/usr/lib/python3/dist-packages/ipykernel/__init__.py', why: 'real Jupyter kernels for the notebook tests' },
  { name: 'jupyter-client', file: '/usr/lib/python3/dist-packages/jupyter_client/__init__.py', why: "the kernel benchmark's Python baseline" },
  { name: 'python3-nbformat', file: '/usr/lib/python3/dist-packages/nbformat/__init__.py', why: 'notebook fixtures and the official schemas' },
  { name: 'jupyter-nbconvert', file: '/usr/bin/jupyter-nbconvert', why: "the notebook-run benchmark's baseline" },
  { name: 'python3-matplotlib', file: '/usr/lib/python3/dist-packages/matplotlib/__init__.py', why: 'plots in notebook tests' },
  { name: 'python3-venv', file: '/usr/lib/python3.11/ensurepip/__init__.py', why: 'venvs for the environment tests' },
  { name: 'python3-pip', file: '/usr/lib/python3/dist-packages/pip/__init__.py', why: 'package installs in the environment tests' },
  { name: 'python3-setuptools', file: '/usr/lib/python3/dist-packages/setuptools/__init__.py', why: 'wheels and sdists built by the environment tests' },
  { name: 'python3-wheel', file: '/usr/lib/python3/dist-packages/wheel/__init__.py', why: 'wheels built by the environment tests' },
  { name: 'python3-torch', file: '/usr/lib/python3/dist-packages/torch/__init__.py', why: 'the PyTorch job template and the SDK tests with tensors' },
  { name: 'python3-sklearn', file: '/usr/lib/python3/dist-packages/sklearn/__init__.py', why: 'the scikit-learn job template' },
  { name: 'python3-xgboost', file: '/usr/lib/python3/dist-packages/xgboost/__init__.py', why: 'the XGBoost job template' },
  { name: 'python3-onnx', file: '/usr/lib/python3/dist-packages/onnx/__init__.py', why: 'metadata written into exported ONNX files, and the export tests reading them' },
];

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  return result.status === 0;
}

/** Installs node_modules when missing or older than the lockfile. Electron's binary is fetched where it can be. */
export function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs)) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  const env = { ONNXRUNTIME_NODE_INSTALL: 'skip' };
  const skipElectron = process.env.ELECTRON_SKIP_BINARY_DOWNLOAD === '1' || process.env.CI === 'true' || process.argv.includes('--tests');
  console.log(`setup: npm ${args[0]}${skipElectron ? ' (without the Electron binary)' : ''}`);
  if (run(npm, args, skipElectron ? { ...env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } : env)) return;
  if (!skipElectron) {
    console.log('setup: the Electron binary could not be downloaded; installing without it (Orrery will run as a web host).');
    if (run(npm, args, { ...env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })) return;
  }
  console.error('setup: npm could not install the dependencies; see the messages above.');
  process.exit(1);
}

/** Installs the Debian packages the tests need when running as root on Debian; otherwise says exactly what to run. */
export function ensureSystemPackages() {
  const missing = systemPackages.filter((p) => !existsSync(p.file));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name).join(' ');
  const canApt = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canApt) {
    console.error(`setup: missing ${missing.map((p) => `${p.name} (${p.why})`).join(', ')}.\nInstall them with: sudo apt-get install -y ${names}`);
    process.exit(1);
  }
  console.log(`setup: apt-get install ${names}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['update', '-qq'], env) || !run('apt-get', ['install', '-y', '-qq', ...missing.map((p) => p.name)], env)) {
    console.error(`setup: apt-get failed; install by hand: apt-get install -y ${names}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  ensureNodeModules();
  if (process.argv.includes('--tests')) ensureSystemPackages();
}
