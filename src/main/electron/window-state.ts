// Remembers where the window was. A saved position can point at a monitor that is no longer
// attached or has shrunk, so a restored state is always clamped to the displays present now.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, MIN_HEIGHT, MIN_WIDTH, type WindowState } from './window.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_WINDOW_STATE: WindowState = { width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT, maximized: false };

/** Enough of the window on screen to grab its title bar and drag it back. */
const MIN_VISIBLE = { width: 120, height: 60 };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads a saved state, or null when it is missing, corrupt, or from a different shape. */
export function parseWindowState(value: unknown): WindowState | null {
  if (!value || typeof value !== 'object') return null;
  const o = value as Record<string, unknown>;
  if (!finite(o.width) || !finite(o.height) || o.width <= 0 || o.height <= 0) return null;
  const state: WindowState = { width: Math.round(o.width), height: Math.round(o.height), maximized: o.maximized === true };
  if (finite(o.x) && finite(o.y)) {
    state.x = Math.round(o.x);
    state.y = Math.round(o.y);
  }
  return state;
}

function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));

/**
 * Fits a state to the work areas of the attached displays (primary first). The window lands on the
 * display it overlaps most, shrunk to fit and moved fully inside it; if it is barely visible
 * anywhere, it is centred on the primary display instead.
 */
export function clampToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  if (!primary) return state;
  const fit = (area: Rect) => ({
    width: clamp(state.width, Math.min(MIN_WIDTH, area.width), area.width),
    height: clamp(state.height, Math.min(MIN_HEIGHT, area.height), area.height),
  });

  if (state.x !== undefined && state.y !== undefined) {
    const rect: Rect = { x: state.x, y: state.y, width: state.width, height: state.height };
    let best: Rect | null = null;
    let bestArea = 0;
    for (const area of workAreas) {
      const a = overlapArea(rect, area);
      if (a > bestArea) [best, bestArea] = [area, a];
    }
    if (best && bestArea >= MIN_VISIBLE.width * MIN_VISIBLE.height) {
      const size = fit(best);
      return {
        ...size,
        x: clamp(state.x, best.x, best.x + best.width - size.width),
        y: clamp(state.y, best.y, best.y + best.height - size.height),
        maximized: state.maximized,
      };
    }
  }
  const size = fit(primary);
  return {
    ...size,
    x: primary.x + Math.round((primary.width - size.width) / 2),
    y: primary.y + Math.round((primary.height - size.height) / 2),
    maximized: state.maximized,
  };
}

export function loadWindowState(file: string): WindowState {
  try {
    return parseWindowState(JSON.parse(readFileSync(file, 'utf8'))) ?? DEFAULT_WINDOW_STATE;
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    // Write then rename: a crash mid-write must not leave a half file that loses the state.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state));
    renameSync(temp, file);
  } catch (e) {
    console.warn(`[window-state] could not save ${file}:`, e);
  }
}

export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
}

/** What to save: the un-maximized bounds, so un-maximizing after a restart returns to them. */
export function currentWindowState(win: Pick<TrackedWindow, 'getNormalBounds' | 'isMaximized'>): WindowState {
  const b = win.getNormalBounds();
  return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
}

/** Saves shortly after the user stops moving or resizing, and once more on close. */
export function trackWindowState(win: TrackedWindow, file: string, debounceMs = 500): void {
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      saveWindowState(file, currentWindowState(win));
    }, debounceMs);
  };
  win.on('resize', schedule);
  win.on('move', schedule);
  win.on('maximize', schedule);
  win.on('unmaximize', schedule);
  win.on('close', () => {
    if (timer) clearTimeout(timer);
    timer = null;
    saveWindowState(file, currentWindowState(win));
  });
}
