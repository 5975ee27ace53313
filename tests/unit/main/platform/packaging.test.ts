import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..', '..', '..');
// Both ship with electron-builder (a devDependency): its YAML reader and its own schema check.
const require = createRequire(path.join(root, 'package.json'));
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string; buildResources?: string };
  files: string[];
  asarUnpack: string[];
  extraMetadata: { main: string };
  npmRebuild: boolean;
  linux: { target: string[]; category: string };
  mac: { target: string[]; category: string; hardenedRuntime: boolean };
  win: { target: string[] };
}

const config = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own configuration schema', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, linux: { ...config.linux, notAnOption: true } }, new DebugLogger(false))).rejects.toThrow(/configuration/i);
  });

  it('names the app and ships the built bundles and resources', () => {
    expect(config.appId).toBe('dev.orrery.app');
    expect(config.productName).toBe('Orrery');
    expect(config.directories.output).toBe('release');
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'resources/**', 'package.json']));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(config.extraMetadata.main).toBe('out/main/electron-main.cjs');
    expect(pkg.main).toBe(config.extraMetadata.main);
    expect(config.npmRebuild).toBe(true);
  });

  it('unpacks native modules and resources from the asar archive', () => {
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        '**/*.node',
        'node_modules/better-sqlite3/**',
        'node_modules/node-pty/**',
        'node_modules/zeromq/**',
        'node_modules/onnxruntime-node/**',
        'resources/**',
      ]),
    );
  });

  it('targets Linux (AppImage, deb), macOS (dmg, hardened) and Windows (nsis)', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Development');
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.mac.category).toBe('public.app-category.developer-tools');
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('has its icon: a 512x512 PNG (what electron-builder needs for every platform) and the SVG source', () => {
    const png = readFileSync(path.join(root, 'resources', 'icons', 'icon.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
    const svg = readFileSync(path.join(root, 'resources', 'icons', 'icon.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 512 512"/);
    expect(config.directories.buildResources).toBe('resources/icons');
  });
});
