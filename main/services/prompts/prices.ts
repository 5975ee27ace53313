import { OrreryError } from '../../../app/contract/errors';
import type { ModelPrice } from '../../../app/contract/prompts';
import type { Db } from '../store/open-database';

/** Prices of a model in USD per million tokens. */
export interface Price {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** The date the default prices were taken from the providers' price pages (standard tier, text tokens, no batch or cache discounts). */
export const pricesAsOf = '2025-11-24';

/**
 * Orrery's default prices, USD per million tokens, as of 2025-11-24 (`pricesAsOf`). A name ending in `*` is a
 * prefix (dated snapshots such as claude-3-5-haiku-20241022 match claude-3-5-haiku*). Gemini prices are the
 * ones for prompts up to 128k (1.5) or 200k (2.5 Pro) tokens. Models served locally (Ollama, LM Studio, vLLM,
 * llama.cpp) have no price unless the user sets one.
 */
export const defaultPrices: Readonly<Record<string, Price>> = {
  // OpenAI
  'gpt-5*': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini*': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano*': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-4.1*': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini*': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano*': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-4o*': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-2024-05-13': { inputPerMTok: 5, outputPerMTok: 15 },
  'gpt-4o-mini*': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4-turbo*': { inputPerMTok: 10, outputPerMTok: 30 },
  'gpt-3.5-turbo*': { inputPerMTok: 0.5, outputPerMTok: 1.5 },
  'o1*': { inputPerMTok: 15, outputPerMTok: 60 },
  'o1-mini*': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o3*': { inputPerMTok: 2, outputPerMTok: 8 },
  'o3-mini*': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o3-pro*': { inputPerMTok: 20, outputPerMTok: 80 },
  'o4-mini*': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  // Anthropic
  'claude-3-haiku*': { inputPerMTok: 0.25, outputPerMTok: 1.25 },
  'claude-3-opus*': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-3-5-haiku*': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'claude-3-5-sonnet*': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-7-sonnet*': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4*': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-sonnet-4*': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-opus-4*': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4-5*': { inputPerMTok: 5, outputPerMTok: 25 },
  // Google
  'gemini-1.5-flash*': { inputPerMTok: 0.075, outputPerMTok: 0.3 },
  'gemini-1.5-pro*': { inputPerMTok: 1.25, outputPerMTok: 5 },
  'gemini-2.0-flash*': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.0-flash-lite*': { inputPerMTok: 0.075, outputPerMTok: 0.3 },
  'gemini-2.5-flash*': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'gemini-2.5-flash-lite*': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.5-pro*': { inputPerMTok: 1.25, outputPerMTok: 10 },
  // Mistral
  'mistral-small*': { inputPerMTok: 0.1, outputPerMTok: 0.3 },
  'mistral-medium*': { inputPerMTok: 0.4, outputPerMTok: 2 },
  'mistral-large*': { inputPerMTok: 2, outputPerMTok: 6 },
  'codestral*': { inputPerMTok: 0.3, outputPerMTok: 0.9 },
  'open-mistral-nemo*': { inputPerMTok: 0.15, outputPerMTok: 0.15 },
  // Groq (exact names: the same weights served locally have other names and no price)
  'llama-3.1-8b-instant': { inputPerMTok: 0.05, outputPerMTok: 0.08 },
  'llama-3.3-70b-versatile': { inputPerMTok: 0.59, outputPerMTok: 0.79 },
  // Together
  'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo': { inputPerMTok: 0.18, outputPerMTok: 0.18 },
  'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo': { inputPerMTok: 0.88, outputPerMTok: 0.88 },
  'meta-llama/Llama-3.3-70B-Instruct-Turbo': { inputPerMTok: 0.88, outputPerMTok: 0.88 },
};

interface PriceRow {
  readonly model: string;
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/**
 * The price table: Orrery's defaults under the user's edits (user db, `model_prices`). Lookup: the user's entries
 * first, then the defaults; in each, an exact name beats the longest matching prefix. A default never prices an
 * Ollama-style `name:tag` model (mistral-small:24b runs locally, it is not Mistral's API); the user's entries do.
 */
export class PriceTable {
  constructor(private readonly db: () => Db) {}

  /** Every price, defaults with the user's edits over them, by model name. */
  list(): ModelPrice[] {
    const user = this.userRows();
    const merged = new Map<string, ModelPrice>();
    for (const [model, price] of Object.entries(defaultPrices)) merged.set(model, { model, ...price, source: 'default' });
    for (const row of user) merged.set(row.model, { model: row.model, inputPerMTok: row.inputPerMTok, outputPerMTok: row.outputPerMTok, source: 'user' });
    return [...merged.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  }

  /** Sets a model's (or a `prefix*`'s) price, over the default if there is one. */
  set(model: string, price: Price): ModelPrice[] {
    const name = checkModelName(model);
    for (const [field, value] of [
      ['inputPerMTok', price.inputPerMTok],
      ['outputPerMTok', price.outputPerMTok],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) throw new OrreryError('invalid_input', `${field} is USD per million tokens, 0 or more (got ${value}).`);
    }
    this.db()
      .prepare(
        'INSERT INTO model_prices (model, input_per_mtok, output_per_mtok) VALUES (?, ?, ?) ON CONFLICT (model) DO UPDATE SET input_per_mtok = excluded.input_per_mtok, output_per_mtok = excluded.output_per_mtok',
      )
      .run(name, price.inputPerMTok, price.outputPerMTok);
    return this.list();
  }

  /** Removes the user's price of a model: its default applies again (or none). */
  reset(model: string): ModelPrice[] {
    this.db().prepare('DELETE FROM model_prices WHERE model = ?').run(model.trim());
    return this.list();
  }

  priceOf(model: string): Price | null {
    const name = model.startsWith('models/') ? model.slice('models/'.length) : model;
    const user = new Map(this.userRows().map((row) => [row.model, { inputPerMTok: row.inputPerMTok, outputPerMTok: row.outputPerMTok }]));
    return lookup(user, name) ?? (name.includes(':') ? null : lookup(new Map(Object.entries(defaultPrices)), name));
  }

  /** USD for a usage, or null when the model has no price. */
  cost(model: string, usage: { inputTokens: number; outputTokens: number }): number | null {
    const price = this.priceOf(model);
    if (!price) return null;
    return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
  }

  private userRows(): PriceRow[] {
    return this.db().prepare('SELECT model, input_per_mtok AS inputPerMTok, output_per_mtok AS outputPerMTok FROM model_prices').all() as PriceRow[];
  }
}

/** The exact entry, else the longest `prefix*` entry the name starts with. */
function lookup(table: ReadonlyMap<string, Price>, name: string): Price | null {
  const exact = table.get(name);
  if (exact) return exact;
  let best: { length: number; price: Price } | null = null;
  for (const [key, price] of table) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (name.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, price };
  }
  return best?.price ?? null;
}

function checkModelName(model: string): string {
  const name = model.trim();
  if (name.length === 0) throw new OrreryError('invalid_input', 'Name the model to price, such as gpt-4o-mini or a prefix such as claude-3-5-haiku*.');
  if (name.slice(0, -1).includes('*') || name === '*') {
    throw new OrreryError('invalid_input', `"${name}": a * may only end a prefix with something before it, such as claude-3-5-haiku*.`);
  }
  return name;
}
