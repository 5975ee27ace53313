import { z } from 'zod';
import { ack, call, event, noInput } from './define';
import { envIdSchema } from './envs';
import { taskIdSchema } from './system';

const path = z.string().min(1).max(4096);
const kernelId = z.string().min(1).max(64);
const cellId = z.string().min(1).max(128);

/** A MIME bundle (`{"text/plain": "...", "image/png": "<base64>"}`); values are strings, string arrays or JSON. */
const mimeBundle = z.record(z.string(), z.unknown());

/**
 * An nbformat 4 output, as it is stored in a .ipynb file (the full shape is checked by the official JSON
 * schema in main; here only what crosses the wire is pinned down).
 */
export const notebookOutputSchema = z
  .object({ output_type: z.enum(['stream', 'display_data', 'execute_result', 'error']) })
  .loose();

/** An nbformat 4 cell; unknown fields are kept as they are. */
export const notebookCellSchema = z
  .object({
    cell_type: z.enum(['code', 'markdown', 'raw']),
    source: z.union([z.string(), z.array(z.string())]),
    metadata: z.record(z.string(), z.unknown()),
    id: z.string().optional(),
  })
  .loose();

/** An nbformat 4.x notebook: the JSON document itself, every key kept (lossless round trip). */
export const notebookDocSchema = z
  .object({
    nbformat: z.literal(4),
    nbformat_minor: z.number().int().min(0),
    metadata: z.record(z.string(), z.unknown()),
    cells: z.array(notebookCellSchema),
  })
  .loose();

/** A cell of a patch: `{keep: i}` is cell i of the version the patch applies to, unchanged; anything else is a whole cell. */
export const notebookCellRefSchema = z.object({ keep: z.number().int().min(0) }).strict();

/**
 * A save that sends only what changed: the top-level keys without `cells`, and the cell list where unchanged
 * cells are references to the version last read or written (which main keeps). A 20 MB notebook with one edited
 * cell crosses the wire as a few kilobytes.
 */
export const notebookPatchSchema = z.object({
  rest: notebookDocSchema.omit({ cells: true }),
  cells: z.array(z.union([notebookCellRefSchema, notebookCellSchema])),
});

export const kernelSpecSchema = z.object({
  /** `python3`, or `<env>:python3` for a spec synthesized for an env. */
  name: z.string(),
  displayName: z.string(),
  language: z.string(),
  argv: z.array(z.string()),
  /** `signal` (SIGINT) or `message` (interrupt_request on the control channel). */
  interruptMode: z.enum(['signal', 'message']),
  /** The folder holding kernel.json; null for a spec synthesized from an env. */
  resourceDir: z.string().nullable(),
  /** The env it runs in, when known. */
  envId: envIdSchema.nullable(),
  /** Why it cannot start (its interpreter is missing), else null. */
  problem: z.string().nullable(),
});

export const kernelStatuses = ['starting', 'idle', 'busy', 'restarting', 'dead', 'shutdown'] as const;

export const kernelInfoSchema = z.object({
  id: kernelId,
  /** The notebook it belongs to (absolute path); a kernel belongs to one notebook. */
  notebookPath: z.string(),
  specName: z.string(),
  displayName: z.string(),
  envId: envIdSchema.nullable(),
  status: z.enum(kernelStatuses),
  pid: z.number().int().nullable(),
  startedAt: z.number(),
  /** Why it is dead, when it is. */
  reason: z.string().nullable(),
  /** Set when it runs in a Docker sandbox: the image, the audit session (a new one after each restart) and the container. */
  sandbox: z.object({ image: z.string(), sessionId: z.string(), containerId: z.string() }).optional(),
});

/** The live state of one cell as the kernel service knows it (it keeps receiving output while no view is open). */
export const cellRunSchema = z.object({
  cellId,
  state: z.enum(['queued', 'running', 'ok', 'error', 'aborted']),
  executionCount: z.number().int().nullable(),
  /** nbformat outputs, already merged (streams joined, clear_output and update_display_data applied, floods capped). */
  outputs: z.array(notebookOutputSchema),
  /** Increases with every change of this cell, so a view can drop stale updates. */
  seq: z.number().int(),
});

/**
 * What `notebook.open` answers: the document, its file facts, and the live kernel session if one is running.
 * Opened with `firstCells`, `notebook.cells` holds only the first cells of `totalCells`: the view draws them at once
 * and fetches the rest with `notebook.cells` (a 20 MB notebook would otherwise cross the wire before the first paint).
 */
export const openNotebookSchema = z.object({
  path: z.string(),
  notebook: notebookDocSchema,
  /** How many cells the file has (more than `notebook.cells` holds when opened with `firstCells`). */
  totalCells: z.number().int().min(0),
  mtimeMs: z.number(),
  size: z.number(),
  /** Set when a kernel for this notebook is running (or ran since the notebook was last saved). */
  kernel: kernelInfoSchema.nullable(),
  /** Cells the kernel service ran or is running since the file was last saved: overlay them on the file's cells. */
  runs: z.array(cellRunSchema),
  /** Set when an input() prompt is waiting. */
  pendingInput: z.object({ cellId, prompt: z.string(), password: z.boolean() }).nullable(),
});

