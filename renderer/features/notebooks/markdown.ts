import katex from 'katex';
import markdownIt, { type MarkdownIt, type StateBlock, type StateInline } from 'markdown-it';

/** KaTeX to HTML; a formula KaTeX cannot parse shows as its source in red rather than breaking the cell. */
export function renderTex(tex: string, displayMode: boolean): string {
  return katex.renderToString(tex, { displayMode, throwOnError: false, output: 'html', trust: false, strict: 'ignore' });
}

/** `$…$` (inline) and `$$…$$` (display) inside a paragraph. */
function mathInline(state: StateInline, silent: boolean): boolean {
  const { src, pos } = state;
  if (src.charCodeAt(pos) !== 0x24 /* $ */) return false;
  const display = src.charCodeAt(pos + 1) === 0x24;
  const open = display ? 2 : 1;
  // "$5 and $6" is money, not math: an inline opener must not be followed by a space.
  if (!display && /\s/.test(src.charAt(pos + 1))) return false;
  let end = pos + open;
  for (;;) {
    end = src.indexOf(display ? '$$' : '$', end);
    if (end < 0) return false;
    if (src.charCodeAt(end - 1) !== 0x5c /* \ */) break;
    end++;
  }
  const body = src.slice(pos + open, end);
  if (body.trim() === '' || (!display && /\s$/.test(body))) return false;
  if (!silent) {
    const token = state.push(display ? 'math_display' : 'math_inline', 'math', 0);
    token.content = body;
  }
  state.pos = end + open;
  return true;
}

/** A `$$` line opening a block that ends at the next line holding `$$`. */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const start = state.bMarks[startLine]! + state.tShift[startLine]!;
  const lineEnd = state.eMarks[startLine]!;
  if (state.src.slice(start, start + 2) !== '$$') return false;
  const first = state.src.slice(start + 2, lineEnd);
  if (silent) return true;
  let body: string;
  let next = startLine;
  if (first.trimEnd().endsWith('$$')) {
    body = first.trimEnd().slice(0, -2);
  } else {
    const lines = [first];
    let closed = false;
    while (++next < endLine) {
      const line = state.src.slice(state.bMarks[next]! + state.tShift[next]!, state.eMarks[next]!);
      const at = line.indexOf('$$');
      if (at >= 0) {
        lines.push(line.slice(0, at));
        closed = true;
        break;
      }
      lines.push(line);
    }
    if (!closed) return false;
    body = lines.join('\n');
  }
  state.line = next + 1;
  const token = state.push('math_display', 'math', 0);
  token.block = true;
  token.content = body;
  token.map = [startLine, state.line];
  return true;
}

/** A markdown-it with `$…$` / `$$…$$` rendered by KaTeX; raw HTML off (markdown cells are not trusted). */
export function createMarkdown(): MarkdownIt {
  const md = new markdownIt({ html: false, linkify: true, breaks: false });
  md.inline.ruler.after('escape', 'math_inline', mathInline);
  md.block.ruler.after('blockquote', 'math_block', mathBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
  md.renderer.rules['math_inline'] = (tokens, index) => renderTex(tokens[index]!.content, false);
  md.renderer.rules['math_display'] = (tokens, index) => `<div class="math-display">${renderTex(tokens[index]!.content, true)}</div>`;
  return md;
}

let shared: MarkdownIt | null = null;

/** Markdown (with math) to HTML, through one shared parser. */
export function renderMarkdown(source: string): string {
  shared ??= createMarkdown();
  return shared.render(source);
}
