import { useEffect, useRef } from 'react';
import { assertNever } from '../../../app/lib/assert';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { CompareView } from './compare-view';
import { RunPage } from './run-page';
import { RunsTable } from './runs-table';
import { RunsToolbar } from './runs-toolbar';
import './experiments.css';

/** The runs list follows the open project and run.changed events while the area is shown. */
function useRunsFeed(projectPath: string | null) {
  const client = useClient();
  const store = useAppStoreApi();
  const shownProject = useRef(projectPath);
  useEffect(() => {
    // Runs of another project: the ticked ones and the open run belong to the old one.
    if (shownProject.current !== projectPath) {
      shownProject.current = projectPath;
      store.getState().clearRunSelection();
      store.getState().showRuns();
    }
    if (!projectPath) return;
    void store.getState().loadRuns();
    return client.on('run.changed', '*', (payload) => store.getState().applyRunChanged(payload));
  }, [client, store, projectPath]);
}

function RunsView() {
  const error = useAppStore((s) => s.runsError);
  const total = useAppStore((s) => s.runsTotal);
  const loading = useAppStore((s) => s.runsLoading);
  const filtered = useAppStore((s) => s.runsQueryBox.applied !== '' || s.runsSearch.trim() !== '');
  return (
    <div className="runs-view">
      <RunsToolbar />
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {total === 0 && !loading && !error ? (
        <p className="muted experiments-message">
          {filtered ? 'No run matches.' : 'No runs yet. Record one from a script with the Python SDK: import orrery; run = orrery.init(params={…}); run.log({"loss": 0.1}, step=1).'}
        </p>
      ) : (
        <RunsTable />
      )}
    </div>
  );
}

/** The Experiments area: the runs table, a run's page, or the ticked runs compared. */
export function ExperimentsArea() {
  const projectPath = useAppStore((s) => s.current?.path ?? null);
  const view = useAppStore((s) => s.experimentsView);
  useRunsFeed(projectPath);
  if (!projectPath) return <div className="experiments-area is-empty">Open a project to see its runs.</div>;
  return (
    <section className="experiments-area" aria-label="Experiments">
      {/* The table stays mounted behind a run or a comparison, so coming back keeps its scroll and pages. */}
      <div className="experiments-runs" hidden={view.kind !== 'runs'}>
        <RunsView />
      </div>
      {view.kind === 'runs' ? null : view.kind === 'run' ? <RunPage key={view.id} id={view.id} /> : view.kind === 'compare' ? <CompareView /> : assertNever(view)}
    </section>
  );
}
