import { unseenRun } from '../../../app/lib/terminal-lines';

/** Held output is looked at for unseen lines once it is at least this long… */
const scanChars = 256 * 1024;
/** …and a run shorter than this is kept (not worth the copy). */
const minRunChars = 64 * 1024;

/**
 * Output of one terminal held back while its views lag (flow control), instead of pausing the program that
 * writes it: plain lines the views could never show (app/lib/terminal-lines.ts) are left out as it grows, so a
 * flood ends at the speed of the pty rather than of the slowest view. What was left out is counted in UTF-8 bytes,
 * so a view still knows how far into the stream it is.
 */
export class HeldOutput {
  private parts: string[] = [];
  private size = 0;
  private skipped = 0;
  /** The length after the last scan: the next scan waits until the held text has doubled (linear in total). */
  private scanned = 0;

  /** Characters held now. */
  get chars(): number {
    return this.size;
  }

  push(data: string): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.size += data.length;
  }

  /** Leaves out the run of lines that `keep` later lines would push out of every view. */
  compact(keep: number): void {
    if (this.size < scanChars || this.size < 2 * this.scanned) return;
    let text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    const run = unseenRun(text, keep, minRunChars);
    if (run) {
      this.skipped += Buffer.byteLength(text.slice(run.start, run.end));
      text = text.slice(0, run.start) + text.slice(run.end);
    }
    this.parts = [text];
    this.size = text.length;
    this.scanned = this.size;
  }

  /** Everything held, and the bytes left out of it; empties the hold. */
  take(): { data: string; skipped: number } {
    const data = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    const taken = { data, skipped: this.skipped };
    this.parts = [];
    this.size = 0;
    this.skipped = 0;
    this.scanned = 0;
    return taken;
  }
}
