import type { StateCreator } from 'zustand';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** Open notebooks (documents live in their own stores; this slice lists them for tabs and commands). */
export interface NotebooksSlice {
  readonly openNotebooks: readonly string[];
}

/** The notebooks slice over a client. */
export function createNotebooksSlice(_client: OrreryClient): StateCreator<AppState, [], [], NotebooksSlice> {
  return () => ({ openNotebooks: [] });
}
