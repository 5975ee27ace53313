import { z } from 'zod';
import { call, event } from './define';

// Placeholder so the tree compiles; filled in by the work on this domain.
void z;
void call;
void event;

/** Calls of the sandbox domain. */
export const sandboxCalls = {} as const;

/** Events of the sandbox domain. */
export const sandboxEvents = {} as const;
