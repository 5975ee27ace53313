import type { NotebookOutput } from '../../../app/models';
import { joinSource } from '../../../app/lib/notebook';

/** MIME types the view renders, richest first (Jupyter's order); the first one present in a bundle wins. */
export const mimeOrder = [
  'text/html',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'text/markdown',
  'text/latex',
  'application/json',
  'text/plain',
] as const;

/** A MIME type the view knows how to show. */
export type RenderableMime = (typeof mimeOrder)[number];

/** Text outputs longer than this show their head and a note (the document keeps all of it). */
export const textLimitChars = 100_000;
/** …and at most this many lines. */
export const textLimitLines = 2_000;

/** The MIME type to show from a bundle, or null when none is renderable. */
export function preferredMime(data: Record<string, unknown> | undefined): RenderableMime | null {
  if (!data) return null;
  for (const mime of mimeOrder) if (mime in data && data[mime] !== undefined && data[mime] !== null) return mime;
  return null;
}

/** A text cut to what the page can show at once: the head, and how much more there is. */
export interface ClippedText {
  readonly head: string;
  /** Characters left out (0 when it all shows). */
  readonly hiddenChars: number;
  /** Whole lines left out. */
  readonly hiddenLines: number;
}

function countLines(text: string, from: number): number {
  let lines = 0;
  for (let i = text.indexOf('\n', from); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** Cuts `text` after `maxLines` lines or `maxChars` characters, whichever comes first. */
export function clipText(text: string, maxChars = textLimitChars, maxLines = textLimitLines): ClippedText {
  let end = Math.min(text.length, maxChars);
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    if (++lines >= maxLines) {
      end = i + 1;
      break;
    }
  }
  if (end >= text.length) return { head: text, hiddenChars: 0, hiddenLines: 0 };
  return { head: text.slice(0, end), hiddenChars: text.length - end, hiddenLines: countLines(text, end) + (text.endsWith('\n') ? 0 : 1) };
}

/** "truncated — 1,234,567 more characters (12,345 lines)" for a clipped text. */
export function truncationNote(clip: ClippedText): string {
  const chars = clip.hiddenChars.toLocaleString('en-US');
  const lines = clip.hiddenLines.toLocaleString('en-US');
  return `truncated — ${chars} more characters (${lines} lines); the notebook keeps the full output`;
}

/** The text of a stream output, or the traceback of an error output (ANSI codes kept). */
export function outputText(output: NotebookOutput): string {
  if (output.output_type === 'stream') return joinSource(output['text']);
  if (output.output_type === 'error') {
    const traceback = output['traceback'];
    if (Array.isArray(traceback) && traceback.length > 0) return traceback.map((line) => joinSource(line)).join('\n');
    return `${joinSource(output['ename'])}: ${joinSource(output['evalue'])}`;
  }
  return '';
}

/** A MIME value as text (multiline arrays joined; JSON values pretty-printed). */
export function mimeText(value: unknown): string {
  if (typeof value === 'string' || Array.isArray(value)) return joinSource(value);
  return JSON.stringify(value, null, 2) ?? '';
}

/** The data URL of a base64 image (whitespace and line breaks dropped, as nbformat allows them). */
export function imageDataUrl(mime: 'image/png' | 'image/jpeg', value: unknown): string {
  return `data:${mime};base64,${joinSource(value).replace(/\s+/g, '')}`;
}

/** Strips `$$…$$` or `\[…\]` or `$…$` delimiters from a text/latex output. */
export function latexBody(text: string): { tex: string; display: boolean } {
  const trimmed = text.trim();
  for (const [open, close, display] of [
    ['$$', '$$', true],
    ['\\[', '\\]', true],
    ['$', '$', false],
    ['\\(', '\\)', false],
  ] as const) {
    if (trimmed.length >= open.length + close.length && trimmed.startsWith(open) && trimmed.endsWith(close)) {
      return { tex: trimmed.slice(open.length, trimmed.length - close.length), display };
    }
  }
  return { tex: trimmed, display: true };
}
