import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Builds the bundles once (workers and the web host run from out/) and points ORRERY_HOME at a temp folder.
 * A failed build is reported, not fatal: tests that need out/ then fail with their own message.
 */
export default function setup(): void {
  process.env.ORRERY_HOME = mkdtempSync(path.join(os.tmpdir(), 'orrery-test-home-'));
  if (process.env.ORRERY_SKIP_BUILD === '1') return;
  try {
    execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'ensure-build.mjs')], { stdio: 'inherit' });
  } catch {
    console.warn('global-setup: the build failed; tests that run bundles from out/ will fail.');
  }
}
