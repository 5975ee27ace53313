import { z } from 'zod';
import { call, event } from './define';

// Placeholder so the tree compiles; filled in by the work on this domain.
void z;
void call;
void event;

/** Calls of the deploy domain. */
export const deployCalls = {} as const;

/** Events of the deploy domain. */
export const deployEvents = {} as const;
