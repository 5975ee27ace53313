// `npm run bench -- terminal`: 50 MiB of output through pty → terminal service → WebSocket → xterm.js in Chromium,
// in MB/s, against the bare node-pty read rate of the same command measured in the same run (`cat` of a
// generated file of printable lines). Medians of 3.
//  - baseline: node-pty in this process runs `cat FILE` and reads until every byte arrived;
//  - service: the same through TerminalService with the child-process pty host (what the web host runs), to the bus;
//  - end to end: `orrery serve` (fresh ORRERY_HOME, its sample project), Chromium opens the Terminal area, the
//    command is typed and Enter pressed (t0); done when the terminal's `data-bytes-written` reaches the output
//    (xterm.js has processed it; the attribute is updated at most every 100 ms, so up to 0.1 s is in the figure).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as pty from 'node-pty';
import type { Page } from 'playwright-core';
import { systemClock } from '../../main/core/clock';
import { anyId, EventBus } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import { createChildProcessPtyHost } from '../../main/services/terminals/pty-host-child';
import { TerminalService } from '../../main/services/terminals/terminal-service';
import { launchChromium } from './browser';
import { figure, median, repoRoot, summary } from './lib';

const fileBytes = 50 * 1024 * 1024;
const lineLength = 100;
const lines = fileBytes / lineLength;
/** What the pty delivers: the terminal turns each \n into \r\n. */
const outputBytes = fileBytes + lines;
const trials = 3;
const goal = 0.5;
const mib = 1024 * 1024;

async function writeFlood(file: string): Promise<void> {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_=+[](){}<>/';
  const rows: string[] = [];
  for (let i = 0; i < lines; i++) {
    let line = `${String(i).padStart(8, '0')} `;
    while (line.length < lineLength - 1) line += alphabet[(i * 7 + line.length) % alphabet.length];
    rows.push(line);
  }
  await writeFile(file, rows.join('\n') + '\n');
}

/** Bare node-pty: spawn `cat FILE` in a pty and read until every output byte arrived. Answers seconds. */
async function baselineTrial(file: string): Promise<number> {
  const started = performance.now();
  const child = pty.spawn('/bin/cat', [file], { cols: 120, rows: 30, cwd: os.tmpdir(), env: { ...process.env } as Record<string, string> });
  let received = 0;
  const done = new Promise<number>((resolve, reject) => {
    child.onData((data) => {
      received += data.length;
      if (received >= outputBytes) resolve((performance.now() - started) / 1000);
    });
    child.onExit(() => setTimeout(() => reject(new Error(`baseline: only ${received} of ${outputBytes} bytes`)), 1000));
  });
  // Hold the slave side open, as the pty host does, so the tail is not lost when cat exits.
  const slave = await open((child as unknown as { ptsName: string }).ptsName, constants.O_RDWR | constants.O_NOCTTY);
  try {
    return await done;
  } finally {
    await slave.close();
  }
}

