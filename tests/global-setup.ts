import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Builds the bundles once (workers and the web host run from out/) and points ORRERY_HOME at a temp folder. */
export default function setup(): void {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'ensure-build.mjs')], { stdio: 'inherit' });
  process.env.ORRERY_HOME = mkdtempSync(path.join(os.tmpdir(), 'orrery-test-home-'));
}
