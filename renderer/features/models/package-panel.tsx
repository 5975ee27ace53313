import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ModelVersion } from '../../../app/contract/models';
import { packageTargets, type EdgePackage, type PackageTarget, type PackageVerifyResult } from '../../../app/contract/packages';
import { useClient } from '../../client/context';
import { formatTime } from '../../ui/format';
import { TaskOutput, useTask } from '../../ui/task-output';
import { formatBytes } from './model-format';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'object' && error && 'message' in error ? String((error as { message: unknown }).message) : String(error);
}

/** The outcome of a verification: every file matched, or the first bad file and why. */
function Verification({ result }: { result: PackageVerifyResult }) {
  return (
    <p className={result.ok ? 'parity-pass' : 'parity-fail'} role="status" aria-label="Verification result">
      {result.ok ? `Verified: ${result.checked} files match SHA256SUMS (${result.file})` : `Verification FAILED: ${result.bad?.path ?? '?'}: ${result.bad?.problem ?? ''} (${result.file})`}
    </p>
  );
}

function PackageList({ packages, onVerify }: { packages: readonly EdgePackage[]; onVerify: (item: EdgePackage) => void }) {
  if (packages.length === 0) return <p className="muted">No package yet.</p>;
  return (
    <table className="data-table" aria-label="Packages">
      <thead>
        <tr>
          <th>Target</th>
          <th>File</th>
          <th>Size</th>
          <th>SHA-256</th>
          <th>Stored at</th>
          <th>Made</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {packages.map((item) => (
          <tr key={item.id}>
            <td>{item.target}</td>
            <td className="mono">{item.fileName}</td>
            <td className="num">{formatBytes(item.size)}</td>
            <td className="mono" title={item.sha256}>
              {item.sha256.slice(0, 16)}…
            </td>
            <td className="mono">{item.path}</td>
            <td>{formatTime(item.createdAt)}</td>
            <td>
              <button type="button" className="link-button" onClick={() => onVerify(item)} aria-label={`Verify ${item.fileName}`}>
                Verify
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The Package tab: build an edge package of the version for a target (with progress), its packages, and verification of any tar.gz. */
export function PackagePanel({ version }: { version: ModelVersion }) {
  const client = useClient();
  const task = useTask(client);
  const [target, setTarget] = useState<PackageTarget>('linux-x64');
  const [packages, setPackages] = useState<EdgePackage[]>([]);
  const [file, setFile] = useState('');
  const [verification, setVerification] = useState<PackageVerifyResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = task.task !== null && task.task.finished === null;

  const load = useCallback(() => {
    client.call('model.packages', { versionId: version.id }).then(setPackages, (e: unknown) => setError(errorText(e)));
  }, [client, version.id]);
  useEffect(load, [load]);

  const build = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    task
      .start(`Package ${version.modelName}@${version.version} for ${target}`, (taskId) => client.call('model.package', { versionId: version.id, target, taskId }))
      .then(load)
      .catch(() => undefined); // the task panel shows the error
  };

  const verify = (input: { file: string } | { packageId: string }) => {
    setError(null);
    setVerification(null);
    client.call('model.verifyPackage', input).then(setVerification, (e: unknown) => setError(errorText(e)));
  };

  return (
    <section className="card" aria-label="Edge package">
      <h3>Edge package</h3>
      <p className="muted">
        A tar.gz with the ONNX model, its manifest, Node and Python runners, a golden self-test and SHA-256 checksums. On the device: <code>bin/run self-test</code>, then{' '}
        <code>bin/run predict --input JSON</code>.
      </p>
      <form className="export-form" onSubmit={build}>
        <label>
          Target
          <select className="inline-select" value={target} onChange={(e) => setTarget(e.target.value as PackageTarget)} aria-label="Target">
            {packageTargets.map((item) => (
              <option key={item} value={item}>
                {item}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button is-primary" disabled={running}>
          Build package
        </button>
      </form>
      {task.task && <TaskOutput task={task.task} onCancel={() => void task.cancel()} onClose={task.clear} />}
      <h4>Packages</h4>
      <PackageList packages={packages} onVerify={(item) => verify({ packageId: item.id })} />
      <h4>Verify a package file</h4>
      <form
        className="export-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (file.trim()) verify({ file: file.trim() });
        }}
      >
        <label>
          Path of a .tar.gz
          <input className="text-input mono" value={file} placeholder="/path/to/model-v1-linux-x64.tar.gz" onChange={(e) => setFile(e.target.value)} />
        </label>
        <button type="submit" className="button" disabled={!file.trim()}>
          Verify
        </button>
      </form>
      {verification && <Verification result={verification} />}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
