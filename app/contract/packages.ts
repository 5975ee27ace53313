import { z } from 'zod';
import { call, event } from './define';

// Placeholder so the tree compiles; filled in by the work on edge packages.
void z;
void call;
void event;

/** Calls on edge packages of model versions. */
export const packageCalls = {} as const;

/** Events of edge packages. */
export const packageEvents = {} as const;
