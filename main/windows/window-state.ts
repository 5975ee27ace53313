import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserWindow, Display, Rectangle } from 'electron';
import { z } from 'zod';
import type { Logger } from '../core/logger';

/** Where and how big the window was, and whether it was maximized (bounds are the un-maximized ones). */
export interface SavedWindowState {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly maximized: boolean;
}

/** What the window opens with: a position only when the saved one is still on a display (else centred). */
export interface InitialWindowState {
  readonly x?: number;
  readonly y?: number;
  readonly width: number;
  readonly height: number;
  readonly maximized: boolean;
}

/** Size of a first window, or of one whose saved place is no longer on any display. */
export const defaultWindowState: InitialWindowState = { width: 1280, height: 800, maximized: false };

/** File name of the saved state inside the user-level data folder. */
export const windowStateFileName = 'window-state.json';

const savedStateSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(150).max(100_000),
  maximized: z.boolean(),
});

/** How much of the window's top strip (its title bar) must lie on one display for the place to be reused. */
const titleBand = { height: 32, minVisibleWidth: 100, minVisibleHeight: 16 } as const;

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, width), height: Math.max(0, height) };
}

/** True when the window's title bar would be reachable on one of the displays (so the user can move it). */
export function isOnSomeDisplay(bounds: Rectangle, displays: readonly Pick<Display, 'workArea'>[]): boolean {
  const band = { x: bounds.x, y: bounds.y, width: bounds.width, height: Math.min(bounds.height, titleBand.height) };
  return displays.some((display) => {
    const seen = overlap(band, display.workArea);
    return seen.width >= Math.min(titleBand.minVisibleWidth, bounds.width) && seen.height >= Math.min(titleBand.minVisibleHeight, band.height);
  });
}

/** Chooses the opening state: the saved one when it is valid and still on a display, the defaults otherwise. */
export function chooseInitialState(saved: unknown, displays: readonly Pick<Display, 'workArea'>[]): InitialWindowState {
  const parsed = savedStateSchema.safeParse(saved);
  if (!parsed.success) return defaultWindowState;
  const state = parsed.data;
  if (!isOnSomeDisplay(state, displays)) return defaultWindowState;
  return state;
}

/** Reads the saved state (missing or unreadable → defaults) and checks it against the current displays. */
export async function loadWindowState(file: string, displays: readonly Pick<Display, 'workArea'>[], logger: Logger): Promise<InitialWindowState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return defaultWindowState;
  }
  try {
    return chooseInitialState(JSON.parse(text), displays);
  } catch (error) {
    logger.warn('window state unreadable; using defaults', { file, error: error instanceof Error ? error.message : String(error) });
    return defaultWindowState;
  }
}

/** The part of BrowserWindow the tracker reads (a fake in tests). */
export type TrackedWindow = Pick<BrowserWindow, 'on' | 'getNormalBounds' | 'isMaximized' | 'isDestroyed'>;

/** Saves the window's state after it settles; `flush` writes at once (window closing, app quitting). */
export interface WindowStateTracker {
  flush(): Promise<void>;
  dispose(): void;
}

/**
 * Follows moves, resizes and (un)maximize, saving the state `debounceMs` after the last change
 * (a drag fires dozens of events); on 'close' it saves at once while the window can still be read.
 * Writes go to a temp file then rename, so a crash never leaves half a JSON file.
 */
export function trackWindowState(window: TrackedWindow, options: { file: string; logger: Logger; debounceMs?: number }): WindowStateTracker {
  const { file, logger } = options;
  const debounceMs = options.debounceMs ?? 400;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let disposed = false;

  const capture = (): SavedWindowState | null => {
    if (window.isDestroyed()) return null;
    const bounds = window.getNormalBounds();
    return { x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height, maximized: window.isMaximized() };
  };

  const save = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const state = capture();
    if (!state) return writing;
    const temp = `${file}.${process.pid}.tmp`;
    writing = writing
      .then(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(temp, JSON.stringify(state) + '\n');
        await rename(temp, file);
      })
      .catch((error: unknown) => logger.warn('could not save the window state', { file, error: error instanceof Error ? error.message : String(error) }));
    return writing;
  };

  const schedule = () => {
    if (disposed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void save(), debounceMs);
  };

  for (const name of ['resize', 'move', 'maximize', 'unmaximize'] as const) window.on(name as 'resize', schedule);
  window.on('close', () => {
    if (!disposed) void save();
  });

  return {
    flush: () => (disposed ? writing : save()),
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
