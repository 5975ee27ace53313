import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useClient } from '../../client/context';
import { errorMessage } from '../../client/client-error';
import { formatBytes } from '../../../app/lib/format';

/** Bytes of a log fetched at a time, and most kept on screen (a 1 GB log stays a light page). */
export const logPageBytes = 256 * 1024;
export const logKeptBytes = 1024 * 1024;

/** The part of a stream on screen: `text` starts at byte `start`; `end` is where the next event continues. */
export interface LogWindow {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** The oldest offset still on disk (older parts were rotated away). */
  readonly firstOffset: number;
  /** Bytes skipped while following live output (readable by reloading). */
  readonly skipped: number;
}

export const emptyWindow: LogWindow = { text: '', start: 0, end: 0, firstOffset: 0, skipped: 0 };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Appends live output at byte `offset` to the window (the part already shown, when the tail fetch overlapped
 * it, is dropped), keeping at most `keep` characters: the oldest go.
 */
export function appendLive(window: LogWindow, text: string, offset: number, skipped: number, keep = logKeptBytes): LogWindow {
  const bytes = encoder.encode(text);
  const end = offset + bytes.length;
  if (end <= window.end) return window;
  const added = offset >= window.end ? text : decoder.decode(bytes.subarray(window.end - offset));
  let joined = window.text + added;
  let start = window.start;
  if (joined.length > keep) {
    const cut = joined.length - keep;
    start += encoder.encode(joined.slice(0, cut)).length;
    joined = joined.slice(cut);
  }
  return { ...window, text: joined, start, end, skipped: window.skipped + skipped };
}

/** One stream of a job's log: the tail on open, live output as it comes, earlier parts on request. */
export function JobLog({ jobId, stream, live }: { jobId: string; stream: 'stdout' | 'stderr'; live: boolean }) {
  const client = useClient();
  const [window, setWindow] = useState<LogWindow>(emptyWindow);
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    let alive = true;
    setWindow(emptyWindow);
    setError(null);
    stick.current = true;
    const pending: Array<{ text: string; offset: number; skipped: number }> = [];
    let loaded = false;
    const stop = client.on('job.log', jobId, (payload) => {
      if (payload.stream !== stream) return;
      if (!loaded) pending.push(payload);
      else setWindow((w) => appendLive(w, payload.text, payload.offset, payload.skipped));
    });
    void (async () => {
      try {
        const probe = await client.call('job.logs', { id: jobId, stream, offset: 0, limit: 1 });
        const from = Math.max(probe.firstOffset, probe.size - logPageBytes);
        const tail = await client.call('job.logs', { id: jobId, stream, offset: from, limit: logPageBytes });
        if (!alive) return;
        let next: LogWindow = { text: tail.text, start: tail.offset, end: tail.nextOffset, firstOffset: tail.firstOffset, skipped: 0 };
        for (const event of pending) next = appendLive(next, event.text, event.offset, event.skipped);
        loaded = true;
        setWindow(next);
      } catch (caught) {
        if (alive) setError(errorMessage(caught));
      }
    })();
    return () => {
      alive = false;
      stop();
    };
  }, [client, jobId, stream]);

  useLayoutEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [window]);

  const loadEarlier = async () => {
    const from = Math.max(window.firstOffset, window.start - logPageBytes);
    try {
      const part = await client.call('job.logs', { id: jobId, stream, offset: from, limit: window.start - from });
      stick.current = false;
      setWindow((w) => ({ ...w, text: part.text + w.text, start: part.offset, firstOffset: part.firstOffset }));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const hidden = window.start - window.firstOffset;
  return (
    <div className="job-log">
      {hidden > 0 && (
        <p className="job-log-note">
          {formatBytes(hidden)} earlier not shown.{' '}
          <button type="button" className="link-button" onClick={() => void loadEarlier()}>
            Load earlier
          </button>
        </p>
      )}
      {window.firstOffset > 0 && window.start === window.firstOffset && <p className="job-log-note">The first {formatBytes(window.firstOffset)} were rotated away to bound the log on disk.</p>}
      {window.skipped > 0 && <p className="job-log-note">{formatBytes(window.skipped)} skipped while following a flood of output; reopen the log to read them.</p>}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <pre
        ref={pre}
        className="job-log-text"
        data-testid={`job-log-${stream}`}
        tabIndex={0}
        aria-label={`${stream} of the job${live ? ' (live)' : ''}`}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {window.text || (live ? 'Waiting for output…' : 'No output.')}
      </pre>
    </div>
  );
}
