import { z } from 'zod';

/** One request/response call of the contract: its input and output schemas and a one-line summary. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly input: I;
  readonly output: O;
}

/** One event of the contract: the payload schema; events are delivered per id (a terminal, a task) or globally with id "". */
export interface EventSpec<P extends z.ZodType = z.ZodType> {
  readonly summary: string;
  readonly payload: P;
}

/** Declares a call; used once per call in `app/contract/<domain>.ts`. */
export function call<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): CallSpec<I, O> {
  return { summary, input, output };
}

/** Declares an event; used once per event in `app/contract/<domain>.ts`. */
export function event<P extends z.ZodType>(summary: string, payload: P): EventSpec<P> {
  return { summary, payload };
}

/** Input of calls that take nothing: an empty object, or nothing at all. */
export const noInput = z.object({}).strict().optional();

/** Output of calls that only acknowledge. */
export const ack = z.object({ ok: z.literal(true) });
