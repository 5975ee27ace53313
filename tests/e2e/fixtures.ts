import { test as base, expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running web host for one test: its URL (with token), its ORRERY_HOME and projects folder. */
export interface OrreryHost {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly home: string;
  readonly projectsDir: string;
  /** What the host printed (stdout and stderr), for failure messages. */
  readonly output: string[];
  /** Stops the host now (SIGTERM, then SIGKILL); the fixture's own stop after the test is then a no-op for the process. */
  kill(): Promise<void>;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const urlLine = /Orrery is serving at (http:\/\/\S+)/;

/** Processes whose environment names this ORRERY_HOME (the host and anything it started: pty hosts, shells). */
export function processesUsingHome(home: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`ORRERY_HOME=${home}`)) found.push(Number(entry));
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `orrery serve --port 0 --token <random>` on a fresh ORRERY_HOME and waits (bounded) for its URL line. */
/** Waits up to 5 s for every process using this ORRERY_HOME to end, kills stragglers, removes the home, and fails if any were left. */
export async function expectNothingLeftRunning(home: string, after: string): Promise<void> {
  let left = processesUsingHome(home);
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesUsingHome(home);
  }
  for (const pid of left) process.kill(pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
  expect(left, `processes left running after ${after}: ${left.join(', ')}`).toEqual([]);
}

export async function startHost(): Promise<{ host: OrreryHost; stop: () => Promise<void> }> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'orrery-e2e-'));
  const projectsDir = path.join(home, 'projects');
  mkdirSync(projectsDir);
  const userHome = path.join(home, 'user');
  mkdirSync(userHome);
  const token = randomBytes(16).toString('hex');
  const output: string[] = [];
  const child = spawn(process.execPath, [path.join(repoRoot, 'out', 'main', 'cli.cjs'), 'serve', '--port', '0', '--token', token], {
    cwd: repoRoot,
    // HOME is a folder of the test (pyenv's versions still found through PYENV_ROOT): the host's shells read no
    // start-up file of the machine's user.
    env: { ...process.env, HOME: userHome, PYENV_ROOT: process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv'), ORRERY_HOME: home, ORRERY_PROJECTS_DIR: projectsDir, ORRERY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 10_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
  };
  const stop = async () => {
    await kill();
    // The host must take its pty host and shells with it; give them a moment, then say who is left.
    await expectNothingLeftRunning(home, 'the host stopped');
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL line within 30 s; output:\n${output.join('')}`)), 30_000);
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        output.push(chunk.toString());
        const match = urlLine.exec(buffered);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the host exited (${code}) before printing its URL:\n${output.join('')}`));
      });
    });
    return { host: { url, origin: new URL(url).origin, token, home, projectsDir, output, kill }, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Saves a full-page screenshot as test-results/screenshots/<test>-<name>.png and attaches it to the report. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  const slug = testInfo.titlePath.slice(1).join('-').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  const file = path.join(repoRoot, 'test-results', 'screenshots', `${slug}-${name}.png`);
  await page.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
  return file;
}

/** Playwright's test with `orrery`: a fresh web host per test, stopped (and checked for leftovers) after it. */
export const test = base.extend<{ orrery: OrreryHost }>({
  orrery: async ({}, use) => {
    const { host, stop } = await startHost();
    try {
      await use(host);
    } finally {
      await stop();
    }
  },
});

export { expect };

/** The open project's folder, from the status bar (the host made the sample project on first start). */
export async function projectPath(page: Page, projectsDir: string): Promise<string> {
  const status = page.getByTestId('status-project');
  await expect(status).toContainText(projectsDir);
  const title = await status.getAttribute('title');
  if (!title) throw new Error('the status bar names no project folder');
  return title;
}

/** Opens the command palette with its chord and runs the first command matching `query`. */
export async function runCommand(page: Page, query: string, expectedTitle: RegExp | string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.getByRole('combobox', { name: 'Type a command' });
  await expect(input).toBeFocused();
  await input.fill(query);
  await expect(page.locator('.palette').getByRole('option').first()).toContainText(expectedTitle);
  await input.press('Enter');
  await expect(input).toBeHidden();
}

/** The one project the host created (the sample), by its folder. */
export function sampleProject(projectsDir: string): string {
  const [name] = readdirSync(projectsDir);
  if (!name) throw new Error(`no project in ${projectsDir}`);
  return path.join(projectsDir, name);
}

/** A venv in the sample project (Debian's torch and ipykernel through system site packages), made behind Orrery's back. */
export function sampleVenv(orrery: OrreryHost): { project: string; venv: string } {
  const project = sampleProject(orrery.projectsDir);
  const venv = path.join(project, '.venv');
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', venv], { stdio: 'ignore' });
  return { project, venv };
}

/** The page on the sample project, with its venv (sampleVenv) found by a discovery pass. */
export async function openWithVenv(page: Page, orrery: OrreryHost): Promise<{ project: string; venv: string }> {
  const made = sampleVenv(orrery);
  await page.goto(orrery.url);
  await expect(page.getByTestId('status-project')).toContainText(orrery.projectsDir);
  await runCommand(page, 'refresh environments', 'Refresh Environments');
  await expect(page.getByRole('region', { name: 'Environments' }).getByText(made.venv).first()).toBeVisible({ timeout: 60_000 });
  return made;
}

/**
 * Queues the PyTorch template from the New job dialog, in the venv, with these form values; on a target other than
 * this machine (its label in the dialog) with these resources. Answers the job's row.
 */
export async function queueTemplateJob(page: Page, venv: string, name: string, values: Record<string, string>, where?: { target: string; resources?: Record<string, string> }): Promise<Locator> {
  const area = page.getByRole('region', { name: 'Jobs area' });
  await area.getByRole('tab', { name: 'Jobs' }).click();
  await area.getByRole('button', { name: 'New job…' }).click();
  const dialog = page.getByRole('dialog', { name: 'New job' });
  await dialog.getByTestId('job-template').selectOption('pytorch-classifier');
  const env = dialog.getByLabel('Environment');
  await env.selectOption((await env.locator(`option[data-prefix="${venv}"]`).getAttribute('value')) ?? '');
  if (where) await dialog.getByTestId('job-target').selectOption({ label: where.target });
  for (const [label, value] of Object.entries({ ...values, ...where?.resources })) await dialog.getByLabel(label, { exact: true }).fill(value);
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Queue job' }).click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  return area.getByTestId('job-row').filter({ hasText: name });
}
