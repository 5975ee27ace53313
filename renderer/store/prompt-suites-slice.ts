import type { StateCreator } from 'zustand';
import type { SuiteCompare, SuiteEstimate, SuiteFile, SuiteResult, SuiteRun } from '../../app/contract/prompts';
import { newId } from '../../app/lib/ids';
import { liveMatrix, placeCell, resultMatrix, type SuiteMatrix } from '../features/prompts/suite-matrix';
import { errorMessage } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** A suite run in progress or the last one shown. */
export interface SuiteView {
  readonly taskId: string | null;
  readonly running: boolean;
  readonly progress: string;
  readonly matrix: SuiteMatrix | null;
  readonly result: SuiteResult | null;
  readonly error: string | null;
}

/** The prompt studio's suites: the files of suites/, stored runs, the estimate, a run in progress with its live matrix, a comparison. */
export interface PromptSuitesSlice {
  readonly suiteFiles: readonly SuiteFile[];
  readonly suiteRuns: readonly SuiteRun[];
  readonly suiteEstimate: SuiteEstimate | null;
  readonly suiteView: SuiteView;
  readonly suiteCompare: SuiteCompare | null;
  /** prompt.suiteFiles and prompt.suiteRuns. */
  loadSuiteLists(): Promise<void>;
  /** Another project: nothing of the last one's suites is shown. */
  resetSuites(): void;
  /** Writes a suite file; throws (a syntax error with line and column) for the editor to show. */
  saveSuiteFile(name: string, text: string): Promise<SuiteFile>;
  estimateSuite(path: string): Promise<void>;
  /** Runs a saved suite file; progress and cells arrive under a task id chosen (and subscribed) first. */
  runSuite(path: string): Promise<void>;
  cancelSuite(): Promise<void>;
  openSuiteRun(id: string): Promise<void>;
  /** `a` the earlier run, `b` the later one. */
  compareSuiteRuns(a: string, b: string): Promise<void>;
}

const idleSuite: SuiteView = { taskId: null, running: false, progress: '', matrix: null, result: null, error: null };

/** The suites slice over a client. */
export function createPromptSuitesSlice(client: OrreryClient): StateCreator<AppState, [], [], PromptSuitesSlice> {
  return (set, get) => {
    const fail = (what: string, error: unknown) => get().notify('error', `${what}: ${errorMessage(error)}`, 'prompts');
    const loadSuiteLists = async () => {
      const [suiteFiles, suiteRuns] = await Promise.all([client.call('prompt.suiteFiles', undefined), client.call('prompt.suiteRuns', undefined)]);
      set({ suiteFiles, suiteRuns });
    };
    return {
      suiteFiles: [],
      suiteRuns: [],
      suiteEstimate: null,
      suiteView: idleSuite,
      suiteCompare: null,
      loadSuiteLists,
      resetSuites() {
        set({ suiteFiles: [], suiteRuns: [], suiteEstimate: null, suiteView: idleSuite, suiteCompare: null });
      },
      async saveSuiteFile(name, text) {
        const file = await client.call('prompt.saveSuiteFile', { name, text });
        await loadSuiteLists();
        return file;
      },
      async estimateSuite(path) {
        try {
          set({ suiteEstimate: await client.call('prompt.suiteEstimate', { path }) });
        } catch (error) {
          set({ suiteEstimate: null, suiteView: { ...idleSuite, error: errorMessage(error) } });
        }
      },
      async runSuite(path) {
        if (get().suiteView.running) return;
        const taskId = newId('suite', 12);
        set({ suiteView: { taskId, running: true, progress: 'estimating…', matrix: null, result: null, error: null }, suiteCompare: null });
        const update = (change: (view: SuiteView) => Partial<SuiteView>) => {
          const view = get().suiteView;
          if (view.taskId === taskId) set({ suiteView: { ...view, ...change(view) } });
        };
        // The matrix is drawn at its size from the start: the estimate of this very file, asked again.
        try {
          const estimate = await client.call('prompt.suiteEstimate', { path });
          set({ suiteEstimate: estimate });
          update((view) => ({ matrix: view.matrix ?? liveMatrix(estimate), progress: 'starting…' }));
        } catch (error) {
          update(() => ({ running: false, progress: '', error: errorMessage(error) }));
          return;
        }
        const stops = [
          client.on('task.progress', taskId, (p) => update(() => ({ progress: p.total === null ? p.message : `${p.done} of ${p.total} · ${p.message}` }))),
          client.on('prompt.suiteCell', taskId, (p) => update((view) => ({ matrix: placeCell(view.matrix ?? liveMatrix({ rows: 0, columns: 0 }), p.cell) }))),
        ];
        try {
          const result = await client.call('prompt.suiteRun', { source: { path }, taskId });
          update(() => ({ running: false, result, matrix: resultMatrix(result), progress: '' }));
          await loadSuiteLists();
        } catch (error) {
          update(() => ({ running: false, error: errorMessage(error) }));
        } finally {
          for (const stop of stops) stop();
        }
      },
      async cancelSuite() {
        const { taskId, running } = get().suiteView;
        if (!taskId || !running) return;
        try {
          await client.call('task.cancel', { id: taskId });
        } catch (error) {
          fail('Could not cancel the suite', error);
        }
      },
      async openSuiteRun(id) {
        try {
          const result = await client.call('prompt.suiteResult', { id });
          set({ suiteView: { ...idleSuite, result, matrix: resultMatrix(result) } });
        } catch (error) {
          fail('Could not open the suite run', error);
        }
      },
      async compareSuiteRuns(a, b) {
        try {
          set({ suiteCompare: await client.call('prompt.suiteCompare', { a, b }) });
        } catch (error) {
          fail('Could not compare the runs', error);
        }
      },
    };
  };
}
