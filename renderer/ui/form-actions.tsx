/** The foot of a form: its error (an alert), the submit button (its busy label while the call runs) and Cancel. */
export function FormActions({ error, busy, submit, busySubmit, onCancel }: { error: string | null; busy: boolean; submit: string; busySubmit: string; onCancel: () => void }) {
  return (
    <>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="submit" className="button is-primary" disabled={busy}>
          {busy ? busySubmit : submit}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
