import type { ErrorCode } from '../../app/contract';

/** A call that failed: `code` says which kind (the UI picks its advice by it), `message` what to do next. */
export class ClientError extends Error {
  readonly code: ErrorCode;
  /** The call that failed, when known. */
  readonly call: string | undefined;

  constructor(code: ErrorCode, message: string, call?: string) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    this.call = call;
  }
}

/** True when the value is a ClientError (also across bundles). */
export function isClientError(value: unknown): value is ClientError {
  return value instanceof ClientError || (value instanceof Error && value.name === 'ClientError' && 'code' in value);
}

/** The message to show for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