/** Calls on .ipynb files and on the Jupyter kernels that run them. */
export const notebookCalls = {
  'notebook.list': call(
    'Notebooks in the open project folder',
    noInput,
    z.array(z.object({ path: z.string(), relativePath: z.string(), size: z.number(), mtimeMs: z.number() })),
  ),
  'notebook.open': call(
    'Read and validate a notebook (nbformat 4.0–4.5); with `firstCells`, answer only that many of its cells (fetch the rest with notebook.cells)',
    z.object({ path, firstCells: z.number().int().min(1).optional() }).strict(),
    openNotebookSchema,
  ),
  'notebook.cells': call(
    'Cells `from` … `from + count` of the version of a notebook that notebook.open read at `mtimeMs`; `not_found` when that version is no longer held (open it again)',
    z.object({ path, mtimeMs: z.number(), from: z.number().int().min(0), count: z.number().int().min(1).max(10_000) }).strict(),
    z.object({ cells: z.array(notebookCellSchema), totalCells: z.number().int().min(0) }),
  ),
  'notebook.create': call(
    'Create an empty notebook (fails if the file exists)',
    z.object({ path, envId: envIdSchema.optional() }).strict(),
    openNotebookSchema,
  ),
  'notebook.save': call(
    'Validate and write a notebook atomically (the whole document, or a patch on the version last read or written at `expectedMtimeMs`); `conflict` if the file changed on disk since `expectedMtimeMs`',
    z
      .object({
        path,
        notebook: notebookDocSchema.optional(),
        patch: notebookPatchSchema.optional(),
        expectedMtimeMs: z.number().optional(),
        force: z.boolean().optional(),
      })
      .strict()
      .superRefine((input, ctx) => {
        if ((input.notebook === undefined) === (input.patch === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['notebook'], message: 'give either notebook (the whole document) or patch, not both or neither' });
        }
        if (input.patch !== undefined && input.expectedMtimeMs === undefined) {
          ctx.addIssue({ code: 'custom', path: ['expectedMtimeMs'], message: 'a patch needs the mtime of the version it applies to' });
        }
      }),
    z.object({ mtimeMs: z.number(), size: z.number() }),
  ),
  'kernel.specs': call('Kernelspecs of an env (or of every known env)', z.object({ envId: envIdSchema.optional() }).strict().optional(), z.array(kernelSpecSchema)),
  'kernel.list': call('Running kernels', noInput, z.array(kernelInfoSchema)),
  'kernel.start': call(
    "Start (or return the running) kernel of a notebook, in the given env or the project's default; specName `sandbox:base`, `sandbox:project` or `sandbox:<image>` runs it in a Docker sandbox (no network, limits, the project read-only)",
    z.object({ notebookPath: path, envId: envIdSchema.optional(), specName: z.string().min(1).max(200).optional(), taskId: taskIdSchema.optional() }).strict(),
    kernelInfoSchema,
  ),
  'kernel.execute': call(
    'Queue a cell for execution; its outputs arrive as kernel.cell events',
    z.object({ kernelId, cellId, code: z.string().max(10_000_000), stopOnError: z.boolean().optional() }).strict(),
    z.object({ msgId: z.string() }),
  ),
  'kernel.input': call('Answer a pending input() prompt', z.object({ kernelId, value: z.string().max(1_000_000) }).strict(), ack),
  'kernel.interrupt': call('Interrupt the running cell (signal or interrupt_request, as the kernelspec says)', z.object({ kernelId }).strict(), ack),
  'kernel.restart': call('Restart the kernel (its state is lost; queued cells are aborted)', z.object({ kernelId }).strict(), kernelInfoSchema),
  'kernel.shutdown': call('Shut the kernel down; its process ends', z.object({ kernelId }).strict(), ack),
  'kernel.complete': call(
    'Completions at a cursor position (complete_request)',
    z.object({ kernelId, code: z.string().max(1_000_000), cursorPos: z.number().int().min(0) }).strict(),
    z.object({ matches: z.array(z.string()), cursorStart: z.number().int(), cursorEnd: z.number().int(), types: z.array(z.string()).nullable() }),
  ),
  'kernel.inspect': call(
    'Documentation of the name at a cursor position (inspect_request)',
    z.object({ kernelId, code: z.string().max(1_000_000), cursorPos: z.number().int().min(0), detailLevel: z.union([z.literal(0), z.literal(1)]).optional() }).strict(),
    z.object({ found: z.boolean(), data: mimeBundle }),
  ),
  'kernel.forget': call(
    "Drop the kept outputs of a notebook's cells (after the view has saved them to the file)",
    z.object({ notebookPath: path, cellIds: z.array(cellId).optional() }).strict(),
    ack,
  ),
} as const;

/** Events from kernels, delivered per kernel id. */
export const notebookEvents = {
  'kernel.status': event('The kernel changed state (busy, idle, dead with a reason, restarting)', kernelInfoSchema),
  'kernel.cell': event('A cell changed: queued, running, new outputs, done', cellRunSchema),
  'kernel.inputRequest': event('The kernel waits for input() in a cell', z.object({ cellId, prompt: z.string(), password: z.boolean() })),
} as const;
