import { useEffect, useState } from 'react';
import type { RunDetail } from '../../../app/contract';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';

/** Calls `fn` at most once per `ms`: the first call at once, later ones folded into one at the end of the window. */
export function throttle(fn: () => void, ms: number): { call: () => void; cancel: () => void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  return {
    call() {
      if (timer) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Live charts refresh at most this often (4 per second). */
export const liveRefreshMs = 250;

/**
 * runs.get for one run, asked again on run.changed; while it runs, `liveTick` is bumped (throttled) by run.metrics
 * so its charts re-ask their series.
 */
export function useRunDetail(id: string) {
  const client = useClient();
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [liveTick, setLiveTick] = useState(0);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let alive = true;
    client.call('runs.get', { id }).then(
      (answer) => {
        if (!alive) return;
        setDetail(answer);
        setError(null);
      },
      (err: unknown) => alive && setError(errorMessage(err)),
    );
    return () => {
      alive = false;
    };
  }, [client, id, version]);
  useEffect(() => {
    const metrics = throttle(() => setLiveTick((t) => t + 1), liveRefreshMs);
    const changed = throttle(() => setVersion((v) => v + 1), liveRefreshMs);
    const stops = [client.on('run.metrics', id, () => metrics.call()), client.on('run.changed', id, () => changed.call())];
    return () => {
      metrics.cancel();
      changed.cancel();
      for (const stop of stops) stop();
    };
  }, [client, id]);
  // New keys appear in runs.get: ask it again now and then while points stream in.
  useEffect(() => {
    if (liveTick > 0 && liveTick % 8 === 0) setVersion((v) => v + 1);
  }, [liveTick]);
  return { detail, error, liveTick, reload: () => setVersion((v) => v + 1), setDetail };
}
