import { useState, type FormEvent } from 'react';
import type { Deployment, Device, DeviceHostKey, DeviceTest } from '../../../app/contract/deploy';
import type { ModelVersion } from '../../../app/contract/models';
import { packageTargets, type PackageTarget } from '../../../app/contract/packages';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import { useAppStore, useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { TaskOutput, useTask } from '../../ui/task-output';

/** An empty device form: the common defaults filled in. */
const blankDevice = { name: '', host: '', port: '22', username: '', keyPath: '', knownHostsPath: '', remoteRoot: '~/orrery-models', target: 'linux-x64' as PackageTarget };

function AddDeviceForm() {
  const store = useAppStoreApi();
  const [form, setForm] = useState(blankDevice);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = (key: keyof typeof blankDevice) => (value: string) => setForm({ ...form, [key]: value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await store.getState().addDevice({
        name: form.name.trim(),
        host: form.host.trim(),
        port: Number(form.port),
        username: form.username.trim(),
        keyPath: form.keyPath.trim(),
        ...(form.knownHostsPath.trim() ? { knownHostsPath: form.knownHostsPath.trim() } : {}),
        remoteRoot: form.remoteRoot.trim(),
        target: form.target,
      });
      setForm(blankDevice);
      setOpen(false);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const input = (key: keyof typeof blankDevice, label: string, placeholder = '') => (
    <label>
      {label}
      <input className="text-input" aria-label={label} value={form[key]} placeholder={placeholder} onChange={(e) => field(key)(e.target.value)} />
    </label>
  );
  return (
    <details className="device-add" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Add a device</summary>
      <form className="export-form" aria-label="Add a device" onSubmit={(e) => void submit(e)}>
        {input('name', 'Device name', 'jetson-1')}
        {input('host', 'Host', '192.168.1.20')}
        {input('port', 'Port')}
        {input('username', 'User', 'pi')}
        {input('keyPath', 'Key file', '~/.ssh/id_ed25519')}
        {input('knownHostsPath', 'known_hosts', '~/.ssh/known_hosts')}
        {input('remoteRoot', 'Models folder on the device')}
        <label>
          Target
          <select className="inline-select" aria-label="Device target" value={form.target} onChange={(e) => field('target')(e.target.value)}>
            {packageTargets.map((item) => (
              <option key={item}>{item}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="button" disabled={!form.name.trim() || !form.host.trim() || !form.username.trim() || !form.keyPath.trim()}>
          Add device
        </button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </details>
  );
}

/** Test a device; when its host key is not trusted, show the fingerprint it presents and let the user trust it. */
function DeviceCheck({ device }: { device: Device }) {
  const client = useClient();
  const [tested, setTested] = useState<DeviceTest | null>(null);
  const [hostKey, setHostKey] = useState<DeviceHostKey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = (work: () => Promise<void>) => {
    setError(null);
    work().catch((e: unknown) => setError(errorMessage(e)));
  };
  const test = () => run(async () => setTested(await client.call('device.test', { name: device.name })));
  const check = () => run(async () => setHostKey(await client.call('device.hostKey', { name: device.name })));
  const trust = (fingerprint: string) =>
    run(async () => {
      setHostKey(await client.call('device.trust', { name: device.name, fingerprint }));
      setTested(await client.call('device.test', { name: device.name }));
    });
  return (
    <div className="device-check">
      <button type="button" className="link-button" onClick={test} aria-label={`Test ${device.name}`}>
        Test
      </button>{' '}
      <button type="button" className="link-button" onClick={check} aria-label={`Host key of ${device.name}`}>
        Host key
      </button>
      {tested && (
        <span className="parity-pass" role="status">
          {' '}
          {tested.system}, node {tested.node ?? '-'}, {tested.hostKeyFingerprint}
        </span>
      )}
      {hostKey && (
        <span role="status">
          {' '}
          {hostKey.keyType} <code>{hostKey.fingerprint}</code> ({hostKey.status})
          {hostKey.status === 'unknown' && (
            <button type="button" className="button" onClick={() => trust(hostKey.fingerprint)}>
              I checked it on the device: trust this key
            </button>
          )}
        </span>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function DeviceList() {
  const store = useAppStoreApi();
  const devices = useAppStore((s) => s.devices);
  if (devices.length === 0) return <p className="muted">No device yet: add one below (an SSH login with a key; its host key in known_hosts).</p>;
  return (
    <table className="data-table" aria-label="Devices">
      <thead>
        <tr>
          <th>Device</th>
          <th>Login</th>
          <th>Target</th>
          <th>Models folder</th>
          <th />
          <th />
        </tr>
      </thead>
      <tbody>
        {devices.map((device) => (
          <tr key={device.id}>
            <td>{device.name}</td>
            <td className="mono">{`${device.username}@${device.host}:${device.port}`}</td>
            <td>{device.target}</td>
            <td className="mono">{device.remoteRoot}</td>
            <td>
              <DeviceCheck device={device} />
            </td>
            <td>
              <button type="button" className="link-button" onClick={() => void store.getState().removeDevice(device.name)} aria-label={`Remove ${device.name}`}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeploymentList({ deployments }: { deployments: readonly Deployment[] }) {
  if (deployments.length === 0) return <p className="muted">Not deployed yet.</p>;
  return (
    <table className="data-table" aria-label="Deployments">
      <thead>
        <tr>
          <th>When</th>
          <th>Action</th>
          <th>Version</th>
          <th>Device</th>
          <th>Result</th>
          <th>Log</th>
        </tr>
      </thead>
      <tbody>
        {deployments.map((item) => (
          <tr key={item.id} style={{ verticalAlign: 'top' }}>
            <td>{formatTime(item.finishedAt)}</td>
            <td>{item.action}</td>
            <td>v{item.version}</td>
            <td>{item.deviceName}</td>
            <td className={item.result === 'ok' ? 'parity-pass' : 'parity-fail'} title={item.message ?? undefined}>
              {item.result === 'ok' ? 'ok' : `failed at ${item.failedStep}: ${item.message ?? ''}`}
            </td>
            <td>
              <details>
                <summary>log</summary>
                <pre className="mono small" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                  {item.log}
                </pre>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The Deploy tab: devices, deploying the version (a task with each step), rolling back, and the model's deployments. */
export function DeployPanel({ version }: { version: ModelVersion }) {
  const client = useClient();
  const store = useAppStoreApi();
  const task = useTask(client);
  const devices = useAppStore((s) => s.devices);
  const deployments = useAppStore((s) => s.deployments);
  const [deviceName, setDeviceName] = useState('');
  const device = devices.find((item) => item.name === deviceName) ?? devices[0] ?? null;
  const running = task.task !== null && task.task.finished === null;
  const reload = () => void store.getState().loadDeployments();
  const deploy = () => {
    if (!device) return;
    task
      .start(`Deploy ${version.modelName}@${version.version} to ${device.name}`, (taskId) => client.call('model.deploy', { versionId: version.id, device: device.name, taskId }))
      .then(reload, reload);
  };
  const rollback = () => {
    if (!device) return;
    task.start(`Roll back ${version.modelName} on ${device.name}`, (taskId) => client.call('model.rollback', { device: device.name, model: version.modelName, taskId })).then(reload, reload);
  };
  return (
    <section className="card" aria-label="Deploy">
      <h3>Deploy to a device</h3>
      <p className="muted">
        Over SSH: the edge package for the device&apos;s target is copied, verified and self-tested on the device, then made active by switching <code>current</code> in one rename.
      </p>
      <DeviceList />
      <AddDeviceForm />
      <div className="export-form">
        <label>
          Device
          <select className="inline-select" aria-label="Deploy to device" value={device?.name ?? ''} onChange={(e) => setDeviceName(e.target.value)} disabled={devices.length === 0}>
            {devices.map((item) => (
              <option key={item.id} value={item.name}>
                {item.name} ({item.target})
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button is-primary" onClick={deploy} disabled={!device || running}>
          Deploy v{version.version}
        </button>
        <button type="button" className="button" onClick={rollback} disabled={!device || running}>
          Roll back
        </button>
      </div>
      {task.task && <TaskOutput task={task.task} onCancel={() => void task.cancel()} onClose={task.clear} />}
      <h4>Deployments of {version.modelName}</h4>
      <DeploymentList deployments={deployments} />
    </section>
  );
}
