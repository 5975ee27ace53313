import type { StateCreator } from 'zustand';
import type { CallInput, CallOutput, RunSummary } from '../../app/contract';
import { defaultChartSettings, type ChartSettings } from '../features/experiments/chart-math';
import { editQuery, emptyQueryBox, queryAnswered, revertQuery, submitQuery, type QueryBoxState } from '../features/experiments/query-box';
import { nextSort, type RunColumnId, type RunSort } from '../features/experiments/run-columns';
import { errorMessage, isClientError } from '../client/client-error';
import type { OrreryClient } from '../client/types';
import type { AppState } from './store';

/** What the Experiments area shows: the runs table, one run, or the selected runs compared. */
export type ExperimentsView = { readonly kind: 'runs' } | { readonly kind: 'run'; readonly id: string } | { readonly kind: 'compare' };

/** Rows runs.list answers per request; the table asks for the pages the user scrolls to. */
export const runsPageSize = 200;
/** At most this many run.changed refreshes of the table per second. */
const refreshEveryMs = 1000;

/** The runs of the open project as the Experiments area shows them: a sparse, paged copy of runs.list. */
export interface ExperimentsSlice {
  /** One entry per run matching the query; undefined until its page arrived. */
  readonly runRows: readonly (RunSummary | undefined)[];
  readonly runsTotal: number;
  readonly runParamKeys: readonly string[];
  readonly runMetricKeys: readonly string[];
  readonly runsQueryBox: QueryBoxState;
  readonly runsSearch: string;
  readonly runsSort: RunSort;
  /** The value columns the user chose; null: the default ones. */
  readonly runColumns: readonly RunColumnId[] | null;
  /** Runs ticked for comparison, in the order they were ticked. */
  readonly selectedRuns: readonly RunSummary[];
  readonly runsLoading: boolean;
  readonly runsError: string | null;
  readonly experimentsView: ExperimentsView;
  readonly chartSettings: ChartSettings;
  /** runs.list from the first page, for the current query, search and sort. */
  loadRuns(): Promise<void>;
  /** Fetches the pages holding rows [start, end) that are not there yet. */
  ensureRunRange(start: number, end: number): void;
  editRunsQuery(text: string): void;
  /** Sends the typed query; an invalid one leaves the rows and shows the server's message. */
  submitRunsQuery(): Promise<void>;
  revertRunsQuery(): void;
  setRunsSearch(text: string): Promise<void>;
  /** A click on a column header. */
  sortRunsBy(by: string): Promise<void>;
  setRunColumns(columns: readonly RunColumnId[] | null): void;
  toggleRunSelected(run: RunSummary): void;
  /** Ticks the loaded rows, up to `max` ticked in all (runs.series takes 100 runs). */
  selectLoadedRuns(max?: number): void;
  clearRunSelection(): void;
  openRun(id: string): void;
  showRuns(): void;
  showCompare(): void;
  setChartSettings(change: Partial<ChartSettings>): void;
  /** run.changed arrived: the loaded pages are asked again (at most once a second). */
  applyRunChanged(payload: { runId: string; deleted: boolean }): void;
}

type ListAnswer = CallOutput<'runs.list'>;

/** The rows after a page arrived: `total` entries, the page's runs written at `offset`. */
export function placePage(rows: readonly (RunSummary | undefined)[], total: number, offset: number, runs: readonly RunSummary[]): (RunSummary | undefined)[] {
  const next = rows.length === total ? rows.slice() : Array.from({ length: total }, (_, i) => rows[i]);
  for (let i = 0; i < runs.length && offset + i < total; i++) next[offset + i] = runs[i];
  return next;
}

