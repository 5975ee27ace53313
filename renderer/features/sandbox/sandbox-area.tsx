import { useEffect } from 'react';
import { formatBytes } from '../../../app/lib/format';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import type { SandboxContainer, SandboxImage } from '../../store/sandbox-slice';
import { formatTime } from '../../ui/format';
import { TaskOutput, useTask } from '../../ui/task-output';
import { AuditLog } from './audit-log';
import './sandbox.css';
import { useNow } from '../../ui/use-now';

/** Warm pool sizes offered (the contract allows 0–16). */
const poolSizes = [0, 1, 2, 3, 4, 6, 8];

function DockerStatus() {
  const status = useAppStore((s) => s.sandboxStatus);
  const store = useAppStoreApi();
  if (!status) return <p className="muted">Asking Docker…</p>;
  if (!status.available) {
    return (
      <div className="sandbox-down" role="alert" data-testid="sandbox-docker-down">
        <strong>Docker is not available.</strong> {status.message}
        <div>
          <button type="button" className="button" onClick={() => void store.getState().loadSandbox()}>
            Check again
          </button>
        </div>
      </div>
    );
  }
  return (
    <p className="sandbox-facts" data-testid="sandbox-docker-status">
      <span className="sandbox-dot is-ok" aria-hidden="true" /> Docker {status.version} · GPU pass-through {status.gpu ? 'available' : 'not available (no nvidia runtime)'} · base image{' '}
      {status.baseImage.tag} {status.baseImage.present ? 'built' : 'not built yet'}
    </p>
  );
}

function ImagesCard({ images }: { images: readonly SandboxImage[] }) {
  const client = useClient();
  const store = useAppStoreApi();
  const busy = useAppStore((s) => s.sandboxBusy);
  const project = useAppStore((s) => s.current);
  const task = useTask(client);
  const build = (target: 'base' | 'project') =>
    void task.start(`Build the ${target} image`, (taskId) => store.getState().buildSandboxImage(target, taskId)).catch(() => undefined);
  return (
    <section className="card" aria-label="Images">
      <div className="card-head">
        <h3>Images</h3>
        <div className="sandbox-actions">
          <button type="button" className="button" disabled={busy !== null} onClick={() => build('base')}>
            Build base image
          </button>
          <button type="button" className="button" disabled={busy !== null || !project} onClick={() => build('project')} title="From the project env's lock (local wheels)">
            Build project image
          </button>
          <button type="button" className="button" disabled={busy !== null} onClick={() => void store.getState().pruneSandboxImages(false)} title="Remove Orrery's images no container uses (the base image stays)">
            Prune unused
          </button>
        </div>
      </div>
      {task.task && <TaskOutput task={task.task} onCancel={() => void task.cancel()} onClose={task.clear} />}
      {images.length === 0 ? (
        <p className="muted">No image yet. Build the base image (Debian bookworm with Python and ipykernel, built offline from the apt mirror).</p>
      ) : (
        <table className="data-table sandbox-table" aria-label="Sandbox images">
          <thead>
            <tr>
              <th>Image</th>
              <th>Made by</th>
              <th>Size</th>
              <th>Created</th>
              <th>Containers</th>
            </tr>
          </thead>
          <tbody>
            {images.map((image) => (
              <tr key={image.id} data-testid="sandbox-image">
                <td>{image.tags.join(', ') || image.id.slice(7, 19)}</td>
                <td>{image.orrery ? `Orrery (${image.orrery})` : 'other'}</td>
                <td>{formatBytes(image.size)}</td>
                <td>{formatTime(image.created)}</td>
                <td title={image.containers >= 0 ? undefined : 'Docker did not count them'}>{image.containers >= 0 ? image.containers : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ContainersCard({ containers }: { containers: readonly SandboxContainer[] }) {
  const pool = useAppStore((s) => s.sandboxPool);
  const store = useAppStoreApi();
  return (
    <section className="card" aria-label="Running sandboxes">
      <div className="card-head">
        <h3>Running sandboxes</h3>
        <label className="sandbox-actions">
          Warm pool
          <select
            className="inline-select"
            aria-label="Warm pool size"
            value={pool?.size ?? 0}
            disabled={!pool}
            onChange={(e) => void store.getState().configureSandboxPool(Number(e.target.value))}
          >
            {poolSizes.map((size) => (
              <option key={size} value={size}>
                {size === 0 ? 'off' : `${size} container${size === 1 ? '' : 's'}`}
              </option>
            ))}
          </select>
          {pool && (
            <span className="muted" data-testid="sandbox-pool">
              {pool.idle} ready, {pool.starting} starting
            </span>
          )}
        </label>
      </div>
      {containers.length === 0 ? (
        <p className="muted" data-testid="sandbox-no-containers">
          No Orrery container exists now.
        </p>
      ) : (
        <table className="data-table sandbox-table" aria-label="Sandbox containers">
          <thead>
            <tr>
              <th>Container</th>
              <th>Kind</th>
              <th>Image</th>
              <th>State</th>
              <th>Session</th>
            </tr>
          </thead>
          <tbody>
            {containers.map((container) => (
              <tr key={container.id} data-testid="sandbox-container">
                <td title={container.id}>{container.name || container.id.slice(0, 12)}</td>
                <td>{container.kind}</td>
                <td>{container.image}</td>
                <td>{container.status}</td>
                <td>{container.sessionId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The Sandbox area: Docker's state (with how to install or start it), images, running containers and the pool, the audit log. */
export function SandboxArea() {
  const client = useClient();
  const store = useAppStoreApi();
  const status = useAppStore((s) => s.sandboxStatus);
  const images = useAppStore((s) => s.sandboxImages);
  const containers = useAppStore((s) => s.sandboxContainers);
  const error = useAppStore((s) => s.sandboxError);
  const project = useAppStore((s) => s.current?.path ?? null);
  const running = useAppStore((s) => s.sandboxSessions.some((session) => session.status === 'running'));
  const now = useNow(running);
  useEffect(() => {
    void store.getState().loadSandbox();
  }, [store, project]);
  useEffect(
    () =>
      client.on('sandbox.audit', '', ({ session }) => {
        store.getState().applySandboxSession(session);
        // A session starting or ending adds or removes a container.
        void client.call('sandbox.ps', undefined).then((list) => store.setState({ sandboxContainers: list }), () => undefined);
      }),
    [client, store],
  );
  return (
    <section className="sandbox-area" aria-label="Sandbox area">
      <div className="card-head">
        <h2>Sandbox</h2>
        <button type="button" className="button" onClick={() => void store.getState().loadSandbox()}>
          Refresh
        </button>
      </div>
      <DockerStatus />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {status?.available && (
        <div className="sandbox-grid">
          <ImagesCard images={images} />
          <ContainersCard containers={containers} />
        </div>
      )}
      <AuditLog now={now} />
    </section>
  );
}
