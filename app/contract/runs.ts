import { z } from 'zod';
import { ack, call, event } from './define';

/** Id of a run: 32 hex characters from the SDK, or the id a job gave it. */
export const runIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'a run id is letters, digits, - and _');
const metricKey = z.string().min(1).max(4096);

export const runStatusValues = ['running', 'finished', 'failed', 'killed', 'crashed', 'lost'] as const;

/** A run as lists show it: identity, status, times (ms since the epoch), params, tags and its metrics' last values. */
export const runSummarySchema = z.object({
  id: runIdSchema,
  name: z.string(),
  /** running, finished, failed, killed, crashed, lost (or a status the job service set). */
  status: z.string(),
  /** `sdk` (a script run from anywhere), `job` (started by Orrery) or `mlflow` (imported). */
  source: z.string(),
  jobId: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  params: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  notes: z.string().nullable(),
  /** Last value (highest step) of each metric key; null when it was NaN. */
  metrics: z.record(z.string(), z.number().nullable()),
});

/** The summary a metric key keeps: counts, the last point, and min/max ignoring NaN. */
export const metricKeySummarySchema = z.object({
  key: z.string(),
  /** `sys/…` keys: the job's system metrics. */
  system: z.boolean(),
  count: z.number().int(),
  /** False when points arrived out of step order (reads sort them). */
  sorted: z.boolean(),
  lastStep: z.number().nullable(),
  lastTime: z.number().nullable(),
  lastValue: z.number().nullable(),
  minValue: z.number().nullable(),
  maxValue: z.number().nullable(),
});

export const runArtifactSchema = z.object({
  name: z.string(),
  sha256: z.string(),
  size: z.number(),
  kind: z.enum(['artifact', 'checkpoint', 'log']),
  step: z.number().nullable(),
  /** Seconds since the epoch. */
  createdAt: z.number(),
});

export const runEventSchema = z.object({
  /** Seconds since the epoch. */
  time: z.number(),
  level: z.enum(['info', 'warning', 'error']),
  message: z.string(),
});

/** Everything about one run. */
export const runDetailSchema = runSummarySchema.extend({
  /** Where it came from: the host, pid, argv, cwd and Python of the process that created it. */
  meta: z.object({
    host: z.string().nullable(),
    pid: z.number().nullable(),
    argv: z.array(z.string()),
    cwd: z.string().nullable(),
    python: z.string().nullable(),
  }),
  /** What it was made from: the job, the git commit of the code, the lock of the environment. */
  lineage: z.object({ jobId: z.string().nullable(), gitCommit: z.string().nullable(), envLockId: z.string().nullable() }),
  keys: z.array(metricKeySummarySchema),
  artifacts: z.array(runArtifactSchema),
  events: z.array(runEventSchema),
  /** The processes that wrote to it (`<pid>-<hex>` per SDK process, `job-<id>` for the job service). */
  writers: z.array(
    z.object({ name: z.string(), pid: z.number().nullable(), startedAt: z.number().nullable(), status: z.string().nullable(), exitCode: z.number().nullable() }),
  ),
});

export const runSortSchema = z
  .object({
    /** `created`, `name`, `status`, `started`, `ended`, `params.NAME` or `metrics.KEY`. */
    by: z.string().min(1).max(4096),
    dir: z.enum(['asc', 'desc']).default('desc'),
  })
  .strict();

export const seriesXValues = ['step', 'time', 'relative'] as const;

/** One downsampled series: drawn points in x order, and what the full series held. */
export const seriesSchema = z.object({
  runId: runIdSchema,
  key: z.string(),
  x: z.array(z.number()),
  y: z.array(z.number()),
  /** Points of the series inside the range. */
  points: z.number().int(),
  /** Of those, NaN/±Inf values: counted, not drawn. */
  nonFinite: z.number().int(),
});

/** Calls on experiment runs recorded by the Python SDK and jobs. */
export const runCalls = {
  'runs.list': call(
    'Runs of the open project, filtered (query language: params.lr > 0.01 and metrics.loss < 0.5 and tags ~ "x" and status = finished), searched, sorted and paged',
    z
      .object({
        query: z.string().max(4000).optional(),
        /** Free text matched against name, id and tags. */
        search: z.string().max(500).optional(),
        sort: runSortSchema.optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict()
      .optional(),
    z.object({ runs: z.array(runSummarySchema), total: z.number().int(), paramKeys: z.array(z.string()), metricKeys: z.array(z.string()) }),
  ),
  'runs.get': call('Everything about one run: params, tags, meta, lineage, metric keys, artifacts, events', z.object({ id: runIdSchema }).strict(), runDetailSchema),
  'runs.series': call(
    'Metric series of runs, downsampled for drawing (min/max per bucket or LTTB), x as step, wall time or seconds since the run started',
    z
      .object({
        runIds: z.array(runIdSchema).min(1).max(100),
        keys: z.array(metricKey).min(1).max(100),
        x: z.enum(seriesXValues).default('step'),
        /** Zoom: only points with x inside [from, to], re-sampled. */
        range: z.object({ from: z.number().optional(), to: z.number().optional() }).strict().optional(),
        maxPoints: z.number().int().min(2).max(10_000).default(2000),
        method: z.enum(['minmax', 'lttb']).default('minmax'),
      })
      .strict(),
    z.object({ series: z.array(seriesSchema) }),
  ),
  'runs.update': call(
    "Rename a run, set its notes, or replace its tags",
    z
      .object({
        id: runIdSchema,
        name: z.string().min(1).max(500).optional(),
        notes: z.string().max(100_000).nullable().optional(),
        tags: z.array(z.string().min(1).max(200)).max(200).optional(),
      })
      .strict(),
    runSummarySchema,
  ),
  'runs.delete': call('Delete a run, its points, artifact links and spool folder (refused while it runs)', z.object({ id: runIdSchema }).strict(), ack),
  'runs.export': call(
    'Points of runs as CSV in long format (run_id, run_name, key, step, time, value): the text, or written to a file',
    z
      .object({
        runIds: z.array(runIdSchema).min(1).max(1000),
        /** Default: every key of the runs. */
        keys: z.array(metricKey).max(1000).optional(),
        /** An absolute file path to write instead of answering the text. */
        path: z.string().min(1).max(4096).optional(),
      })
      .strict(),
    z.object({ rows: z.number().int(), csv: z.string().optional(), path: z.string().optional() }),
  ),
  'runs.importMlflow': call(
    'Import the runs of an MLflow file store (an mlruns folder): params, tags, metrics and artifacts',
    z.object({ path: z.string().min(1).max(4096) }).strict(),
    z.object({ imported: z.array(runIdSchema), skipped: z.number().int() }),
  ),
} as const;

/** Events about runs, per run id. */
export const runEvents = {
  'run.metrics': event(
    'An ingest pass added points to a run',
    z.object({ runId: runIdSchema, keys: z.array(z.string()), lastStep: z.number().nullable(), counts: z.record(z.string(), z.number().int()), points: z.number().int() }),
  ),
  'run.changed': event(
    "A run's row changed (created, status, params, tags, name, notes, artifacts) or it was deleted",
    z.object({ runId: runIdSchema, status: z.string().nullable(), deleted: z.boolean() }),
  ),
} as const;

/** A run as lists show it. */
export type RunSummary = z.infer<typeof runSummarySchema>;
/** Everything about one run. */
export type RunDetail = z.infer<typeof runDetailSchema>;
/** One downsampled series. */
export type SeriesResult = z.infer<typeof seriesSchema>;
