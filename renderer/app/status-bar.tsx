import { EnvStatusItem } from '../features/envs/env-picker';
import { useAppStore } from '../store/context';
import { describeGpus } from '../store/system-slice';

const connectionText = { connecting: 'connecting…', connected: 'connected', disconnected: 'disconnected — reconnecting' } as const;

/** The bottom line: project, environment, GPUs and (in a browser) the link to the host. */
export function StatusBar() {
  const name = useAppStore((s) => s.current?.name);
  const path = useAppStore((s) => s.current?.path);
  const known = useAppStore((s) => s.projectKnown);
  const gpus = useAppStore((s) => describeGpus(s.system));
  const gpuNote = useAppStore((s) => s.system?.gpuNote ?? s.systemError ?? undefined);
  const connection = useAppStore((s) => s.connection);
  // The link can only drop in a browser; before app.info answers, show it only when it is not up.
  const web = useAppStore((s) => (s.appInfo ? s.appInfo.host !== 'electron' : s.connection !== 'connected'));
  const openArea = useAppStore((s) => s.openArea);

  return (
    <footer className={`status-bar is-${connection}`} aria-label="Status bar">
      <button type="button" className="status-item status-project" data-testid="status-project" title={path ?? 'No project is open'} onClick={() => openArea('projects')}>
        {name ? (
          <>
            <strong>{name}</strong>
            <span className="status-path">{path}</span>
          </>
        ) : known ? (
          'No project'
        ) : (
          'Loading…'
        )}
      </button>
      <EnvStatusItem />
      <span className="status-item" data-testid="status-gpu" title={gpuNote}>
        {gpus}
      </span>
      <span className="status-spacer" />
      {web && (
        <span className={`status-item status-connection is-${connection}`} data-testid="status-connection" role="status" aria-live="polite">
          <span className="status-dot" aria-hidden="true" />
          {connectionText[connection]}
        </span>
      )}
    </footer>
  );
}
