import { z } from 'zod';
import { ack, call, event, noInput } from './define';

/**
 * The prompt studio: LLM providers (OpenAI-compatible, Anthropic, Gemini), versioned prompt templates, side-by-side
 * runs streamed token by token, the project's call history, test suites with assertions, token and cost totals.
 *
 * Where things live: providers, their keys (encrypted) and the price table are the user's (user.db, under
 * ORRERY_HOME); prompts, versions, calls and suite results are the project's (project.db). A key never crosses
 * the contract outward: providers answer `hasKey` only.
 */

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : and - only');
const text = z.string().max(1_000_000);

export const providerKinds = ['openai', 'anthropic', 'gemini'] as const;
export const messageRoles = ['system', 'user', 'assistant'] as const;

/** A configured provider (a key, if any, is stored encrypted and never answered). */
export const providerSchema = z.object({
  id,
  name: z.string(),
  /** The wire protocol: OpenAI chat completions (also Ollama, LM Studio, vLLM, llama.cpp, Groq, Together, Mistral), Anthropic Messages, Gemini generateContent. */
  kind: z.enum(providerKinds),
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1, https://api.anthropic.com, https://generativelanguage.googleapis.com/v1beta */
  baseUrl: z.string(),
  hasKey: z.boolean(),
  /** Where the key is kept: the OS keychain through Electron, Orrery's AES-256-GCM key file, or an environment variable. */
  keyStore: z.enum(['safe-storage', 'key-file', 'env']).nullable(),
  /** An environment variable read for the key when none is stored (e.g. OPENAI_API_KEY). */
  keyEnv: z.string().nullable(),
  /** Models the user pinned for this provider (the server's own list comes from prompt.models). */
  models: z.array(z.string()),
  /** Per-request time limit for the first byte and between chunks, in ms. */
  timeoutMs: z.number().int(),
  createdAt: z.number(),
});

const providerInput = z
  .object({
    /** Absent: a new provider. */
    id: id.optional(),
    name: z.string().min(1).max(100),
    kind: z.enum(providerKinds),
    baseUrl: z.string().url('a URL such as http://127.0.0.1:11434/v1').max(2000),
    /** A new key (stored encrypted); absent: keep the stored one. Use prompt.removeKey to drop it. */
    key: z.string().min(1).max(10_000).optional(),
    keyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).max(200).nullable().optional(),
    models: z.array(z.string().min(1).max(300)).max(200).optional(),
    timeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
  })
  .strict();

/** A local server found on its usual port, with its models. */
export const discoveredServerSchema = z.object({
  /** ollama (11434), lmstudio (1234), or another OpenAI-compatible server (vLLM 8000, llama.cpp 8080, …). */
  server: z.enum(['ollama', 'lmstudio', 'openai-compatible']),
  name: z.string(),
  baseUrl: z.string(),
  models: z.array(z.string()),
  /** The configured provider already pointing here, if any. */
  providerId: z.string().nullable(),
});

/** One message of a prompt template; `{{name}}` marks a variable. */
export const promptMessageSchema = z.object({ role: z.enum(messageRoles), content: text }).strict();

/** Sampling parameters; each provider gets the ones its API supports (what it cannot take is named in the call's warnings). */
export const samplingParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
    stop: z.array(z.string().min(1).max(200)).max(8).optional(),
    seed: z.number().int().optional(),
    /** 'json': the provider's JSON mode (OpenAI response_format json_object, Gemini responseMimeType). */
    responseFormat: z.enum(['text', 'json']).optional(),
  })
  .strict();

