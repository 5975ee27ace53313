import { AnsiUp } from 'ansi_up';
import DOMPurify from 'dompurify';
import { memo, useMemo, useRef, useState } from 'react';
import type { NotebookOutput } from '../../../app/models';
import { renderMarkdown, renderTex } from './markdown';
import { joinSource } from '../../../app/lib/notebook';
import { clipText, imageDataUrl, latexBody, mimeText, outputText, preferredMime, truncationNote } from './output-data';

/** ANSI colours to HTML (text escaped first; links not made clickable). */
function ansiToHtml(text: string): string {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  return ansi.ansi_to_html(text);
}

/** A long text shows its head and a note; the whole text stays in the document. */
function ClippedPre({ text, className, ansi }: { text: string; className: string; ansi: boolean }) {
  const clip = useMemo(() => clipText(text), [text]);
  const html = useMemo(() => (ansi ? ansiToHtml(clip.head) : null), [ansi, clip.head]);
  return (
    <>
      {html !== null ? <pre className={className} dangerouslySetInnerHTML={{ __html: html }} /> : <pre className={className}>{clip.head}</pre>}
      {clip.hiddenChars > 0 && <div className="output-truncated">{truncationNote(clip)}</div>}
    </>
  );
}

const frameStyle = '<style>body{margin:0;font:13px system-ui,sans-serif;color:#222;background:#fff}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>';

/**
 * HTML output: sanitized by DOMPurify, then shown in an iframe sandboxed without allow-scripts (same origin only so
 * its height can be read); nothing in it can run.
 */
function HtmlFrame({ html }: { html: string }) {
  const clean = useMemo(() => DOMPurify.sanitize(html, { FORBID_TAGS: ['style', 'form'], WHOLE_DOCUMENT: false }), [html]);
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(40);
  const measure = () => {
    const body = frame.current?.contentDocument?.documentElement;
    if (body) setHeight(Math.min(4000, Math.max(20, body.scrollHeight)));
  };
  return (
    <iframe
      ref={frame}
      className="output-html"
      title="HTML output"
      sandbox="allow-same-origin"
      srcDoc={`<!doctype html><html><head><meta charset="utf-8">${frameStyle}</head><body>${clean}</body></html>`}
      style={{ height }}
      onLoad={measure}
    />
  );
}

/** An SVG output, sanitized and drawn as an image (an <img> never runs script). */
function SvgImage({ svg }: { svg: string }) {
  const url = useMemo(() => {
    const clean = DOMPurify.sanitize(svg, { USE_PROFILES: { svg: true, svgFilters: true } });
    return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(clean)}`;
  }, [svg]);
  return <img className="output-image" alt="SVG output" src={url} />;
}

/** JSON output: pretty-printed (long ones clipped like text). */
function JsonView({ value }: { value: unknown }) {
  const text = useMemo(() => JSON.stringify(value, null, 2) ?? String(value), [value]);
  return <ClippedPre text={text} className="output-json" ansi={false} />;
}

function MimeOutput({ data }: { data: Record<string, unknown> }) {
  const mime = preferredMime(data);
  const value = mime ? data[mime] : undefined;
  switch (mime) {
    case 'text/html':
      return <HtmlFrame html={joinSource(value)} />;
    case 'image/svg+xml':
      return <SvgImage svg={joinSource(value)} />;
    case 'image/png':
    case 'image/jpeg':
      return <img className="output-image" alt="Image output" src={imageDataUrl(mime, value)} />;
    case 'text/markdown':
      return <div className="output-markdown markdown-body" dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(renderMarkdown(joinSource(value))) }} />;
    case 'text/latex': {
      const { tex, display } = latexBody(joinSource(value));
      return <div className="output-latex" dangerouslySetInnerHTML={{ __html: renderTex(tex, display) }} />;
    }
    case 'application/json':
      return <JsonView value={value} />;
    case 'text/plain':
      return <ClippedPre text={mimeText(value)} className="output-text" ansi />;
    case null:
      return <pre className="output-text is-unknown">[output of a type this view does not show: {Object.keys(data).join(', ')}]</pre>;
  }
}

/** One nbformat output. */
function OutputItem({ output }: { output: NotebookOutput }) {
  switch (output.output_type) {
    case 'stream':
      return <ClippedPre text={outputText(output)} className={`output-stream${output['name'] === 'stderr' ? ' is-stderr' : ''}`} ansi />;
    case 'error':
      return <ClippedPre text={outputText(output)} className="output-error" ansi />;
    case 'display_data':
    case 'execute_result':
      return <MimeOutput data={(output['data'] as Record<string, unknown> | undefined) ?? {}} />;
  }
}

/** A code cell's outputs, in order. */
export const OutputArea = memo(function OutputArea({ outputs }: { outputs: readonly NotebookOutput[] }) {
  if (outputs.length === 0) return null;
  return (
    <div className="cell-outputs" data-testid="cell-outputs">
      {outputs.map((output, index) => (
        <div className="cell-output" key={index} data-output-type={output.output_type}>
          <OutputItem output={output} />
        </div>
      ))}
    </div>
  );
});
