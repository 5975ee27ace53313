import { z } from 'zod';

/** Every error code a call may answer with; the UI picks its advice by code. */
export const errorCodes = [
  'invalid_input',
  'unknown_call',
  'not_found',
  'already_exists',
  'not_writable',
  'path_outside_root',
  'corrupt_store',
  'newer_schema',
  'no_project',
  'unauthorized',
  'forbidden',
  'unavailable',
  'cancelled',
  'timeout',
  'conflict',
  /** A file Orrery reads is not what it should be (a notebook that is not JSON, or fails its schema). */
  'invalid_file',
  /** A file or payload is over a limit Orrery keeps to stay responsive. */
  'too_large',
  /** A program Orrery ran (pip, conda, venv, a kernel) failed; the message carries its last lines. */
  'process_failed',
  /** A Jupyter kernel died or stopped answering its heartbeat. */
  'kernel_dead',
  /** A provider kept answering 429 after Orrery's retries (which honour Retry-After). */
  'rate_limited',
  /** A provider answered an error of its own (5xx, a malformed stream, a refusal); the message carries its words. */
  'provider_error',
  'internal',
] as const;

/** Union of the error codes above. */
export type ErrorCode = (typeof errorCodes)[number];

/** The error as it crosses a transport: a code and a message that says what to do. */
export const wireErrorSchema = z.object({ code: z.enum(errorCodes), message: z.string() });

/** Wire form of an error. */
export type WireError = z.infer<typeof wireErrorSchema>;

/** The error services throw for anything a user can act on; hosts turn it into `{code, message}`. */
export class OrreryError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OrreryError';
    this.code = code;
  }

  /** The `{code, message}` form sent to clients. */
  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

/** True when the value is an OrreryError (also across bundles, where instanceof may fail). */
export function isOrreryError(value: unknown): value is OrreryError {
  return value instanceof OrreryError || (value instanceof Error && value.name === 'OrreryError' && 'code' in value);
}
