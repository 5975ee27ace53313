/**
 * The foot of a form: its error (an alert), the submit button (`busySubmit` while the call runs, when given) and
 * Cancel, in a row of `className`.
 */
export function FormActions({ error, busy, submit, busySubmit, onCancel, className = 'dialog-actions' }: { error: string | null; busy: boolean; submit: string; busySubmit?: string; onCancel: () => void; className?: string }) {
  return (
    <>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className={className}>
        <button type="submit" className="button is-primary" disabled={busy}>
          {busy && busySubmit ? busySubmit : submit}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
