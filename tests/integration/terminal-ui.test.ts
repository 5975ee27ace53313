// The Terminal area in real Chromium against the real web host (`orrery serve`, child-process pty host, bash):
// tabs, input and output, copy/paste, exit codes, close (the process tree ends), redraw after reload, resize.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs } from '../../playwright.config';
import { runningOf } from '../../main/services/terminals/process-tree';
import { pidsIn, repoRoot, waitFor } from './terminal-harness';

const cli = path.join(repoRoot, 'out', 'main', 'cli.cjs');
const chromiumPath = process.env.ORRERY_CHROMIUM ?? '/usr/bin/chromium';
/** Debian's Chromium is installed by `npm test`'s setup (and CI); without it this suite says so and skips. */
const hasChromium = existsSync(chromiumPath);

let home = '';
let server: ChildProcess | null = null;
let browser: Browser | null = null;
let context: BrowserContext | null = null;
let page: Page;
let origin = '';

async function startServer(): Promise<string> {
  home = await mkdtemp(path.join(os.tmpdir(), 'orrery-terminal-ui-'));
  await mkdir(path.join(home, 'projects'));
  server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--token', 'terminal-ui-token'], {
    // HOME is the test's folder: the shells read no start-up file of the machine's user.
    env: { ...process.env, HOME: home, ORRERY_HOME: home, ORRERY_PROJECTS_DIR: path.join(home, 'projects'), ORRERY_LOG_LEVEL: 'warn', SHELL: '/bin/bash' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor('the URL line', () => /Orrery is serving at \S+/.test(output), 30_000);
  return /Orrery is serving at (\S+)/.exec(output)![1]!;
}

/** Processes whose environment names this test's ORRERY_HOME: the host, its pty host, the shells. */
async function processesUsingHome(): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.split('\0').includes(`ORRERY_HOME=${home}`)) found.push(Number(entry));
  }
  return found;
}

const activeView = '#panel-terminal .terminal-view:not([hidden])';
const screenText = () => page.locator(`${activeView} .xterm-rows`).innerText();
const tabs = () => page.locator('#panel-terminal .terminal-tab');

