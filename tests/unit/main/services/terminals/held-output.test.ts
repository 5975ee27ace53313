// Output held back while views lag, with plain lines they could never show left out: a terminal (real xterm.js,
// headless) fed what is sent ends in exactly the state of one fed the whole stream, and the bytes left out are
// counted in UTF-8.
import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { keepLinesFor } from '../../../../../app/lib/terminal-lines';
import { HeldOutput } from '../../../../../main/services/terminals/held-output';

const cols = 80;
const rows = 24;
const scrollback = 300;

function terminal(): Terminal {
  return new Terminal({ cols, rows, scrollback, allowProposedApi: true });
}

function state(term: Terminal): { lines: string[]; cursor: [number, number] } {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)!.translateToString(false));
  return { lines, cursor: [buffer.cursorX, buffer.cursorY] };
}

function write(term: Terminal, data: string): Promise<void> {
  return new Promise((resolve) => term.write(data, resolve));
}

function plainLines(count: number): string {
  const words = ['alpha', 'beta\tgamma', '東京', 'café', 'x'.repeat(150), ''];
  let out = '';
  for (let i = 0; i < count; i++) out += `${String(i).padStart(6, '0')} ${words[i % words.length]!}\r\n`;
  return out;
}

/** Pushes the stream in chunks, compacting after each, as the service does while the views lag. */
function hold(stream: string, chunk: number, keep: number): { data: string; skipped: number } {
  const held = new HeldOutput();
  for (let at = 0; at < stream.length; at += chunk) {
    held.push(stream.slice(at, at + chunk));
    held.compact(keep);
  }
  return held.take();
}

describe('HeldOutput', () => {
  it('leaves out plain lines that scroll out unseen; the view ends in the same state and counts every byte', async () => {
    const before = '\x1b[1;31mprompt\x1b[0m $ cat big.log\r\n';
    const after = '\x1b[32mdone\x1b[0m\r\npartial';
    const stream = before + plainLines(30_000) + after;
    const sent = hold(stream, 64 * 1024, keepLinesFor(rows, scrollback));
    expect(sent.data.length).toBeLessThan(stream.length / 4);
    expect(Buffer.byteLength(sent.data) + sent.skipped).toBe(Buffer.byteLength(stream));
    const reference = terminal();
    await write(reference, stream);
    const view = terminal();
    await write(view, sent.data);
    expect(state(view)).toEqual(state(reference));
  });

  it('keeps a line that is not plain and the lines the view keeps after it, and takes the hold whole', async () => {
    const lines = plainLines(20_000);
    const middle = lines.indexOf('\r\n', lines.length / 2) + 2;
    const stream = `${lines.slice(0, middle)}\x1b[2J\x1b[Hcleared\r\n${lines.slice(middle)}`;
    const sent = hold(stream, 100_000, keepLinesFor(rows, scrollback));
    const odd = stream.slice(middle, stream.indexOf('\r\n', middle) + 2);
    expect(sent.data).toContain(odd);
    const reference = terminal();
    await write(reference, stream);
    const view = terminal();
    await write(view, sent.data);
    expect(state(view)).toEqual(state(reference));
    const again = new HeldOutput();
    expect(again.take()).toEqual({ data: '', skipped: 0 });
  });

  it('keeps small holds as they are', () => {
    const stream = plainLines(1000);
    expect(hold(stream, 4096, 10)).toEqual({ data: stream, skipped: 0 });
  });
});
