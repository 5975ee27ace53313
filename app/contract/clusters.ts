import { z } from 'zod';
import { call, event } from './define';

// Placeholder so the tree compiles; filled in by the work on this domain.
void z;
void call;
void event;

/** Calls of the clusters domain. */
export const clusterCalls = {} as const;

/** Events of the clusters domain. */
export const clusterEvents = {} as const;