/** A saved prompt (its versions are immutable). */
export const promptSchema = z.object({
  id,
  name: z.string(),
  latestVersion: z.number().int(),
  /** label → version (e.g. prod → 3). */
  labels: z.record(z.string(), z.number().int()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** One immutable version of a prompt. */
export const promptVersionSchema = z.object({
  promptId: id,
  version: z.number().int().min(1),
  messages: z.array(promptMessageSchema),
  params: samplingParamsSchema,
  /** Variables the messages use, in order of first use. */
  variables: z.array(z.string()),
  note: z.string().nullable(),
  /** SHA-256 of the canonical messages + params: an unchanged save makes no version. */
  hash: z.string(),
  labels: z.array(z.string()),
  createdAt: z.number(),
});

/** A line of a version diff (messages rendered as `## role` blocks, then the parameters as JSON lines). */
export const diffLineSchema = z.object({ op: z.enum(['same', 'add', 'del']), text: z.string() });

const versionRef = z.union([z.number().int().min(1), z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a label such as prod')]);

/** Where a run's messages come from: a saved version (by number or label), or messages typed in the playground. */
const promptSource = z.union([
  z.object({ promptId: id, version: versionRef.optional() }).strict(),
  z.object({ messages: z.array(promptMessageSchema).min(1).max(200), params: samplingParamsSchema.optional() }).strict(),
]);

/** One model to run on: a provider and a model name, with parameters over the prompt's own. */
export const runTargetSchema = z
  .object({ providerId: id, model: z.string().min(1).max(300), params: samplingParamsSchema.optional() })
  .strict();

export const callStatuses = ['ok', 'error', 'cancelled', 'partial'] as const;

/** Token usage: from the provider's response, or estimated with a tokenizer when the server gave none. */
export const usageSchema = z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), estimated: z.boolean() });

/** One model call as kept in the project's history. */
export const llmCallSchema = z.object({
  id,
  /** The playground run or suite run it belongs to. */
  runId: z.string(),
  suiteRunId: z.string().nullable(),
  promptId: z.string().nullable(),
  promptVersion: z.number().int().nullable(),
  providerId: z.string(),
  providerName: z.string(),
  providerKind: z.enum(providerKinds),
  model: z.string(),
  /** The messages as sent (variables filled in). */
  messages: z.array(promptMessageSchema),
  variables: z.record(z.string(), z.string()),
  params: samplingParamsSchema,
  output: z.string(),
  /** Tool calls / function calls exactly as the provider sent them (joined from the stream), or null. */
  toolCalls: z.unknown().nullable(),
  finishReason: z.string().nullable(),
  /** ok; partial: the stream broke (or passed the size limit) and `output` holds what arrived; error; cancelled. */
  status: z.enum(callStatuses),
  error: z.string().nullable(),
  /** Parameters the provider's API does not take, left out of the request. */
  warnings: z.array(z.string()),
  usage: usageSchema.nullable(),
  /** USD from the price table; null when the model has no price. */
  costUsd: z.number().nullable(),
  /** From sending the request to the first token, and to the end. */
  firstTokenMs: z.number().nullable(),
  latencyMs: z.number(),
  /** How many requests it took (429 / 5xx retried with backoff). */
  attempts: z.number().int(),
  startedAt: z.number(),
});

/** A history row: the call without its full messages and output. */
export const llmCallSummarySchema = llmCallSchema
  .omit({ messages: true, output: true, toolCalls: true, variables: true, params: true })
  .extend({ outputPreview: z.string(), inputPreview: z.string() });

/** Price of a model in USD per million tokens. */
export const modelPriceSchema = z.object({
  /** Exact model name, or a prefix ending in * (claude-3-5-haiku*). */
  model: z.string(),
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
  /** default: Orrery's table (dated in the README); user: edited here. */
  source: z.enum(['default', 'user']),
});

/** Totals of tokens and cost, by prompt, suite run, day or model. */
export const usageTotalSchema = z.object({
  key: z.string(),
  label: z.string(),
  calls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number(),
  /** Calls of this group without a price (their cost is not in costUsd). */
  unpriced: z.number().int(),
  /** Calls whose usage was estimated. */
  estimated: z.number().int(),
});

export const assertionTypes = [
  'equals',
  'contains',
  'not-contains',
  'regex',
  'is-json',
  'json-schema',
  'max-latency',
  'max-cost',
  'llm-judge',
] as const;

/** The outcome of one assertion on one cell. */
export const assertionResultSchema = z.object({
  type: z.enum(assertionTypes),
  pass: z.boolean(),
  /** Why it failed (or the judge's reason). */
  message: z.string(),
});

/** One cell of a suite's matrix: a variable row × a prompt version × a model. */
export const suiteCellSchema = z.object({
  row: z.number().int(),
  column: z.number().int(),
  callId: z.string().nullable(),
  output: z.string(),
  status: z.enum(callStatuses),
  pass: z.boolean(),
  assertions: z.array(assertionResultSchema),
  latencyMs: z.number().nullable(),
  costUsd: z.number().nullable(),
  error: z.string().nullable(),
});

/** A column of the matrix: one prompt version on one model. */
export const suiteColumnSchema = z.object({
  label: z.string(),
  promptId: z.string().nullable(),
  promptVersion: z.number().int().nullable(),
  providerId: z.string(),
  model: z.string(),
});

/** A row of the matrix: one set of variables (and its description). */
export const suiteRowSchema = z.object({ description: z.string().nullable(), vars: z.record(z.string(), z.string()) });

/** A stored run of a suite. */
export const suiteRunSchema = z.object({
  id,
  suiteName: z.string(),
  /** The suite file, relative to the project when inside it; null for text sent directly. */
  path: z.string().nullable(),
  /** SHA-256 of the suite's text. */
  hash: z.string(),
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  cases: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  costUsd: z.number(),
  estimatedCostUsd: z.number().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
});

export const suiteResultSchema = z.object({
  run: suiteRunSchema,
  rows: z.array(suiteRowSchema),
  columns: z.array(suiteColumnSchema),
  cells: z.array(suiteCellSchema),
});

/** What a suite would cost before it runs. */
export const suiteEstimateSchema = z.object({
  suiteName: z.string(),
  rows: z.number().int(),
  columns: z.number().int(),
  cases: z.number().int(),
  /** Calls including LLM-as-judge calls. */
  calls: z.number().int(),
  inputTokens: z.number().int(),
  /** Output tokens assumed: maxTokens where set, else 256 per call. */
  outputTokens: z.number().int(),
  costUsd: z.number(),
  /** Models without a price (their cost is not in costUsd). */
  unpriced: z.array(z.string()),
  concurrency: z.number().int(),
});

const suiteSource = z.union([
  /** A YAML file: absolute, or relative to the project folder. */
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z.object({ text: z.string().min(1).max(5_000_000), name: z.string().max(200).optional() }).strict(),
]);

/** A suite file in the project's `suites/` folder. */
export const suiteFileSchema = z.object({ path: z.string(), name: z.string(), text: z.string(), modifiedAt: z.number() });

/** The difference between two runs of a suite, cell by cell. */
export const suiteCompareSchema = z.object({
  a: suiteRunSchema,
  b: suiteRunSchema,
  /** Cells matched by row variables and column label. */
  changes: z.array(
    z.object({
      row: z.number().int(),
      column: z.string(),
      vars: z.record(z.string(), z.string()),
      before: z.enum(['pass', 'fail', 'absent']),
      after: z.enum(['pass', 'fail', 'absent']),
      outputBefore: z.string().nullable(),
      outputAfter: z.string().nullable(),
    }),
  ),
  fixed: z.number().int(),
  broken: z.number().int(),
});

/** Calls of the prompt studio. */
export const promptCalls = {
  'prompt.providers': call('Configured providers (keys never answered: hasKey only)', noInput, z.array(providerSchema)),
  'prompt.saveProvider': call('Add or change a provider; a key given is stored encrypted in the user folder, never in a project', providerInput, providerSchema),
  'prompt.removeProvider': call('Forget a provider and its stored key', z.object({ id }).strict(), ack),
  'prompt.removeKey': call("Delete a provider's stored key", z.object({ id }).strict(), providerSchema),
  'prompt.testProvider': call(
    'Check a provider: its model list is fetched with the key (401 answers unauthorized, an unreachable URL unavailable)',
    z.object({ id }).strict(),
    z.object({ ok: z.literal(true), models: z.array(z.string()), latencyMs: z.number() }),
  ),
  'prompt.models': call("The models a provider's server lists, with the pinned ones", z.object({ providerId: id }).strict(), z.array(z.string())),
  'prompt.discover': call(
    'Local servers on their usual ports (Ollama /api/tags on 11434; LM Studio, vLLM, llama.cpp /v1/models), with their models',
    noInput,
    z.array(discoveredServerSchema),
  ),

  'prompt.list': call('Saved prompts, newest change first', z.object({ query: z.string().max(200).optional() }).strict().optional(), z.array(promptSchema)),
  'prompt.get': call(
    'A prompt and one of its versions (the latest when none is named; a label names one too)',
    z.object({ id, version: versionRef.optional() }).strict(),
    z.object({ prompt: promptSchema, version: promptVersionSchema }),
  ),
  'prompt.versions': call('Every version of a prompt, newest first', z.object({ id }).strict(), z.array(promptVersionSchema)),
  'prompt.save': call(
    'Save a prompt as a new immutable version (a new prompt when no id is given); an unchanged save answers the latest version with created false',
    z
      .object({
        id: id.optional(),
        name: z.string().min(1).max(200),
        messages: z.array(promptMessageSchema).min(1).max(200),
        params: samplingParamsSchema.default({}),
        note: z.string().max(2000).optional(),
      })
      .strict(),
    z.object({ prompt: promptSchema, version: promptVersionSchema, created: z.boolean() }),
  ),
  'prompt.diff': call(
    'Line diff between two versions of a prompt',
    z.object({ id, from: versionRef, to: versionRef }).strict(),
    z.object({ from: z.number().int(), to: z.number().int(), lines: z.array(diffLineSchema) }),
  ),
  'prompt.restore': call(
    'Make an old version the latest again, as a new version with its content (history is never rewritten)',
    z.object({ id, version: z.number().int().min(1) }).strict(),
    z.object({ prompt: promptSchema, version: promptVersionSchema, created: z.boolean() }),
  ),
  'prompt.label': call(
    'Point a label (prod, staging, …) at a version, or remove it with version null',
    z
      .object({ id, label: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a label is lower-case letters, digits, _ and -, such as prod'), version: z.number().int().min(1).nullable() })
      .strict(),
    promptSchema,
  ),
  'prompt.delete': call('Delete a prompt and its versions (its calls stay in the history)', z.object({ id }).strict(), ack),

  'prompt.run': call(
    'Run a prompt on one or several models side by side; text streams as prompt.delta events under runId (give your own runId to subscribe first); cancel with task.cancel(runId)',
    z
      .object({
        runId: id.optional(),
        source: promptSource,
        variables: z.record(z.string().max(200), z.string().max(1_000_000)).default({}),
        targets: z.array(runTargetSchema).min(1).max(8),
      })
      .strict(),
    z.object({ runId: z.string(), calls: z.array(llmCallSchema) }),
  ),
  'prompt.history': call(
    "The project's model calls, newest first; query searches inputs, outputs, models and errors",
    z
      .object({
        query: z.string().max(500).optional(),
        promptId: id.optional(),
        suiteRunId: id.optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        /** Calls started before this time (paging). */
        before: z.number().optional(),
      })
      .strict()
      .default({ limit: 100 }),
    z.object({ calls: z.array(llmCallSummarySchema), total: z.number().int() }),
  ),
  'prompt.call': call('One call of the history, whole', z.object({ id }).strict(), llmCallSchema),

  'prompt.prices': call("The price table (Orrery's defaults and the user's edits)", noInput, z.array(modelPriceSchema)),
  'prompt.setPrice': call(
    "Set a model's price per million tokens, or with reset true go back to the default",
    z.union([
      z.object({ model: z.string().min(1).max(300), inputPerMTok: z.number().min(0).max(100_000), outputPerMTok: z.number().min(0).max(100_000) }).strict(),
      z.object({ model: z.string().min(1).max(300), reset: z.literal(true) }).strict(),
    ]),
    z.array(modelPriceSchema),
  ),
  'prompt.usage': call(
    'Token and cost totals of the project, grouped by prompt, suite run, day or model',
    z.object({ groupBy: z.enum(['prompt', 'suite', 'day', 'model']), since: z.number().optional() }).strict(),
    z.array(usageTotalSchema),
  ),

  'prompt.suiteFiles': call("Suite files (*.yaml, *.yml) in the project's suites/ folder", noInput, z.array(suiteFileSchema)),
  'prompt.saveSuiteFile': call(
    "Write a suite file into the project's suites/ folder (checked first: a syntax error answers invalid_input with line and column, and nothing is written)",
    z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.ya?ml$/, 'a file name such as greeting.yaml'), text: z.string().max(5_000_000) }).strict(),
    suiteFileSchema,
  ),
  'prompt.suiteEstimate': call('Cases, calls, tokens and cost of a suite before it runs', suiteSource, suiteEstimateSchema),
  'prompt.suiteRun': call(
    'Run a suite (rows × versions × models, at its concurrency limit); progress as task.progress and each cell as prompt.suiteCell under taskId; cancel with task.cancel',
    z
      .object({
        source: suiteSource,
        taskId: id.optional(),
        /** Over the suite's own concurrency. */
        concurrency: z.number().int().min(1).max(64).optional(),
      })
      .strict(),
    suiteResultSchema,
  ),
  'prompt.suiteRuns': call(
    'Stored suite runs, newest first',
    z.object({ suiteName: z.string().max(200).optional() }).strict().optional(),
    z.array(suiteRunSchema),
  ),
  'prompt.suiteResult': call('A stored suite run with its matrix', z.object({ id }).strict(), suiteResultSchema),
  'prompt.suiteCompare': call('Compare two runs of a suite cell by cell: what now passes, what now fails', z.object({ a: id, b: id }).strict(), suiteCompareSchema),
} as const;

/** Events of the prompt studio. */
export const promptEvents = {
  'prompt.delta': event(
    'Text of a running call, as it streams (id: the run id); target is the index in prompt.run targets',
    z.object({ target: z.number().int(), callId: z.string(), text: z.string() }),
  ),
  'prompt.callDone': event('A call of a run ended (id: the run id)', z.object({ target: z.number().int(), call: llmCallSchema })),
  'prompt.suiteCell': event('A suite cell finished (id: the suite task id)', z.object({ suiteRunId: z.string(), cell: suiteCellSchema })),
  'prompt.changed': event('Prompts, providers or prices changed (a version saved, a label moved, a provider added)', z.object({ what: z.enum(['prompts', 'providers', 'prices', 'history', 'suites']), id: z.string().nullable() })),
} as const;

export type Provider = z.output<typeof providerSchema>;
export type ProviderInput = z.output<typeof providerInput>;
export type DiscoveredServer = z.output<typeof discoveredServerSchema>;
export type PromptMessage = z.output<typeof promptMessageSchema>;
export type Prompt = z.output<typeof promptSchema>;
export type PromptVersion = z.output<typeof promptVersionSchema>;
export type DiffLine = z.output<typeof diffLineSchema>;
export type VersionRef = z.output<typeof versionRef>;
export type RunTarget = z.output<typeof runTargetSchema>;
export type LlmCall = z.output<typeof llmCallSchema>;
export type LlmCallSummary = z.output<typeof llmCallSummarySchema>;
export type ModelPrice = z.output<typeof modelPriceSchema>;
export type UsageTotal = z.output<typeof usageTotalSchema>;
export type AssertionType = (typeof assertionTypes)[number];
export type AssertionResult = z.output<typeof assertionResultSchema>;
export type SuiteCell = z.output<typeof suiteCellSchema>;
export type SuiteColumn = z.output<typeof suiteColumnSchema>;
export type SuiteRow = z.output<typeof suiteRowSchema>;
export type SuiteRun = z.output<typeof suiteRunSchema>;
export type SuiteResult = z.output<typeof suiteResultSchema>;
export type SuiteEstimate = z.output<typeof suiteEstimateSchema>;
export type SuiteSource = z.output<typeof suiteSource>;
export type SuiteFile = z.output<typeof suiteFileSchema>;
export type SuiteCompare = z.output<typeof suiteCompareSchema>;
