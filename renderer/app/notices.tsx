import { useEffect } from 'react';
import { useAppStore } from '../store/context';
import type { Notice } from '../store/workbench-slice';
import { CloseIcon } from '../ui/icons';

const infoLifetimeMs = 5000;

function NoticeItem({ notice }: { notice: Notice }) {
  const dismiss = useAppStore((s) => s.dismissNotice);
  useEffect(() => {
    if (notice.kind !== 'info') return;
    const timer = setTimeout(() => dismiss(notice.id), infoLifetimeMs);
    return () => clearTimeout(timer);
  }, [notice, dismiss]);
  return (
    <div className={`notice is-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span className="notice-text">{notice.message}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
        <CloseIcon />
      </button>
    </div>
  );
}

/** Short messages in the corner: errors stay until dismissed, information fades after a few seconds. */
export function Notices() {
  const notices = useAppStore((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <NoticeItem key={notice.id} notice={notice} />
      ))}
    </div>
  );
}
