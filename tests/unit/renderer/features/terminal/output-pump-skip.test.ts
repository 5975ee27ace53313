// The pump's shortcut for floods: plain lines that would scroll out of the scrollback unseen are counted as
// written without being parsed. Checked against real xterm.js (its headless build, the same parser and buffer):
// a terminal fed through the pump ends in exactly the state of one fed every character.
import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { OutputPump, type PumpOptions } from '../../../../../renderer/features/terminal/output-pump';

const cols = 80;
const rows = 24;
const scrollback = 300;

function terminal(): Terminal {
  return new Terminal({ cols, rows, scrollback, allowProposedApi: true });
}

/** Everything xterm shows or keeps: every buffer line (scrollback and screen), the cursor, the active buffer. */
function state(term: Terminal): { lines: string[]; cursor: [number, number]; baseY: number; type: string } {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i)!;
    lines.push(`${line.isWrapped ? '↩' : ''}${line.translateToString(false)}`);
  }
  return { lines, cursor: [buffer.cursorX, buffer.cursorY], baseY: buffer.baseY, type: buffer.type };
}

function write(term: Terminal, data: string): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

/** Feeds `chunks` through a pump into `term`; answers the characters the pump handed to xterm and those it counted. */
async function throughPump(term: Terminal, chunks: readonly string[]): Promise<{ parsed: number; counted: number }> {
  let parsed = 0;
  let counted = 0;
  const target = { write: (data: string, done?: () => void) => ((parsed += data.length), term.write(data, done)) };
  const options: PumpOptions = { maxWriteChars: 64 * 1024 * 1024, floodIntervalMs: 0, floodChars: 64 * 1024, keepLines: () => scrollback + 2 * rows + 8 };
  let finish: () => void = () => undefined;
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const done = new Promise<void>((resolve) => (finish = resolve));
  const pump = new OutputPump(
    target,
    (chunk) => {
      counted += chunk.length;
      if (counted === total) finish();
    },
    options,
  );
  for (const chunk of chunks) pump.push(chunk);
  await done;
  return { parsed, counted };
}

/** A deterministic mix of plain lines: ASCII, tabs, wide and combining characters, lines long enough to wrap. */
function plainLines(count: number, seed: number): string {
  const words = ['alpha', 'beta\tgamma', '東京', 'café', 'e\u0301', 'x'.repeat(150), '', '[]{}<>/'];
  let out = '';
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    out += `${String(i).padStart(6, '0')} ${words[state % words.length]!} ${words[(state >> 8) % words.length]!}\r\n`;
  }
  return out;
}

/** Splits text into chunks of varying sizes (the pump sees output as it arrives). */
function chunked(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let at = 0, n = 0; at < text.length; n++) {
    const length = size + ((n * 7919) % size);
    chunks.push(text.slice(at, at + length));
    at += length;
  }
  return chunks;
}

describe('OutputPump: skipping lines that scroll out unseen', () => {
  it('ends in the same terminal state as parsing every character, and parses far less', async () => {
    const before = '\x1b[1;31mred prompt\x1b[0m $ cat big.log\r\n\x1b[5;10Hmoved\x1b[2;1H';
    const after = '\x1b[32mdone\x1b[0m\r\npartial line, no newline';
    const lines = plainLines(20_000, 7);
    const stream = before + lines + after;
    const reference = terminal();
    await write(reference, stream);
    const piped = terminal();
    // The prompt arrives first and is written at once; the flood queues behind it (with the tail in its last chunk).
    const { parsed, counted } = await throughPump(piped, [before, ...chunked(lines + after, 100_000)]);
    expect(state(piped)).toEqual(state(reference));
    expect(counted).toBe(stream.length);
    expect(parsed).toBeLessThan(stream.length / 4);
  });

  it('parses every character up to the last one that is not plain, and only plain lines after it may be skipped', async () => {
    for (const odd of ['\x1b[31m', '\x07', '\n', 'a\rb', '\x9b', '\x0e']) {
      const lines = plainLines(10_000, 11);
      const middle = lines.indexOf('\r\n', lines.length / 2) + 2;
      const stream = `${lines.slice(0, middle)}odd ${odd} line\r\n${lines.slice(middle)}`;
      const reference = terminal();
      await write(reference, stream);
      const piped = terminal();
      const { parsed } = await throughPump(piped, chunked(stream, 400_000));
      expect(parsed, JSON.stringify(odd)).toBeGreaterThan(middle + 10);
      expect(parsed, JSON.stringify(odd)).toBeLessThan(stream.length);
      expect(state(piped)).toEqual(state(reference));
    }
  });

  it('parses every character when a line that is not plain comes just before the lines the terminal keeps', async () => {
    const keep = scrollback + 2 * rows + 8;
    for (const odd of ['\x1b[31m', '\x07', '\n', 'a\rb', '\x9b', '\x0e']) {
      const lines = plainLines(10_000, 13);
      let near = lines.length;
      for (let i = 0; i < keep + 3; i++) near = lines.lastIndexOf('\r\n', near - 1);
      near += 2;
      const stream = `${lines.slice(0, near)}odd ${odd} line\r\n${lines.slice(near)}`;
      const reference = terminal();
      await write(reference, stream);
      const piped = terminal();
      const { parsed } = await throughPump(piped, chunked(stream, 400_000));
      expect(parsed, JSON.stringify(odd)).toBe(stream.length);
      expect(state(piped)).toEqual(state(reference));
    }
  });

  it('keeps every line the terminal can still show: a large flood of few (long) lines is parsed whole', async () => {
    const stream = Array.from({ length: scrollback + 2 * rows }, (_, i) => `${i} ${'long line '.repeat(100)}\r\n`).join('');
    expect(stream.length).toBeGreaterThan(256 * 1024);
    const reference = terminal();
    await write(reference, stream);
    const piped = terminal();
    const { parsed } = await throughPump(piped, [stream]);
    expect(parsed).toBe(stream.length);
    expect(state(piped)).toEqual(state(reference));
  });
});
