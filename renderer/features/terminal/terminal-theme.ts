import type { ITheme } from '@xterm/xterm';

/** The ANSI colours per app theme: bright ones for a dark background, deeper ones that stay readable on white. */
const ansi = {
  dark: {
    black: '#2e3038',
    red: '#ff7b72',
    green: '#6ad49b',
    yellow: '#f3c56b',
    blue: '#82a7ff',
    magenta: '#d2a8ff',
    cyan: '#7dd3e8',
    white: '#d6d7dc',
    brightBlack: '#6f717b',
    brightRed: '#ffa198',
    brightGreen: '#8ee6b4',
    brightYellow: '#ffd98a',
    brightBlue: '#a8c2ff',
    brightMagenta: '#e2c5ff',
    brightCyan: '#a5e4f2',
    brightWhite: '#ffffff',
  },
  light: {
    black: '#1c1e24',
    red: '#b3261e',
    green: '#1f7a4c',
    yellow: '#8a5a00',
    blue: '#2a5bd7',
    magenta: '#8e3cb0',
    cyan: '#0e7490',
    white: '#8a8f9b',
    brightBlack: '#555a66',
    brightRed: '#d93c32',
    brightGreen: '#2a9a61',
    brightYellow: '#a86f00',
    brightBlue: '#4d7cf0',
    brightMagenta: '#a855c7',
    brightCyan: '#1592ad',
    brightWhite: '#1c1e24',
  },
} as const satisfies Record<string, ITheme>;

/** A CSS variable of the painted theme, or the fallback before the styles load. */
function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

/** The xterm.js theme for the app theme: surfaces and text from the app's CSS variables, ANSI colours above. */
export function terminalTheme(theme: 'dark' | 'light', root: HTMLElement = document.documentElement): ITheme {
  const style = getComputedStyle(root);
  const dark = theme === 'dark';
  return {
    ...ansi[theme],
    background: cssVar(style, '--bg-sunken', dark ? '#151619' : '#eceef2'),
    foreground: cssVar(style, '--fg', dark ? '#e6e6ea' : '#1c1e24'),
    cursor: cssVar(style, '--accent', dark ? '#82a7ff' : '#2a5bd7'),
    cursorAccent: cssVar(style, '--bg-sunken', dark ? '#151619' : '#eceef2'),
    selectionBackground: cssVar(style, '--bg-selected', dark ? '#2c3a5c' : '#dce6fb'),
  };
}

/** Monospace fonts every platform has one of. */
export const terminalFontFamily = "ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";