async function typeLine(line: string): Promise<void> {
  await page.locator(activeView).click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

async function waitForScreen(what: string | RegExp, timeoutMs?: number): Promise<string> {
  let text = '';
  await waitFor(
    `screen to show ${what}`,
    async () => {
      text = await screenText();
      return typeof what === 'string' ? text.includes(what) : what.test(text);
    },
    timeoutMs,
  );
  return text;
}

describe.skipIf(!hasChromium)(`the Terminal area in Chromium (web host)${hasChromium ? '' : ` — skipped: no Chromium at ${chromiumPath}`}`, () => {
  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (node scripts/build.mjs; vitest's global setup does it).`);
    const url = await startServer();
    origin = new URL(url).origin;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    page = await context.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Terminal', exact: true }).click();
    await page.locator(`${activeView}[data-terminal-id]`).waitFor({ timeout: 20_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    // The host takes its pty host and every shell with it.
    await waitFor('no process of this host left', async () => (await processesUsingHome()).length === 0, 8000);
    await rm(home, { recursive: true, force: true });
  });

  it('opens a terminal in the project folder on first visit and runs a command', async () => {
    expect(await tabs().count()).toBe(1);
    await typeLine('echo orrery-$((6*7)); pwd');
    const text = await waitForScreen('orrery-42');
    expect(text).toContain(path.join(home, 'projects'));
    await waitFor('bytes counted', async () => Number(await page.locator(activeView).getAttribute('data-bytes-written')) > 0);
  });

  it('draws a flood of multi-byte characters whole (pty reads end at arbitrary bytes)', async () => {
    const before = Number(await page.locator(activeView).getAttribute('data-bytes-written'));
    // é 漢 😀 (2, 3 and 4 bytes) typed as octal escapes; 200 lines of 2,700 bytes.
    const chars = String.raw`\303\251\346\274\242\360\237\230\200`;
    await typeLine(`s=$(printf '${chars}%.0s' $(seq 300)); for i in $(seq 200); do echo "$s"; done; echo flood-$((6*7))`);
    const text = await waitForScreen(/^flood-42\s*$/m);
    expect(text).not.toContain('\ufffd');
    expect(text).toContain('é漢😀é漢😀');
    const flood = 200 * (2700 + 2);
    await waitFor('the flood counted', async () => Number(await page.locator(activeView).getAttribute('data-bytes-written')) - before > flood);
  });

  it('ends a flood larger than the flow-control window whole: the last lines shown, every byte counted', async () => {
    const before = Number(await page.locator(activeView).getAttribute('data-bytes-written'));
    // 2,000,000 numbered lines (14.9 MB with CR LF): main holds output once the view is 8 MiB behind and leaves out
    // lines the view could never show; what it left out is still counted.
    const count = 2_000_000;
    await typeLine(`seq 1 ${count}; echo flood-end-$((6*7))`);
    const text = await waitForScreen(/^flood-end-42\s*$/m, 120_000);
    expect(text).toContain(`${count - 1}\n${count}`);
    let bytes = 0;
    for (let digits = 1, from = 1; from <= count; digits++, from *= 10) bytes += (Math.min(count, from * 10 - 1) - from + 1) * (digits + 2);
    await waitFor('the whole flood counted', async () => Number(await page.locator(activeView).getAttribute('data-bytes-written')) - before >= bytes, 120_000);
  }, 250_000);

  it('pastes with Ctrl+Shift+V and copies the selection with Ctrl+Shift+C', async () => {
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((2+3))'));
    await page.locator(activeView).click();
    await page.keyboard.press('Control+Shift+V');
    await page.keyboard.press('Enter');
    await waitForScreen(/^pasted-5$/m);
    const row = page.locator(`${activeView} .xterm-rows > div`, { hasText: /^pasted-5\s*$/ }).first();
    const box = (await row.boundingBox())!;
    await page.mouse.dblclick(box.x + 12, box.y + box.height / 2);
    await page.keyboard.press('Control+Shift+C');
    await waitFor('the clipboard', async () => (await page.evaluate(() => navigator.clipboard.readText())) === 'pasted-5');
  });

  it('shows the exit code on the tab and in the terminal when the shell ends', async () => {
    await page.getByRole('button', { name: 'New terminal' }).click();
    await waitFor('a second tab', async () => (await tabs().count()) === 2);
    await page.locator(`${activeView}[data-terminal-id]`).waitFor();
    await typeLine('exit 3');
    await waitForScreen('[process exited with code 3]');
    await expect.poll(() => tabs().nth(1).getByLabel('exited with code 3').count()).toBe(1);
  });

  it('closing a tab ends its process tree', async () => {
    await tabs().first().getByRole('tab').click();
    await typeLine('sleep 1000 & echo "bg=$!"; echo "sh=$$"');
    const text = await waitForScreen(/sh=\d+/);
    const pids = [...pidsIn(text, 'bg'), ...pidsIn(text, 'sh')];
    expect(pids).toHaveLength(2);
    expect(await runningOf(pids)).toEqual(pids);
    await tabs().first().getByRole('button', { name: /^Close / }).click();
    await waitFor('one tab left', async () => (await tabs().count()) === 1);
    await waitFor('the processes gone', async () => (await runningOf(pids)).length === 0, 8000);
  });

  it('redraws a terminal from its recent output after a reload, and fits the pty to the window', async () => {
    await page.getByRole('button', { name: 'New terminal' }).click();
    await waitFor('a new tab', async () => (await tabs().count()) === 2);
    await page.locator(`${activeView}[data-terminal-id]`).waitFor();
    await typeLine('echo before-$((40+2))-reload');
    await waitForScreen('before-42-reload');
    await page.reload();
    await page.getByRole('button', { name: 'Terminal', exact: true }).click();
    await waitFor('both tabs back', async () => (await tabs().count()) === 2);
    await waitForScreen('before-42-reload');
    // The other terminal was drawn while hidden: showing it shows its replayed screen and its exit.
    await tabs().first().getByRole('tab').click();
    await waitForScreen('[process exited with code 3]');
    await tabs().last().getByRole('tab').click();
    let asked = 0;
    const sttyCols = async () => {
      const marker = `size${++asked}=`;
      await typeLine(`clear; echo "${marker}$(stty size)"`);
      const pattern = new RegExp(`${marker}\\d+ (\\d+)`);
      return Number(pattern.exec(await waitForScreen(pattern))![1]);
    };
    const wide = await sttyCols();
    await page.setViewportSize({ width: 800, height: 600 });
    // The view refits on resize and tells main after a short debounce: ask until the pty has the new width.
    let narrow = wide;
    for (let i = 0; i < 20 && narrow === wide; i++) {
      await page.waitForTimeout(100);
      narrow = await sttyCols();
    }
    expect(wide).toBeGreaterThan(110);
    expect(narrow).toBeLessThan(wide * 0.75);
    expect(narrow).toBeGreaterThan(40);
  });
});
