// Shared set-up for the terminal integration tests: a temp "project", a real EventBus, a fake project service
// (the one seam: it answers the folder), and waits that are bounded in time.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OrreryError } from '../../app/contract';
import { systemClock } from '../../main/core/clock';
import { anyId, EventBus } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import type { FlowLimits } from '../../main/services/terminals/flow-control';
import type { PtyHostFactory } from '../../main/services/terminals/pty-host';
import { TerminalService, type TerminalServiceDeps } from '../../main/services/terminals/terminal-service';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** A project service stand-in: the open project's folder, or `no_project`. */
export class FakeProjects {
  current: { path: string } | null = null;
  requireCurrent(): { path: string } {
    if (!this.current) throw new OrreryError('no_project', 'Open a project first.');
    return this.current;
  }
}

/** Everything one test needs; `dispose` ends the service and removes the folders. */
export interface Harness {
  readonly service: TerminalService;
  readonly bus: EventBus;
  readonly projects: FakeProjects;
  readonly projectDir: string;
  readonly outsideDir: string;
  /** The shells' HOME (empty: no start-up file unless a test writes one). */
  readonly home: string;
  /** All output of a terminal so far. */
  output(id: string): string;
  /** UTF-8 bytes the service said it left out of a terminal's output (views that declared keepLines). */
  skipped(id: string): number;
  exits: Map<string, { exitCode: number; signal: number | null }>;
  dispose(): Promise<void>;
}

/** Builds a service over a temp project with /bin/bash and a quiet, predictable environment. */
export async function createHarness(ptyHost: PtyHostFactory, flowLimits?: FlowLimits, deps: Pick<TerminalServiceDeps, 'activateEnv' | 'startupDir'> = {}): Promise<Harness> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'orrery-terminal-'));
  const projectDir = path.join(base, 'project');
  const outsideDir = path.join(base, 'outside');
  const home = path.join(base, 'home');
  await Promise.all([mkdir(path.join(projectDir, 'sub'), { recursive: true }), mkdir(outsideDir), mkdir(home)]);
  const bus = new EventBus();
  const projects = new FakeProjects();
  projects.current = { path: projectDir };
  const chunks = new Map<string, string[]>();
  const skipped = new Map<string, number>();
  const exits = new Map<string, { exitCode: number; signal: number | null }>();
  const unsubscribes = [
    bus.subscribe('terminal.data', anyId, ({ id, payload }) => {
      const list = chunks.get(id) ?? [];
      list.push(payload.data);
      chunks.set(id, list);
      if (payload.skipped) skipped.set(id, (skipped.get(id) ?? 0) + payload.skipped);
    }),
    bus.subscribe('terminal.exit', anyId, ({ id, payload }) => exits.set(id, payload)),
  ];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', PS1: '$ ' };
  const service = new TerminalService({
    bus,
    logger: silentLogger,
    clock: systemClock,
    projects,
    allowedRoots: [os.tmpdir()],
    env,
    ptyHost,
    settings: () => ({ terminalShell: '/bin/bash' }),
    ...(flowLimits ? { flowLimits } : {}),
    ...deps,
  });
  return {
    service,
    bus,
    projects,
    projectDir,
    outsideDir,
    home,
    exits,
    output: (id) => (chunks.get(id) ?? []).join(''),
    skipped: (id) => skipped.get(id) ?? 0,
    async dispose() {
      await service.dispose();
      for (const unsubscribe of unsubscribes) unsubscribe();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 20 ms until it holds; fails after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The worker bundle out/main/pty-host.cjs, which the vitest global setup builds. */
export async function workerBundle(): Promise<string> {
  const built = path.join(repoRoot, 'out', 'main', 'pty-host.cjs');
  if (!existsSync(built)) throw new Error('out/main/pty-host.cjs is missing: the build failed; run `npm run build` to see why.');
  return built;
}

/** Parses `label=<pid>` markers a shell printed (the typed command echoes `$!`, never digits). */
export function pidsIn(output: string, label: string): number[] {
  return [...output.matchAll(new RegExp(`${label}=(\\d+)`, 'g'))].map((match) => Number(match[1]));
}
