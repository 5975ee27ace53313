import type { z } from 'zod';
import {
  calls,
  isCallName,
  isOrreryError,
  OrreryError,
  type CallName,
  type CallOutput,
  type ParsedInput,
  type WireError,
} from '../../app/contract';
import type { Logger } from './logger';

/** Who is calling: the face and a per-connection id (a window, a WebSocket, the CLI). */
export interface CallContext {
  readonly host: 'electron' | 'web' | 'cli';
  readonly clientId: string;
}

/** The service side of one call; receives input already parsed by its schema. */
export type Handler<N extends CallName> = (input: ParsedInput<N>, context: CallContext) => Promise<CallOutput<N>> | CallOutput<N>;

/** One handler for every call: the compiler refuses a map that misses one. */
export type Handlers = { readonly [N in CallName]: Handler<N> };

/** What a transport sends back for a call. */
export type CallResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireError };

/** Names the failing fields of a schema error, e.g. `path: Expected string, received number`. */
export function describeIssues(error: z.ZodError, limit = 3): string {
  const parts = error.issues.slice(0, limit).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
    return `${where}: ${issue.message}`;
  });
  if (error.issues.length > limit) parts.push(`and ${error.issues.length - limit} more`);
  return parts.join('; ');
}

/** A function that parses, calls and answers one call; every host uses it in its one registration loop. */
export type Dispatch = (name: unknown, input: unknown, context: CallContext) => Promise<CallResult>;

/** Builds the dispatcher: parse input → handler → check output → result or `{code, message}`. */
export function createDispatcher(handlers: Handlers, logger: Logger): Dispatch {
  return async (name, input, context) => {
    if (!isCallName(name)) {
      return { ok: false, error: { code: 'unknown_call', message: `There is no call named ${JSON.stringify(name)?.slice(0, 80)}.` } };
    }
    const spec = calls[name];
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid_input', message: `${name}: ${describeIssues(parsed.error)}` } };
    }
    try {
      const handler = handlers[name] as (input: unknown, context: CallContext) => unknown;
      const value = await handler(parsed.data, context);
      const checked = spec.output.safeParse(value);
      if (!checked.success) {
        logger.error('service answered outside its schema', { call: name, issues: describeIssues(checked.error) });
        return { ok: false, error: { code: 'internal', message: `${name} answered in an unexpected shape; see the log.` } };
      }
      return { ok: true, value: checked.data };
    } catch (error) {
      if (isOrreryError(error)) return { ok: false, error: error.toWire() };
      logger.error('call failed', { call: name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      return { ok: false, error: { code: 'internal', message: `${name} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}` } };
    }
  };
}

/** Runs a call to completion and returns its value or throws its error (CLI, tests). */
export async function callOrThrow<N extends CallName>(
  dispatch: Dispatch,
  name: N,
  input: unknown,
  context: CallContext,
): Promise<CallOutput<N>> {
  const result = await dispatch(name, input, context);
  if (result.ok) return result.value as CallOutput<N>;
  throw new OrreryError(result.error.code, result.error.message);
}
