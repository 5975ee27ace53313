import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { modelFormats, type ModelFormat } from '../../../app/contract/models';
import { errorMessage } from '../../client/client-error';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { openVersionOf, versionTabs, type VersionTab } from '../../store/models-slice';
import { BenchPanel } from './bench-panel';
import { DeployPanel } from './deploy-panel';
import { ExportPanel } from './export-panel';
import { InferPanel } from './infer-panel';
import { InspectPanel } from './inspect-panel';
import { PackagePanel } from './package-panel';
import { VersionOverview } from './version-overview';
import './models.css';

const tabTitles: Readonly<Record<VersionTab, string>> = {
  overview: 'Overview',
  inspect: 'Inspect',
  infer: 'Inference',
  bench: 'Benchmark',
  export: 'Export',
  package: 'Package',
  deploy: 'Deploy',
};

/** Registers a file (inside the allowed roots) as a new version of a model. */
function RegisterForm() {
  const store = useAppStoreApi();
  const [name, setName] = useState('');
  const [file, setFile] = useState('');
  const [format, setFormat] = useState<ModelFormat | ''>('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await store.getState().registerModel({ name: name.trim(), file: file.trim(), ...(format ? { format } : {}) });
      setFile('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card model-register" aria-label="Register a model file" onSubmit={(e) => void submit(e)}>
      <h3>Register a file</h3>
      <label>
        Model name
        <input className="text-input" value={name} placeholder="iris-classifier" onChange={(e) => setName(e.target.value)} required />
      </label>
      <label>
        File
        <input className="text-input" value={file} placeholder="/path/to/model.onnx" onChange={(e) => setFile(e.target.value)} required />
      </label>
      <label>
        Format
        <select className="inline-select" aria-label="Format" value={format} onChange={(e) => setFormat(e.target.value as ModelFormat | '')}>
          <option value="">from the file name</option>
          {modelFormats.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button is-primary" disabled={busy || !name.trim() || !file.trim()}>
        Register
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <p className="muted small">From a run: <code>orrery model register NAME --run RUN</code>.</p>
    </form>
  );
}

/** Models and their versions; a click opens the version's page. */
function ModelList() {
  const store = useAppStoreApi();
  const models = useAppStore((s) => s.models);
  const openModelId = useAppStore((s) => s.openModelId);
  const versions = useAppStore((s) => s.modelVersions);
  const openVersionId = useAppStore((s) => s.openVersionId);
  return (
    <nav className="card model-list" aria-label="Models">
      <h3>Models</h3>
      {models.length === 0 && <p className="muted">No model registered yet.</p>}
      <ul>
        {models.map((m) => (
          <li key={m.id}>
            <button type="button" className={`model-open${m.id === openModelId ? ' is-active' : ''}`} onClick={() => void store.getState().openModel(m.id)}>
              <strong>{m.name}</strong> <span className="muted">{m.latestVersion === null ? 'no versions' : `v${m.latestVersion}`}</span>
            </button>
            {m.id === openModelId && (
              <ul className="version-links" aria-label={`Versions of ${m.name}`}>
                {versions.map((v) => (
                  <li key={v.id}>
                    <button
                      type="button"
                      className={`model-open${v.id === openVersionId ? ' is-active' : ''}`}
                      aria-current={v.id === openVersionId ? 'page' : undefined}
                      onClick={() => void store.getState().openVersion(v.id)}
                    >
                      v{v.version} <span className="muted">{v.format}</span>
                      {v.stage !== 'none' && <span className={`stage-badge stage-${v.stage}`}>{v.stage}</span>}
                      {v.aliases.map((a) => (
                        <span key={a} className="alias-badge">
                          @{a}
                        </span>
                      ))}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

function VersionTabs() {
  const store = useAppStoreApi();
  const tab = useAppStore((s) => s.versionTab);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    event.preventDefault();
    const index = versionTabs.indexOf(tab);
    const next = versionTabs[(index + (event.key === 'ArrowRight' ? 1 : -1) + versionTabs.length) % versionTabs.length]!;
    store.getState().setVersionTab(next);
    document.getElementById(`model-tab-${next}`)?.focus();
  };
  return (
    <div className="model-tabs" role="tablist" aria-label="Version" onKeyDown={onKeyDown}>
      {versionTabs.map((id) => (
        <button
          key={id}
          id={`model-tab-${id}`}
          type="button"
          role="tab"
          aria-selected={tab === id}
          tabIndex={tab === id ? 0 : -1}
          className={`tab-button${tab === id ? ' is-active' : ''}`}
          onClick={() => store.getState().setVersionTab(id)}
        >
          {tabTitles[id]}
        </button>
      ))}
    </div>
  );
}

/** A version's page: overview (lineage, stage, aliases, notes, card), inspection, inference, benchmark, export, package, deploy. */
function VersionPage() {
  const tab = useAppStore((s) => s.versionTab);
  const version = useAppStore(openVersionOf);
  if (!version) return <section className="card muted">Register a model, or pick a version on the left.</section>;
  return (
    <section className="model-version" aria-label="Model version">
      <VersionTabs />
      {/* Panels stay mounted: a running benchmark or export keeps its progress while another tab is shown. */}
      <div role="tabpanel" aria-label="Overview" hidden={tab !== 'overview'}>
        <VersionOverview />
      </div>
      <div role="tabpanel" aria-label="Inspect" hidden={tab !== 'inspect'}>
        <InspectPanel />
      </div>
      <div role="tabpanel" aria-label="Inference" hidden={tab !== 'infer'}>
        <InferPanel />
      </div>
      <div role="tabpanel" aria-label="Benchmark" hidden={tab !== 'bench'}>
        <BenchPanel />
      </div>
      <div role="tabpanel" aria-label="Export" hidden={tab !== 'export'}>
        <ExportPanel />
      </div>
      <div role="tabpanel" aria-label="Package" hidden={tab !== 'package'}>
        <PackagePanel key={version.id} version={version} />
      </div>
      <div role="tabpanel" aria-label="Deploy" hidden={tab !== 'deploy'}>
        <DeployPanel key={version.id} version={version} />
      </div>
    </section>
  );
}

/** The Models area: the registry on the left, the open version on the right. */
export function ModelsArea() {
  const store = useAppStoreApi();
  const project = useAppStore((s) => s.current?.path ?? null);
  const error = useAppStore((s) => s.modelsError);
  useEffect(() => {
    void store.getState().loadModels();
  }, [store, project]);
  if (!project)
    return (
      <section className="models-area" aria-label="Models area">
        <p className="muted">Open a project: its model registry is kept in it.</p>
      </section>
    );
  return (
    <section className="models-area" aria-label="Models area">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="models-layout">
        <div className="models-side">
          <ModelList />
          <RegisterForm />
        </div>
        <VersionPage />
      </div>
    </section>
  );
}
