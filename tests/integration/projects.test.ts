// ProjectService over real folders and real SQLite: create, open, close, recent, info, start-up, and the
// refusals (outside the roots, not a project, already one, corrupt or newer store, a folder it cannot write).
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import type { Project } from '../../app/models';
import { anyId, EventBus } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import { projectMigrations } from '../../main/services/store/project-migrations';
import { ProjectService } from '../../main/services/projects/project-service';
import { UserStore } from '../../main/services/user/user-store';
import { bundleChild, repoRoot, spawnChild, waitForExit } from './store-child';

interface World {
  service: ProjectService;
  user: UserStore;
  bus: EventBus;
  changes: (Project | null)[];
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('ProjectService', () => {
  let root: string;
  let home: string;
  let projectsDir: string;
  const worlds: World[] = [];
  let now = 1_000;

  function world(roots: readonly string[] = [root]): World {
    const bus = new EventBus();
    const clock = { now: () => now++ };
    const user = new UserStore({ userHome: home, logger: silentLogger, clock, bus });
    const service = new ProjectService({ user, bus, logger: silentLogger, clock, allowedRoots: roots, resourcesDir: path.join(repoRoot, 'resources'), projectsDir });
    const changes: (Project | null)[] = [];
    bus.subscribe('project.changed', anyId, (event) => changes.push(event.payload.project));
    const made = { service, user, bus, changes };
    worlds.push(made);
    return made;
  }

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'orrery-projects-'));
    home = path.join(root, 'home');
    projectsDir = path.join(root, 'projects');
  });

  afterEach(async () => {
    for (const w of worlds.splice(0)) {
      w.service.dispose();
      w.user.dispose();
    }
    await chmod(root, 0o700).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('creates a project in a new folder, opens it, records it as recent and announces it', async () => {
    const { service, changes } = world();
    const folder = path.join(root, 'work', 'vision');
    const project = await service.create({ path: folder, name: 'Vision' });
    expect(project).toMatchObject({ name: 'Vision', path: folder, schemaVersion: projectMigrations.length });
    expect(project.id).toMatch(/^proj_/);
    expect(service.current()).toEqual(project);
    expect(changes).toEqual([project]);
    const open = service.requireCurrent();
    expect(open.path).toBe(folder);
    expect(open.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const put = await open.artifacts.putBuffer(Buffer.from('weights'));
    expect(put.path.startsWith(path.join(folder, '.orrery', 'artifacts', 'sha256'))).toBe(true);
    expect((await service.recent()).map((r) => [r.path, r.name, r.exists])).toEqual([[folder, 'Vision', true]]);
  });

  it('names a project after its folder by default and keeps files already in the folder', async () => {
    const { service } = world();
    const folder = path.join(root, 'existing-code');
    await mkdir(folder);
    await writeFile(path.join(folder, 'README.md'), 'mine');
    const project = await service.create({ path: folder, sample: true });
    expect(project.name).toBe('existing-code');
    expect(await readFile(path.join(folder, 'README.md'), 'utf8')).toBe('mine');
    expect(await readFile(path.join(folder, 'train.py'), 'utf8')).toContain('def train(');
  });

  it('refuses to create over an existing project, and says to open it', async () => {
    const { service } = world();
    const folder = path.join(root, 'p');
    const first = await service.create({ path: folder });
    const refused = await failure(service.create({ path: folder }));
    expect(refused.code).toBe('already_exists');
    expect(refused.message).toMatch(/open it instead/);
    expect(service.current()?.id).toBe(first.id);
  });

  it('opens an existing project, closing the previous one, and lists both newest first', async () => {
    const { service, changes } = world();
    const a = await service.create({ path: path.join(root, 'a') });
    const dbA = service.requireCurrent().db;
    const b = await service.create({ path: path.join(root, 'b') });
    expect(dbA.open).toBe(false);
    const reopened = await service.open(path.join(root, 'a'));
    expect(reopened.id).toBe(a.id);
    expect(reopened.createdAt).toBe(a.createdAt);
    expect(changes.map((p) => p?.name)).toEqual(['a', 'b', 'a']);
    expect((await service.recent()).map((r) => r.name)).toEqual(['a', 'b']);
    expect(b.id).not.toBe(a.id);
  });

  it('closes the open project and says whether there was one', async () => {
    const { service, changes } = world();
    await service.create({ path: path.join(root, 'p') });
    const { db } = service.requireCurrent();
    expect(await service.close()).toEqual({ closed: true });
    expect(db.open).toBe(false);
    expect(service.current()).toBeNull();
    expect(changes.at(-1)).toBeNull();
    expect(await service.close()).toEqual({ closed: false });
    expect(() => service.requireCurrent()).toThrow(expect.objectContaining({ code: 'no_project', message: 'Open or create a project first' }));
  });

  it('refuses to open a folder that is not a project', async () => {
    const { service } = world();
    await mkdir(path.join(root, 'plain'));
    const refused = await failure(service.open(path.join(root, 'plain')));
    expect(refused.code).toBe('not_found');
    expect(refused.message).toMatch(/is not an Orrery project.*create one there/);
  });

  it('keeps every path inside the allowed roots, symlinks included', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'orrery-outside-'));
    try {
      const inside = path.join(root, 'inside');
      await mkdir(inside);
      const { service } = world([inside]);
      expect((await failure(service.create({ path: path.join(outside, 'p') }))).code).toBe('path_outside_root');
      expect((await failure(service.open(outside))).code).toBe('path_outside_root');
      expect((await failure(service.info(outside))).code).toBe('path_outside_root');
      expect((await failure(service.create({ path: path.join(inside, '..', 'escape') }))).code).toBe('path_outside_root');
      await symlink(outside, path.join(inside, 'link'));
      expect((await failure(service.create({ path: path.join(inside, 'link', 'p') }))).code).toBe('path_outside_root');
      expect((await failure(service.create({ path: 'relative/p' }))).code).toBe('invalid_input');
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses a corrupt project.db, leaves it untouched, and keeps the open project open', async () => {
    const { service } = world();
    const good = await service.create({ path: path.join(root, 'good') });
    const broken = path.join(root, 'broken');
    await mkdir(path.join(broken, '.orrery'), { recursive: true });
    const dbFile = path.join(broken, '.orrery', 'project.db');
    await writeFile(dbFile, 'not sqlite at all '.repeat(50));
    const before = await sha(dbFile);
    const refused = await failure(service.open(broken));
    expect(refused.code).toBe('corrupt_store');
    expect(refused.message).toContain(dbFile);
    expect(await sha(dbFile)).toBe(before);
    expect(service.current()?.id).toBe(good.id);
    expect(service.requireCurrent().db.open).toBe(true);
  });

  it('refuses a project written by a newer Orrery', async () => {
    const { service } = world();
    const folder = path.join(root, 'future');
    await service.create({ path: folder });
    await service.close();
    const raw = new Database(path.join(folder, '.orrery', 'project.db'));
    raw.pragma('user_version = 42');
    raw.close();
    const refused = await failure(service.open(folder));
    expect(refused.code).toBe('newer_schema');
    expect(refused.message).toMatch(new RegExp(`newer Orrery \\(schema 42, this one knows ${projectMigrations.length}\\); update Orrery`));
    expect(service.current()).toBeNull();
  });

  it('describes the open project or another one by path', async () => {
    const { service } = world();
    const other = await service.create({ path: path.join(root, 'other'), name: 'Other' });
    await service.create({ path: path.join(root, 'main'), name: 'Main' });
    const open = service.requireCurrent();
    await open.artifacts.putBuffer(Buffer.from('12345'));
    await open.artifacts.putBuffer(Buffer.from('abc'));
    const info = await service.info();
    expect(info.project.name).toBe('Main');
    expect(info.dbPath).toBe(path.join(root, 'main', '.orrery', 'project.db'));
    expect(info.dbBytes).toBeGreaterThan(0);
    expect(info.journalMode).toBe('wal');
    expect([info.artifactCount, info.artifactBytes]).toEqual([2, 8]);
    expect(info.tables).toEqual([
      { name: 'artifacts', rows: 2 },
      { name: 'deployments', rows: 0 },
      { name: 'env_locks', rows: 0 },
      { name: 'jobs', rows: 0 },
      { name: 'llm_calls', rows: 0 },
      { name: 'llm_calls_fts', rows: 0 },
      { name: 'metric_chunks', rows: 0 },
      { name: 'metric_keys', rows: 0 },
      { name: 'metrics', rows: 0 },
      { name: 'model_aliases', rows: 0 },
      { name: 'model_benchmarks', rows: 0 },
      { name: 'model_exports', rows: 0 },
      { name: 'model_packages', rows: 0 },
      { name: 'model_versions', rows: 0 },
      { name: 'models', rows: 0 },
      { name: 'project', rows: 1 },
      { name: 'project_settings', rows: 0 },
      { name: 'prompt_labels', rows: 0 },
      { name: 'prompt_versions', rows: 0 },
      { name: 'prompts', rows: 0 },
      { name: 'run_artifacts', rows: 0 },
      { name: 'run_events', rows: 0 },
      { name: 'runs', rows: 0 },
      { name: 'sandbox_sessions', rows: 0 },
      { name: 'serve_requests', rows: 0 },
      { name: 'spool_offsets', rows: 0 },
      { name: 'suite_cells', rows: 0 },
      { name: 'suite_runs', rows: 0 },
      { name: 'sweep_trials', rows: 0 },
      { name: 'sweeps', rows: 0 },
    ]);
    const otherInfo = await service.info(path.join(root, 'other'));
    expect(otherInfo.project).toMatchObject({ id: other.id, name: 'Other' });
    expect(otherInfo.artifactCount).toBe(0);
    // Looking at another project does not switch to it.
    expect(service.current()?.name).toBe('Main');
    await service.close();
    expect((await failure(service.info())).code).toBe('no_project');
  });

  it('first start: creates and opens the sample project; the next start reopens it', async () => {
    const first = world();
    await first.service.openStartupProject();
    const sample = first.service.current();
    expect(sample).toMatchObject({ name: 'Sample project', path: path.join(projectsDir, 'sample-project') });
    for (const file of ['README.md', 'train.py', 'data/iris.csv', 'notebooks/01-explore.ipynb', 'notebooks/02-train.ipynb', '.gitignore']) {
      expect((await readFile(path.join(sample!.path, file))).length).toBeGreaterThan(0);
    }
    first.service.dispose();
    first.user.dispose();

    const second = world();
    await second.service.openStartupProject();
    expect(second.service.current()?.id).toBe(sample!.id);
  });

  it('start-up reopens the last project opened, not the sample', async () => {
    const first = world();
    await first.service.openStartupProject();
    await first.service.create({ path: path.join(root, 'mine'), name: 'Mine' });
    first.service.dispose();
    const second = world();
    await second.service.openStartupProject();
    expect(second.service.current()?.name).toBe('Mine');
  });

  it('start-up leaves no project open when the last one no longer opens, and does not recreate the sample', async () => {
    const first = world();
    const folder = path.join(root, 'doomed');
    await first.service.create({ path: folder });
    first.service.dispose();
    await rm(folder, { recursive: true, force: true });
    const second = world();
    await second.service.openStartupProject();
    expect(second.service.current()).toBeNull();
    expect((await second.service.recent()).map((r) => r.exists)).toEqual([false]);
    await expect(readFile(path.join(projectsDir, 'sample-project', 'train.py'))).rejects.toThrow();
  });

  it('start-up opens an existing sample project when the recent list was lost', async () => {
    const first = world();
    await first.service.openStartupProject();
    const id = first.service.current()!.id;
    first.service.dispose();
    first.user.dispose();
    await rm(path.join(home, 'user.db'));
    const second = world();
    await second.service.openStartupProject();
    expect(second.service.current()?.id).toBe(id);
  });

  it('refuses a folder it cannot write with not_writable (checked by really writing, as an unprivileged user)', async () => {
    const locked = path.join(root, 'locked');
    await mkdir(locked, { mode: 0o755 });
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) {
      // Not root: permission bits do stop this user, so the check runs in-process.
      await chmod(locked, 0o555);
      const { service } = world();
      const refused = await failure(service.create({ path: locked }));
      expect(refused.code).toBe('not_writable');
      return;
    }
    // Root ignores permission bits, so the check runs in a child process as nobody (65534) against a
    // root-owned 0755 folder: the EACCES is real.
    await chmod(root, 0o755);
    const childHome = path.join(root, 'nobody-home');
    await mkdir(childHome, { mode: 0o777 });
    await chmod(childHome, 0o777);
    const bundleDir = path.join(root, 'bundle');
    await mkdir(bundleDir, { mode: 0o755 });
    const bundle = await bundleChild(unprivilegedCreateSource, bundleDir, 'create-as-nobody');
    const child = spawnChild(bundle, [childHome, locked, root, path.join(repoRoot, 'resources')], { uid: 65534, gid: 65534 });
    const exit = await waitForExit(child, 30_000);
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    const report = JSON.parse(exit.stdout) as { uid: number; results: { code?: string; message?: string }[] };
    expect(report.uid).toBe(65534);
    expect(report.results).toHaveLength(2);
    for (const result of report.results) {
      expect(result.code).toBe('not_writable');
      expect(result.message).toMatch(/cannot write to .*\(EACCES\).*Choose a folder you own/);
    }
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(locked)).toEqual([]);
  });
});

/** Runs ProjectService.create as the user the test starts it as; prints what happened as JSON. */
const unprivilegedCreateSource = `
import path from 'node:path';
import { isOrreryError } from './app/contract';
import { systemClock } from './main/core/clock';
import { EventBus } from './main/core/event-bus';
import { silentLogger } from './main/core/logger';
import { ProjectService } from './main/services/projects/project-service';
import { UserStore } from './main/services/user/user-store';

const [home, locked, root, resourcesDir] = process.argv.slice(2) as [string, string, string, string];
const bus = new EventBus();
const user = new UserStore({ userHome: home, logger: silentLogger, clock: systemClock, bus });
const projects = new ProjectService({ user, bus, logger: silentLogger, clock: systemClock, allowedRoots: [root], resourcesDir, projectsDir: root });
async function main() {
  const results: unknown[] = [];
  for (const target of [locked, path.join(locked, 'new-sub-folder')]) {
    try {
      await projects.create({ path: target });
      results.push({ created: target });
    } catch (error) {
      results.push(isOrreryError(error) ? { code: error.code, message: error.message } : { error: String(error) });
    }
  }
  projects.dispose();
  user.dispose();
  process.stdout.write(JSON.stringify({ uid: process.getuid?.(), results }));
}
void main();
`;