/** The terminal service with the child-process pty host, to the bus. Answers seconds. */
async function serviceTrial(file: string, worker: string, project: string): Promise<number> {
  const bus = new EventBus();
  const service = new TerminalService({
    bus,
    logger: silentLogger,
    clock: systemClock,
    projects: { requireCurrent: () => ({ path: project }) },
    allowedRoots: [os.tmpdir()],
    env: { PATH: process.env.PATH, HOME: project, PS1: '$ ' },
    ptyHost: createChildProcessPtyHost(worker),
    settings: () => ({ terminalShell: '/bin/bash' }),
  });
  try {
    const { id } = await service.create({ cols: 120, rows: 30 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    let received = 0;
    let started = 0;
    const done = new Promise<number>((resolve) => {
      bus.subscribe('terminal.data', anyId, ({ payload }) => {
        received += payload.data.length;
        if (started > 0 && received >= outputBytes) resolve((performance.now() - started) / 1000);
      });
    });
    started = performance.now();
    service.write(id, `stty -echo; cat ${file}\r`);
    return await done;
  } finally {
    await service.dispose();
  }
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`orrery serve printed no URL: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Orrery is serving at (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`orrery serve exited (${code}): ${out}`)));
  });
}

const view = '.terminal-view:not([hidden])';
const bytesOf = (page: Page) => page.$eval(view, (e) => Number((e as HTMLElement).dataset.bytesWritten ?? 0));

/** Waits until the terminal's output stops growing (the prompt is drawn), boundedly. */
async function settle(page: Page): Promise<number> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const now = await bytesOf(page);
    if (now === last && now > 0) return now;
    last = now;
    await page.waitForTimeout(250);
  }
  throw new Error('the terminal never settled');
}

/** One end-to-end trial in an open terminal. Answers seconds. */
async function endToEndTrial(page: Page, file: string): Promise<number> {
  const before = await settle(page);
  const command = `cat ${file}`;
  await page.keyboard.type(command);
  await page.waitForFunction(([sel, n]) => Number((document.querySelector(sel) as HTMLElement).dataset.bytesWritten) >= n, [view, before + command.length] as const);
  // Output to wait for: the echoed Enter (\r\n) and the file; the prompt comes after.
  const target = before + command.length + 2 + outputBytes;
  // The page watches the attribute itself (no polling over the DevTools protocol while the flood runs).
  const reached = page.evaluate(
    ([sel, n]) =>
      new Promise<void>((resolve) => {
        const element = document.querySelector(sel) as HTMLElement;
        const check = () => Number(element.dataset.bytesWritten) >= n && (observer.disconnect(), resolve());
        const observer = new MutationObserver(check);
        observer.observe(element, { attributes: true, attributeFilter: ['data-bytes-written'] });
        check();
      }),
    [view, target] as const,
  );
  const started = performance.now();
  await page.keyboard.press('Enter');
  await Promise.race([reached, new Promise((_, reject) => setTimeout(() => reject(new Error('the flood did not finish in 5 minutes')), 300_000).unref())]);
  return (performance.now() - started) / 1000;
}

async function endToEnd(file: string, home: string): Promise<number[]> {
  const server = spawn(process.execPath, [path.join(repoRoot, 'out', 'main', 'cli.cjs'), 'serve', '--port', '0', '--token', 'bench-terminal-token'], {
    env: { ...process.env, ORRERY_HOME: home, ORRERY_PROJECTS_DIR: path.join(home, 'projects'), ORRERY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const browser = await launchChromium();
  try {
    const url = await waitForUrl(server);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.getByRole('button', { name: 'Terminal', exact: true }).click();
    await page.waitForSelector(`${view}[data-terminal-id]`, { timeout: 30_000 });
    await page.click(view);
    const seconds: number[] = [];
    for (let i = 0; i < trials; i++) seconds.push(await endToEndTrial(page, file));
    return seconds;
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-bench-terminal-'));
  try {
    const file = path.join(dir, 'flood.txt');
    const project = path.join(dir, 'project');
    await Promise.all([writeFlood(file), mkdir(project)]);
    const worker = path.join(repoRoot, 'out', 'main', 'pty-host.cjs');
    const baseline: number[] = [];
    const service: number[] = [];
    for (let i = 0; i < trials; i++) baseline.push(await baselineTrial(file));
    for (let i = 0; i < trials; i++) service.push(await serviceTrial(file, worker, project));
    const endToEndSeconds = await endToEnd(file, path.join(dir, 'home'));
    const rate = (seconds: number) => fileBytes / mib / seconds;
    const baselineRate = median(baseline.map(rate));
    const serviceRate = median(service.map(rate));
    const e2eRate = median(endToEndSeconds.map(rate));
    console.log(`terminal: ${fileBytes / mib} MiB (${lines} lines of ${lineLength} bytes) via \`cat\`, medians of ${trials}`);
    figure('baseline: bare node-pty read', baselineRate, 'MB/s');
    figure('pty host (child) -> service -> bus', serviceRate, 'MB/s');
    figure('end to end: -> WebSocket -> xterm.js', e2eRate, 'MB/s');
    figure('end-to-end runs (s)', endToEndSeconds.map((s) => s.toFixed(2)).join(' '));
    figure('ratio end to end / baseline', e2eRate / baselineRate);
    figure('goal', `>= ${goal}`);
    summary('terminal', {
      ratio: e2eRate / baselineRate,
      mb_per_s: e2eRate,
      baseline_mb_per_s: baselineRate,
      service_mb_per_s: serviceRate,
      goal_met: e2eRate / baselineRate >= goal,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
