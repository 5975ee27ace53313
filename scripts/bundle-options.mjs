// esbuild options shared by the build and the benchmarks: Node bundles as CJS for Node 20, with native
// modules and Electron left outside (they load from node_modules, unpacked from asar when packaged).

/** Modules never bundled. */
export const nativeExternals = ['electron', 'better-sqlite3', 'node-pty', 'zeromq', 'onnxruntime-node', 'bufferutil', 'utf-8-validate'];

/** Base options of every Node-side bundle. */
export const nodeBundleOptions = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };
