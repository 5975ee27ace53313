import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../../../../app/models';
import { anyId, EventBus, type BusEvent } from '../../../../../main/core/event-bus';
import { silentLogger } from '../../../../../main/core/logger';
import { defaultSettings, recentLimit, UserStore } from '../../../../../main/services/user/user-store';

describe('UserStore', () => {
  let dir: string;
  let userHome: string;
  let bus: EventBus;
  let now: number;
  const stores: UserStore[] = [];

  const make = () => {
    const store = new UserStore({ userHome, logger: silentLogger, clock: { now: () => now }, bus });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-user-'));
    userHome = path.join(dir, 'home', 'Orrery');
    bus = new EventBus();
    now = 1_000;
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) store.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('is cheap to construct: nothing is created until first use, then the folder is private (0700)', async () => {
    const store = make();
    expect(existsSync(userHome)).toBe(false);
    expect(store.getSettings()).toEqual(defaultSettings);
    expect(existsSync(path.join(userHome, 'user.db'))).toBe(true);
    expect((await stat(userHome)).mode & 0o777).toBe(0o700);
  });

  it('defaults to the dark theme, font size 13 and the login shell', () => {
    expect(make().getSettings()).toEqual({ theme: 'dark', terminalFontSize: 13, terminalShell: null });
  });

  it('updates settings, keeps them across restarts, and publishes settings.changed', () => {
    const seen: BusEvent<'settings.changed'>[] = [];
    bus.subscribe('settings.changed', anyId, (event) => seen.push(event));
    const store = make();
    const updated = store.updateSettings({ theme: 'light', terminalShell: '/bin/zsh' });
    const expected: Settings = { theme: 'light', terminalFontSize: 13, terminalShell: '/bin/zsh' };
    expect(updated).toEqual(expected);
    expect(seen).toEqual([{ event: 'settings.changed', id: '', payload: expected }]);
    store.dispose();
    expect(make().getSettings()).toEqual(expected);
    make().updateSettings({ terminalShell: null });
    expect(make().getSettings().terminalShell).toBeNull();
  });

  it('falls back to the default for a stored value that no longer fits the schema', () => {
    make().updateSettings({ terminalFontSize: 20 });
    for (const store of stores.splice(0)) store.dispose();
    const raw = new Database(path.join(userHome, 'user.db'));
    raw.prepare("UPDATE settings SET value = '\"huge\"' WHERE key = 'terminalFontSize'").run();
    raw.prepare("INSERT INTO settings (key, value) VALUES ('theme', 'not json'), ('retired', '1')").run();
    raw.close();
    expect(make().getSettings()).toEqual(defaultSettings);
  });

  it('lists recent projects newest first, with ties broken by the later open, at most 20', async () => {
    const store = make();
    expect(store.lastOpened()).toBeNull();
    store.touchRecent('/p/a', 'A');
    store.touchRecent('/p/b', 'B');
    now = 2_000;
    store.touchRecent('/p/c', 'C');
    store.touchRecent('/p/a', 'A renamed');
    const recent = await store.recent();
    expect(recent.map((r) => [r.path, r.name, r.openedAt])).toEqual([
      ['/p/a', 'A renamed', 2_000],
      ['/p/c', 'C', 2_000],
      ['/p/b', 'B', 1_000],
    ]);
    expect(store.lastOpened()).toEqual({ path: '/p/a', name: 'A renamed', openedAt: 2_000 });
    for (let i = 0; i < 30; i++) {
      now += 1;
      store.touchRecent(`/p/many-${i}`, `M${i}`);
    }
    const many = await store.recent();
    expect(many).toHaveLength(recentLimit);
    expect(many[0]!.path).toBe('/p/many-29');
    expect(many.at(-1)!.path).toBe('/p/many-10');
  });

  it('says which recent projects still have their store on disk', async () => {
    const present = path.join(dir, 'present');
    await mkdir(path.join(present, '.orrery'), { recursive: true });
    await writeFile(path.join(present, '.orrery', 'project.db'), '');
    const store = make();
    store.touchRecent(path.join(dir, 'gone'), 'gone');
    now += 1;
    store.touchRecent(present, 'present');
    expect((await store.recent()).map((r) => [r.name, r.exists])).toEqual([
      ['present', true],
      ['gone', false],
    ]);
  });

  it('refuses a corrupt user.db with corrupt_store instead of replacing it', async () => {
    await mkdir(userHome, { recursive: true });
    await writeFile(path.join(userHome, 'user.db'), 'garbage'.repeat(100));
    expect(() => make().getSettings()).toThrow(expect.objectContaining({ code: 'corrupt_store' }));
  });
});
