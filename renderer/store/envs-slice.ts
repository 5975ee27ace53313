import type { StateCreator } from 'zustand';
import type { Env } from '../../app/models';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** Python environments as the shell knows them: the list (filled as discovery streams) and the project's default. */
export interface EnvsSlice {
  readonly envs: readonly Env[];
  readonly defaultEnv: Env | null;
  loadEnvs(): Promise<void>;
}

/** The envs slice over a client. */
export function createEnvsSlice(_client: OrreryClient): StateCreator<AppState, [], [], EnvsSlice> {
  return () => ({
    envs: [],
    defaultEnv: null,
    async loadEnvs() {},
  });
}
