import { errorMessage, isClientError } from '../../client/client-error';

/** A failed call's message (what to do) and its code, as an alert; nothing when there is no error. */
export function ErrorLine({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p className="form-error" role="alert">
      {errorMessage(error)}
      {isClientError(error) && <span className="form-error-code"> ({error.code})</span>}
    </p>
  );
}
