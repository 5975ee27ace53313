import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../../main/core/logger';
import {
  chooseInitialState,
  defaultWindowState,
  isOnSomeDisplay,
  loadWindowState,
  trackWindowState,
  type TrackedWindow,
} from '../../../../main/windows/window-state';
import { FakeBrowserWindow } from '../platform/fake-electron';

const screen = [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];

describe('isOnSomeDisplay', () => {
  it('accepts a window whose title bar is on a display, even partly', () => {
    expect(isOnSomeDisplay({ x: 100, y: 100, width: 800, height: 600 }, screen)).toBe(true);
    expect(isOnSomeDisplay({ x: 1700, y: 100, width: 800, height: 600 }, screen)).toBe(true);
  });

  it('refuses a window off every display, or with its title bar above the top', () => {
    expect(isOnSomeDisplay({ x: 3000, y: 100, width: 800, height: 600 }, screen)).toBe(false);
    expect(isOnSomeDisplay({ x: 100, y: -500, width: 800, height: 600 }, screen)).toBe(false);
    expect(isOnSomeDisplay({ x: 1880, y: 100, width: 800, height: 600 }, screen)).toBe(false);
    expect(isOnSomeDisplay({ x: 100, y: 100, width: 800, height: 600 }, [])).toBe(false);
  });

  it('finds a window on a second display left of the primary (negative coordinates)', () => {
    const two = [...screen, { workArea: { x: -1280, y: 0, width: 1280, height: 1024 } }];
    expect(isOnSomeDisplay({ x: -1200, y: 50, width: 800, height: 600 }, two)).toBe(true);
  });
});

describe('chooseInitialState', () => {
  it('keeps a valid saved state that is on a display', () => {
    const saved = { x: 10, y: 20, width: 1000, height: 700, maximized: true };
    expect(chooseInitialState(saved, screen)).toEqual(saved);
  });

  it('answers the defaults for anything malformed', () => {
    for (const saved of [null, 42, 'x', {}, { x: 1.5, y: 0, width: 800, height: 600, maximized: false }, { x: 0, y: 0, width: 800, height: 600 }]) {
      expect(chooseInitialState(saved, screen)).toEqual(defaultWindowState);
    }
  });
});

describe('loadWindowState', () => {
  it('answers the defaults when there is no file yet', async () => {
    expect(await loadWindowState(path.join(os.tmpdir(), 'orrery-no-such-dir', 'window-state.json'), screen, silentLogger)).toEqual(defaultWindowState);
  });
});

describe('trackWindowState', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-state-'));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes once after a burst of moves settles (debounced), not once per event', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const window = new FakeBrowserWindow({ x: 0, y: 0, width: 800, height: 600 });
    const reads = vi.spyOn(window, 'getNormalBounds');
    const file = path.join(dir, 'window-state.json');
    const tracker = trackWindowState(window as unknown as TrackedWindow, { file, logger: silentLogger, debounceMs: 400 });
    for (let step = 1; step <= 20; step += 1) {
      window.setBounds({ x: step * 10, y: step * 5, width: 800, height: 600 });
      vi.advanceTimersByTime(100);
    }
    expect(reads).not.toHaveBeenCalled();
    vi.advanceTimersByTime(400);
    expect(reads).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
    await tracker.flush();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ x: 200, y: 100, width: 800, height: 600, maximized: false });
    expect((await readdir(dir)).sort()).toEqual(['window-state.json']);
    tracker.dispose();
  });

  it('after dispose, changes are no longer saved', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const window = new FakeBrowserWindow({ x: 0, y: 0, width: 800, height: 600 });
    const reads = vi.spyOn(window, 'getNormalBounds');
    const tracker = trackWindowState(window as unknown as TrackedWindow, { file: path.join(dir, 's.json'), logger: silentLogger, debounceMs: 50 });
    tracker.dispose();
    window.setBounds({ x: 5, y: 5, width: 900, height: 600 });
    vi.advanceTimersByTime(1000);
    expect(reads).not.toHaveBeenCalled();
  });
});
