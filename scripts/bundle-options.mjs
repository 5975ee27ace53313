// esbuild options shared by the build and the benchmarks: Node bundles as CJS for Node 20, with native
// modules and Electron left outside (they load from node_modules, unpacked from asar when packaged).

/** Modules never bundled. */
export const nativeExternals = ['electron', 'better-sqlite3', 'node-pty', 'zeromq', 'onnxruntime-node', 'bufferutil', 'utf-8-validate', 'cpu-features', '*.node'];

/** Base options of every Node-side bundle. */
export const nodeBundleOptions = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };

/** File loaders of the renderer bundles: fonts (KaTeX's, Monaco's codicons) and images become files beside the CSS. */
export const rendererLoaders = { '.woff2': 'file', '.woff': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file' };

/** The Monaco bundle: editor API, the contributions a cell needs and Python only (not every language Monaco has). */
export const monacoBundleOptions = {
  entryPoints: { monaco: 'renderer/features/notebooks/monaco-entry.ts' },
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'chrome120',
  loader: rendererLoaders,
};

/** Monaco's editor worker (word ranges, diffs), built as a classic worker script. */
export const monacoWorkerBundleOptions = {
  entryPoints: { 'editor.worker': 'node_modules/monaco-editor/esm/vs/editor/editor.worker.js' },
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
};
