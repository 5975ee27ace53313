import type { z } from 'zod';
import { appCalls, appEvents } from './app';
import type { CallSpec, EventSpec } from './define';
import { envCalls, envEvents } from './envs';
import { jobCalls, jobEvents } from './jobs';
import { modelCalls } from './models';
import { notebookCalls, notebookEvents } from './notebook';
import { projectCalls, projectEvents } from './project';
import { promptCalls, promptEvents } from './prompts';
import { runCalls, runEvents } from './runs';
import { systemCalls, systemEvents } from './system';
import { templateCalls } from './templates';
import { deployCalls, deployEvents } from './deploy';
import { packageCalls, packageEvents } from './packages';
import { sandboxCalls, sandboxEvents } from './sandbox';
import { clusterCalls, clusterEvents } from './clusters';
import { terminalCalls, terminalEvents } from './terminal';

export * from './define';
export * from './errors';
export * from './app';
export * from './project';
export * from './system';
export * from './terminal';
export * from './envs';
export * from './notebook';
export * from './runs';
export * from './jobs';
export * from './templates';
export * from './prompts';
export * from './models';
export * from './packages';
export * from './deploy';
export * from './sandbox';
export * from './clusters';
export * from './wire';
export * from './bridge';

/** Every call of the contract, by name (`domain.verb`). Hosts bind all of them in one loop. */
export const calls = {
  ...appCalls,
  ...projectCalls,
  ...terminalCalls,
  ...systemCalls,
  ...envCalls,
  ...notebookCalls,
  ...runCalls,
  ...jobCalls,
  ...templateCalls,
  ...promptCalls,
  ...modelCalls,
  ...packageCalls,
  ...deployCalls,
  ...sandboxCalls,
  ...clusterCalls,
} as const satisfies Record<string, CallSpec>;

/** Every event of the contract, by name (`domain.noun`). */
export const events = {
  ...appEvents,
  ...projectEvents,
  ...terminalEvents,
  ...systemEvents,
  ...envEvents,
  ...notebookEvents,
  ...runEvents,
  ...jobEvents,
  ...promptEvents,
  ...packageEvents,
  ...deployEvents,
  ...sandboxEvents,
  ...clusterEvents,
} as const satisfies Record<string, EventSpec>;

export type Calls = typeof calls;
export type Events = typeof events;
export type CallName = keyof Calls;
export type EventName = keyof Events;
/** What a client may send for a call (before defaults). */
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>;
/** What a service receives for a call (after parsing). */
export type ParsedInput<N extends CallName> = z.output<Calls[N]['input']>;
/** What a call answers. */
export type CallOutput<N extends CallName> = z.output<Calls[N]['output']>;
/** An event's payload. */
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

/** All call names, in declaration order. */
export const callNames = Object.keys(calls) as CallName[];
/** All event names, in declaration order. */
export const eventNames = Object.keys(events) as EventName[];

/** Type guard for names arriving from a transport. */
export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}

/** Type guard for event names arriving from a transport. */
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
