// One build for the three bundles: main (Electron main, CLI/web host, workers), preload, renderer.
import { build } from 'esbuild';
import { cp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monacoBundleOptions, monacoWorkerBundleOptions, nativeExternals, nodeBundleOptions, rendererLoaders } from './bundle-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out');
const production = process.env.NODE_ENV !== 'development';
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));


const started = Date.now();
// Only the bundles are rebuilt; out/native (the Electron-ABI sqlite binding) survives a build.
await Promise.all(['main', 'preload', 'renderer'].map((dir) => rm(path.join(out, dir), { recursive: true, force: true })));
await mkdir(path.join(out, 'renderer'), { recursive: true });

const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', define: { 'process.env.ORRERY_VERSION': JSON.stringify(pkg.version) } };

await Promise.all([
  build({
    ...common,
    entryPoints: {
      'electron-main': 'main/electron-main.ts',
      cli: 'main/server/cli.ts',
      'pty-host': 'main/workers/pty-host.ts',
      'inference-worker': 'main/services/models/inference-worker.ts',
    },
    ...nodeBundleOptions,
    outdir: path.join(out, 'main'),
    outExtension: { '.js': '.cjs' },
    external: nativeExternals,
  }),
  build({
    ...common,
    entryPoints: { index: 'preload/index.ts' },
    ...nodeBundleOptions,
    outdir: path.join(out, 'preload'),
    outExtension: { '.js': '.cjs' },
    minify: production,
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: { app: 'renderer/index.tsx' },
    outdir: path.join(out, 'renderer', 'assets'),
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
    minify: production,
    jsx: 'automatic',
    loader: rendererLoaders,
    define: { ...common.define, 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
  }),
  // Monaco is its own ESM bundle, loaded when a notebook first shows an editor (renderer/features/notebooks/monaco-loader.ts).
  build({
    ...common,
    ...monacoBundleOptions,
    minify: production,
    outdir: path.join(out, 'renderer', 'assets'),
  }),
  // …and its worker, a classic script.
  build({
    ...common,
    ...monacoWorkerBundleOptions,
    minify: production,
    outdir: path.join(out, 'renderer', 'assets'),
  }),
]);
await cp(path.join(root, 'renderer', 'index.html'), path.join(out, 'renderer', 'index.html'));
await writeFile(path.join(out, 'build-info.json'), JSON.stringify({ version: pkg.version, builtAt: new Date().toISOString() }) + '\n');
console.log(`build: main, preload and renderer bundles in out/ (${Date.now() - started} ms)`);
