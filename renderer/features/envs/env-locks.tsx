import { useEffect, useState, type FormEvent } from 'react';
import type { Env, EnvDiff, EnvLock } from '../../../app/models';
import { useClient } from '../../client/context';
import { ErrorLine } from './error-line';
import { useAppStoreApi } from '../../store/context';
import { formatTime } from '../../ui/format';
import { diffOrder, shortHash } from './env-format';

type ExportFormat = 'requirements' | 'environment-yml';

/** The diff of two snapshots as one table: added, removed and changed packages. */
export function DiffTable({ diff, from, to }: { diff: EnvDiff; from: EnvLock; to: EnvLock }) {
  const rows = [
    ...diff.added.map((p) => ({ change: 'added', name: p.name, from: '', to: p.version })),
    ...diff.removed.map((p) => ({ change: 'removed', name: p.name, from: p.version, to: '' })),
    ...diff.changed.map((p) => ({ change: 'changed', name: p.name, from: p.from, to: p.to })),
  ];
  return (
    <div className="env-diff" aria-label="Snapshot diff" role="region">
      <p className="muted">
        {formatTime(from.createdAt)} → {formatTime(to.createdAt)}: {diff.added.length} added, {diff.removed.length} removed, {diff.changed.length} changed,{' '}
        {diff.unchanged} unchanged
      </p>
      {rows.length > 0 && (
        <table className="data-table env-table" aria-label="Differences">
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">Package</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.change}:${row.name}`} className={`is-${row.change}`}>
                <td>{row.change}</td>
                <td className="mono">{row.name}</td>
                <td className="mono">{row.from}</td>
                <td className="mono">{row.to}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** An exported snapshot: its text, Copy and Download. */
function ExportView({ fileName, text, onClose }: { fileName: string; text: string; onClose: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied.');
    } catch {
      setCopied('The browser refused the clipboard: select the text and copy it.');
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <section className="env-export" aria-label={`Export ${fileName}`}>
      <div className="env-section-head">
        <strong className="mono">{fileName}</strong>
        <span className="env-toolbar">
          <button type="button" className="button" onClick={() => void copy()}>
            Copy
          </button>
          <button type="button" className="button" onClick={download}>
            Download
          </button>
          <button type="button" className="button" onClick={onClose} aria-label="Close export">
            Close
          </button>
        </span>
      </div>
      {copied && (
        <p className="muted" role="status">
          {copied}
        </p>
      )}
      <textarea className="env-export-text mono" readOnly aria-label={`${fileName} text`} value={text} rows={Math.min(16, text.split('\n').length + 1)} />
    </section>
  );
}

function LockRow({ lock, picked, onPick, onExport, onRecreate }: { lock: EnvLock; picked: boolean; onPick: () => void; onExport: (format: ExportFormat) => void; onRecreate: () => void }) {
  const when = formatTime(lock.createdAt);
  return (
    <tr className={picked ? 'is-selected' : undefined} data-lock-id={lock.id}>
      <td className="env-check-col">
        <input type="checkbox" aria-label={`Pick snapshot ${when} ${shortHash(lock.hash)} for diff`} checked={picked} onChange={onPick} />
      </td>
      <td>{when}</td>
      <td className="mono" title={lock.hash}>
        {shortHash(lock.hash)}
      </td>
      <td>{lock.packageCount}</td>
      <td className="muted">{lock.note ?? ''}</td>
      <td className="env-lock-actions">
        <button type="button" className="button" aria-label="Export as requirements.txt" onClick={() => onExport('requirements')}>
          requirements.txt
        </button>
        <button type="button" className="button" aria-label="Export as environment.yml" onClick={() => onExport('environment-yml')}>
          environment.yml
        </button>
        <button type="button" className="button" onClick={onRecreate}>
          Recreate…
        </button>
      </td>
    </tr>
  );
}

/** The snapshots of one env and what is done with them: take, pick two and diff, export. */
function useLocks(env: Env) {
  const client = useClient();
  const [locks, setLocks] = useState<readonly EnvLock[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [picked, setPicked] = useState<readonly string[]>([]);
  const [diff, setDiff] = useState<{ diff: EnvDiff; from: EnvLock; to: EnvLock } | null>(null);
  const [exported, setExported] = useState<{ fileName: string; text: string } | null>(null);
  useEffect(() => {
    let live = true;
    client.call('env.locks', { id: env.id }).then(
      (answer) => live && setLocks(answer),
      (caught: unknown) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [client, env.id]);
  /** Runs one call at a time; false when it failed (its error is shown). */
  const act = async (work: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const snapshot = (note: string) =>
    act(async () => {
      const lock = await client.call('env.lock', note ? { id: env.id, note } : { id: env.id });
      setLocks((list) => [lock, ...list.filter((l) => l.id !== lock.id)]);
    });
  const pick = (id: string) => setPicked((list) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id].slice(-2)));
  const showDiff = () => {
    const [a, b] = picked.map((id) => locks.find((l) => l.id === id));
    if (!a || !b) return;
    const { from, to } = diffOrder(a, b);
    void act(async () => setDiff({ diff: await client.call('env.diff', { from: from.id, to: to.id }), from, to }));
  };
  const exportLock = (lock: EnvLock, format: ExportFormat) => void act(async () => setExported(await client.call('env.export', { lockId: lock.id, format })));
  return { locks, busy, error, picked, diff, exported, snapshot, pick, showDiff, exportLock, closeExport: () => setExported(null) };
}

function LocksTable(props: { locks: readonly EnvLock[]; picked: readonly string[]; onPick: (id: string) => void; onExport: (lock: EnvLock, format: ExportFormat) => void }) {
  const store = useAppStoreApi();
  return (
    <div className="env-table-wrap">
      <table className="data-table env-table" aria-label="Snapshots">
        <thead>
          <tr>
            <th scope="col" className="env-check-col">
              <span className="visually-hidden">Pick</span>
            </th>
            <th scope="col">Time</th>
            <th scope="col">Hash</th>
            <th scope="col">Packages</th>
            <th scope="col">Note</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.locks.map((lock) => (
            <LockRow
              key={lock.id}
              lock={lock}
              picked={props.picked.includes(lock.id)}
              onPick={() => props.onPick(lock.id)}
              onExport={(format) => props.onExport(lock, format)}
              onRecreate={() => store.getState().requestCreateEnv(lock)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Snapshots of the selected env: take one (with a note), list, diff two, export, recreate (the parent keys it by env). */
export function EnvLocks({ env }: { env: Env }) {
  const locks = useLocks(env);
  const [note, setNote] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void locks.snapshot(note.trim()).then((ok) => ok && setNote(''));
  };
  const count = locks.locks.length;
  return (
    <section className="card env-locks" aria-labelledby="env-locks-heading">
      <div className="env-section-head">
        <h3 id="env-locks-heading">Snapshots</h3>
        <span className="muted">{count === 1 ? '1 snapshot' : `${count} snapshots`}</span>
      </div>
      <form className="env-toolbar" onSubmit={submit}>
        <input className="text-input" aria-label="Snapshot note" placeholder="Note (optional)" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
        <button type="submit" className="button is-primary" disabled={locks.busy || env.missing}>
          Snapshot
        </button>
        <button type="button" className="button" disabled={locks.busy || locks.picked.length !== 2} onClick={locks.showDiff}>
          Diff selected
        </button>
      </form>
      <ErrorLine error={locks.error} />
      {count > 0 && <LocksTable locks={locks.locks} picked={locks.picked} onPick={locks.pick} onExport={locks.exportLock} />}
      {count === 0 && <p className="muted">No snapshot of this environment yet.</p>}
      {locks.diff && <DiffTable {...locks.diff} />}
      {locks.exported && <ExportView {...locks.exported} onClose={locks.closeExport} />}
    </section>
  );
}
