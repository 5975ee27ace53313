/**
 * Output a terminal view can never show: during a flood, output can hold far more lines than a terminal keeps —
 * lines that would scroll past the end of the scrollback before they could be drawn. When such a run of lines is
 * plain text (printable characters and tabs, each line ended by CR LF, nothing that moves the cursor or changes
 * modes), writing it has no effect that survives the lines after it: those (at least scrollback + 2 × rows of
 * them) push every row it would have written out of the screen and the scrollback, and it sets no state. Both the
 * page (before xterm.js parses) and the terminal service (before sending to views that said how many lines they
 * keep) leave such runs out.
 */

/** The scrollback of Orrery's terminal views (xterm.js `scrollback`), in lines. */
export const terminalScrollback = 5000;

/** Lines a view with `rows` rows and `scrollback` lines of scrollback can still show, with a margin. */
export function keepLinesFor(rows: number, scrollback = terminalScrollback): number {
  return scrollback + 2 * rows + 8;
}

/**
 * Anything that can change the terminal's state beyond the characters of its own line: C0 controls other than
 * tab and CR LF, DEL, C1 controls, a CR not followed by LF, an LF not preceded by CR.
 */
const notPlain = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)|[^\r]\n|^\n/g;

/**
 * The run of `text` that can be left out when `keep` lines must remain: [start, end) or null. It starts after a
 * line end (the line in progress is finished as usual) and after the last character in it that is not plain, and
 * ends where the last `keep` lines begin. Runs shorter than `minChars` are not worth the copy.
 */
export function unseenRun(text: string, keep: number, minChars: number): { start: number; end: number } | null {
  const first = text.indexOf('\r\n');
  if (first === -1) return null;
  let start = first + 2;
  let end = text.length;
  for (let line = 0; line <= keep; line++) {
    end = text.lastIndexOf('\r\n', end - 1);
    if (end < start) return null;
  }
  end += 2;
  if (end - start < minChars) return null;
  // Restart after the last character that is not plain (colour, cursor moves…), at the next line start.
  notPlain.lastIndex = start;
  let last = -1;
  for (let match = notPlain.exec(text); match !== null && match.index < end; match = notPlain.exec(text)) last = match.index + match[0].length;
  if (last !== -1) {
    const next = text.indexOf('\r\n', last);
    if (next === -1 || next + 2 >= end) return null;
    start = next + 2;
  }
  return end - start < minChars ? null : { start, end };
}