/** The experiments slice over a client. */
export function createExperimentsSlice(client: OrreryClient): StateCreator<AppState, [], [], ExperimentsSlice> {
  // Bumped when the query, search or sort changes: answers for an older listing are dropped.
  let generation = 0;
  const loadedPages = new Set<number>();
  const inFlight = new Set<number>();
  let refreshTimer: ReturnType<typeof setTimeout> | null = null;

  return (set, get) => {
    const listInput = (page: number, query = get().runsQueryBox.applied): CallInput<'runs.list'> => {
      const { runsSearch, runsSort } = get();
      return {
        ...(query ? { query } : {}),
        ...(runsSearch.trim() ? { search: runsSearch.trim() } : {}),
        sort: runsSort,
        offset: page * runsPageSize,
        limit: runsPageSize,
      };
    };
    const applyFirstPage = (answer: ListAnswer, extra: Partial<ExperimentsSlice> = {}) => {
      loadedPages.clear();
      inFlight.clear();
      loadedPages.add(0);
      set({
        runRows: placePage([], answer.total, 0, answer.runs),
        runsTotal: answer.total,
        runParamKeys: answer.paramKeys,
        runMetricKeys: answer.metricKeys,
        runsLoading: false,
        runsError: null,
        ...extra,
      });
    };
    const fetchPage = async (page: number, seq: number) => {
      if (inFlight.has(page)) return;
      inFlight.add(page);
      try {
        const answer = await client.call('runs.list', listInput(page));
        if (seq !== generation) return;
        loadedPages.add(page);
        set({ runRows: placePage(get().runRows, answer.total, page * runsPageSize, answer.runs), runsTotal: answer.total, runParamKeys: answer.paramKeys, runMetricKeys: answer.metricKeys });
      } catch (error) {
        if (seq === generation) set({ runsError: errorMessage(error) });
      } finally {
        if (seq === generation) inFlight.delete(page);
      }
    };
    const reload = async () => {
      const seq = ++generation;
      set({ runsLoading: true });
      try {
        const answer = await client.call('runs.list', listInput(0));
        if (seq === generation) applyFirstPage(answer);
      } catch (error) {
        if (seq === generation) set({ runsLoading: false, runsError: errorMessage(error) });
      }
    };

    return {
      runRows: [],
      runsTotal: 0,
      runParamKeys: [],
      runMetricKeys: [],
      runsQueryBox: emptyQueryBox,
      runsSearch: '',
      runsSort: { by: 'created', dir: 'desc' },
      runColumns: null,
      selectedRuns: [],
      runsLoading: false,
      runsError: null,
      experimentsView: { kind: 'runs' },
      chartSettings: defaultChartSettings,
      loadRuns: reload,
      ensureRunRange(start, end) {
        const last = Math.min(end, get().runsTotal) - 1;
        for (let page = Math.floor(Math.max(start, 0) / runsPageSize); page <= Math.floor(last / runsPageSize); page++) {
          if (!loadedPages.has(page)) void fetchPage(page, generation);
        }
      },
      editRunsQuery(text) {
        set({ runsQueryBox: editQuery(get().runsQueryBox, text) });
      },
      async submitRunsQuery() {
        const submitted = submitQuery(get().runsQueryBox);
        if (!submitted) return;
        set({ runsQueryBox: submitted.state });
        const seq = ++generation;
        try {
          const answer = await client.call('runs.list', listInput(0, submitted.send));
          if (seq === generation) applyFirstPage(answer, { runsQueryBox: queryAnswered(get().runsQueryBox, submitted.send, null) });
        } catch (error) {
          const message = errorMessage(error);
          const invalid = isClientError(error) && error.code === 'invalid_input';
          set({ runsQueryBox: queryAnswered(get().runsQueryBox, submitted.send, message), ...(invalid ? {} : { runsError: message }) });
        }
      },
      revertRunsQuery() {
        set({ runsQueryBox: revertQuery(get().runsQueryBox) });
      },
      async setRunsSearch(text) {
        set({ runsSearch: text });
        await reload();
      },
      async sortRunsBy(by) {
        set({ runsSort: nextSort(get().runsSort, by) });
        await reload();
      },
      setRunColumns(columns) {
        set({ runColumns: columns });
      },
      toggleRunSelected(run) {
        const selected = get().selectedRuns;
        set({ selectedRuns: selected.some((r) => r.id === run.id) ? selected.filter((r) => r.id !== run.id) : [...selected, run] });
      },
      selectLoadedRuns(max = 100) {
        const selected = [...get().selectedRuns];
        const ids = new Set(selected.map((r) => r.id));
        for (const run of get().runRows) {
          if (selected.length >= max) break;
          if (run && !ids.has(run.id)) selected.push(run);
        }
        set({ selectedRuns: selected });
      },
      clearRunSelection() {
        set({ selectedRuns: [] });
      },
      openRun(id) {
        get().openArea('experiments');
        set({ experimentsView: { kind: 'run', id } });
      },
      showRuns() {
        set({ experimentsView: { kind: 'runs' } });
      },
      showCompare() {
        get().openArea('experiments');
        set({ experimentsView: { kind: 'compare' } });
      },
      setChartSettings(change) {
        set({ chartSettings: { ...get().chartSettings, ...change } });
      },
      applyRunChanged(payload) {
        if (payload.deleted) set({ selectedRuns: get().selectedRuns.filter((r) => r.id !== payload.runId) });
        if (refreshTimer) return;
        refreshTimer = setTimeout(() => {
          refreshTimer = null;
          const seq = generation;
          for (const page of [...loadedPages]) {
            loadedPages.delete(page);
            void fetchPage(page, seq);
          }
        }, refreshEveryMs);
      },
    };
  };
}
