import { useState } from 'react';
import { errorMessage } from '../../client/client-error';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatBytes } from '../../../app/lib/format';
import { formatTime } from '../../ui/format';
import { CreateProjectForm, OpenProjectForm } from './project-forms';

/** The open project's name, path and store facts (project.info). */
function CurrentProject() {
  const current = useAppStore((s) => s.current);
  const known = useAppStore((s) => s.projectKnown);
  const info = useAppStore((s) => s.info);
  const closeProject = useAppStore((s) => s.closeProject);
  if (!current) {
    return (
      <section className="card current-project is-empty" aria-label="Current project">
        <h2>{known ? 'No project is open' : 'Loading the project…'}</h2>
        {known && <p>Create a project or open one below; recent projects are listed too.</p>}
      </section>
    );
  }
  const rows = info?.tables.reduce((sum, table) => sum + table.rows, 0);
  return (
    <section className="card current-project" aria-label="Current project">
      <div className="card-head">
        <div>
          <p className="eyebrow">Open project</p>
          <h2 data-testid="current-project-name">{current.name}</h2>
          <p className="mono path" title={current.path}>
            {current.path}
          </p>
        </div>
        <button type="button" className="button" onClick={() => void closeProject()}>
          Close Project
        </button>
      </div>
      <dl className="stats">
        <div>
          <dt>Store</dt>
          <dd>{info ? `${formatBytes(info.dbBytes)} · ${info.journalMode.toUpperCase()}` : '…'}</dd>
        </div>
        <div>
          <dt>Tables</dt>
          <dd>{info ? `${info.tables.length} (${rows} ${rows === 1 ? 'row' : 'rows'})` : '…'}</dd>
        </div>
        <div>
          <dt>Artifacts</dt>
          <dd>{info ? `${info.artifactCount} · ${formatBytes(info.artifactBytes)}` : '…'}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(current.createdAt)}</dd>
        </div>
      </dl>
    </section>
  );
}

/** Recent projects, newest first; a click switches, a missing folder is greyed out. */
function RecentProjects() {
  const store = useAppStoreApi();
  const recent = useAppStore((s) => s.recent);
  const currentPath = useAppStore((s) => s.current?.path);
  const [error, setError] = useState<string | null>(null);
  const open = async (path: string) => {
    setError(null);
    try {
      await store.getState().openProject(path);
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };
  return (
    <section className="card" aria-labelledby="recent-heading">
      <h3 id="recent-heading">Recent projects</h3>
      {recent.length === 0 && <p className="muted">None yet.</p>}
      <ul className="recent-list">
        {recent.map((project) => {
          const isCurrent = project.path === currentPath;
          return (
            <li key={project.path}>
              <button
                type="button"
                className={`recent-item${isCurrent ? ' is-current' : ''}${project.exists ? '' : ' is-missing'}`}
                disabled={!project.exists || isCurrent}
                title={project.exists ? project.path : `${project.path} — the folder or its store is gone`}
                onClick={() => void open(project.path)}
              >
                <span className="recent-name">{project.name}</span>
                <span className="recent-path mono">{project.path}</span>
                <span className="recent-tag">{isCurrent ? 'open' : project.exists ? formatTime(project.openedAt) : 'missing'}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** The Projects area: current project, recent list, create and open forms. */
export function ProjectsArea() {
  const error = useAppStore((s) => s.projectError);
  return (
    <div className="projects-area">
      <CurrentProject />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="projects-columns">
        <RecentProjects />
        <section className="card" aria-labelledby="create-heading">
          <h3 id="create-heading">Create a project</h3>
          <CreateProjectForm />
        </section>
        <section className="card" aria-labelledby="open-heading">
          <h3 id="open-heading">Open a project</h3>
          <OpenProjectForm />
        </section>
      </div>
    </div>
  );
}
