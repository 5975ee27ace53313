import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../../../../app/contract/errors';
import { modelPriceSchema } from '../../../../../app/contract/prompts';
import { EventBus } from '../../../../../main/core/event-bus';
import { silentLogger } from '../../../../../main/core/logger';
import { defaultPrices, PriceTable, pricesAsOf } from '../../../../../main/services/prompts/prices';
import { UserStore } from '../../../../../main/services/user/user-store';

describe('PriceTable', () => {
  let dir: string;
  let user: UserStore;
  let table: PriceTable;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-prices-'));
    user = new UserStore({ userHome: path.join(dir, 'home'), logger: silentLogger, clock: { now: () => 0 }, bus: new EventBus() });
    table = new PriceTable(() => user.database());
  });

  afterEach(async () => {
    user.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('has a dated default table of the common hosted models', () => {
    expect(pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const model of [
      'gpt-4o',
      'gpt-4o-mini',
      'gpt-4.1',
      'gpt-4.1-mini',
      'o3-mini',
      'claude-3-5-haiku-20241022',
      'claude-3-5-sonnet-20241022',
      'claude-sonnet-4-20250514',
      'claude-opus-4-1-20250805',
      'gemini-1.5-flash',
      'gemini-1.5-pro',
      'gemini-2.0-flash',
      'gemini-2.5-pro',
      'gemini-2.5-flash',
      'mistral-small-latest',
      'mistral-large-latest',
      'llama-3.1-8b-instant',
      'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo',
    ]) {
      expect(table.priceOf(model), model).not.toBeNull();
    }
    for (const [model, price] of Object.entries(defaultPrices)) {
      expect(price.inputPerMTok, model).toBeGreaterThan(0);
      expect(price.outputPerMTok, model).toBeGreaterThanOrEqual(price.inputPerMTok);
    }
    const list = table.list();
    expect(list.every((price) => modelPriceSchema.safeParse(price).success && price.source === 'default')).toBe(true);
    expect(list.map((price) => price.model)).toEqual([...Object.keys(defaultPrices)].sort());
  });

  it('prefers an exact name, then the longest prefix', () => {
    expect(table.priceOf('gpt-4o')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    expect(table.priceOf('gpt-4o-2024-08-06')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    // An exact entry beats the gpt-4o* prefix…
    expect(table.priceOf('gpt-4o-2024-05-13')).toEqual({ inputPerMTok: 5, outputPerMTok: 15 });
    // …and the longer prefix gpt-4o-mini* beats gpt-4o*.
    expect(table.priceOf('gpt-4o-mini-2024-07-18')).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(table.priceOf('claude-opus-4-5-20251101')).toEqual({ inputPerMTok: 5, outputPerMTok: 25 });
    expect(table.priceOf('claude-opus-4-1-20250805')).toEqual({ inputPerMTok: 15, outputPerMTok: 75 });
    expect(table.priceOf('gemini-2.5-flash-lite')).toEqual({ inputPerMTok: 0.1, outputPerMTok: 0.4 });
    // Gemini's own model list names them models/…
    expect(table.priceOf('models/gemini-2.5-flash')).toEqual(table.priceOf('gemini-2.5-flash'));
  });

  it('gives local models no price by default, and counts their cost as unknown (null), not free', () => {
    for (const model of ['llama3.2:3b', 'mistral-small:24b', 'qwen2.5-7b-instruct', 'meta-llama/Llama-3.1-8B-Instruct', 'gemma-3-4b-it-Q4_K_M.gguf', 'echo']) {
      expect(table.priceOf(model), model).toBeNull();
      expect(table.cost(model, { inputTokens: 1000, outputTokens: 1000 })).toBeNull();
    }
  });

  it('computes the cost of a usage in USD', () => {
    expect(table.cost('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 0 })).toBeCloseTo(0.15, 12);
    expect(table.cost('claude-sonnet-4-5-20250929', { inputTokens: 2_000, outputTokens: 500 })).toBeCloseTo((2_000 * 3 + 500 * 15) / 1e6, 12);
    expect(table.cost('gpt-4o', { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it("keeps the user's edits over the defaults, prices local models, and resets to the default", () => {
    let list = table.set('gpt-4o', { inputPerMTok: 1, outputPerMTok: 4 });
    expect(list.find((price) => price.model === 'gpt-4o')).toEqual({ model: 'gpt-4o', inputPerMTok: 1, outputPerMTok: 4, source: 'user' });
    expect(table.priceOf('gpt-4o')).toEqual({ inputPerMTok: 1, outputPerMTok: 4 });
    // The user's exact gpt-4o does not change the default prefix for snapshots.
    expect(table.priceOf('gpt-4o-2024-11-20')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    table.set('llama3.2*', { inputPerMTok: 0, outputPerMTok: 0.01 });
    expect(table.priceOf('llama3.2:3b')).toEqual({ inputPerMTok: 0, outputPerMTok: 0.01 });
    expect(table.cost('llama3.2:3b', { inputTokens: 10, outputTokens: 1_000_000 })).toBeCloseTo(0.01, 12);
    // A user's prefix comes before the defaults.
    table.set('claude*', { inputPerMTok: 7, outputPerMTok: 8 });
    expect(table.priceOf('claude-3-5-haiku-latest')).toEqual({ inputPerMTok: 7, outputPerMTok: 8 });
    // Edits live in the user db: a new table over it sees them.
    const again = new PriceTable(() => user.database());
    expect(again.priceOf('gpt-4o')).toEqual({ inputPerMTok: 1, outputPerMTok: 4 });
    list = again.reset('gpt-4o');
    expect(list.find((price) => price.model === 'gpt-4o')).toBeUndefined();
    expect(again.priceOf('gpt-4o')).toEqual({ inputPerMTok: 2.5, outputPerMTok: 10 });
    table.set('gpt-4o-mini*', { inputPerMTok: 9, outputPerMTok: 9 });
    list = again.reset('gpt-4o-mini*');
    expect(list.find((price) => price.model === 'gpt-4o-mini*')).toEqual({ model: 'gpt-4o-mini*', inputPerMTok: 0.15, outputPerMTok: 0.6, source: 'default' });
    list = again.reset('llama3.2*');
    expect(list.find((price) => price.model === 'llama3.2*')).toBeUndefined();
    expect(again.priceOf('llama3.2:3b')).toBeNull();
    // Resetting a model without an edit changes nothing.
    expect(again.reset('nothing-here')).toEqual(list);
  });

  it('refuses a * anywhere but at the end, and negative prices', () => {
    for (const [model, price] of [
      ['*', { inputPerMTok: 1, outputPerMTok: 1 }],
      ['gpt-*-mini', { inputPerMTok: 1, outputPerMTok: 1 }],
      [' ', { inputPerMTok: 1, outputPerMTok: 1 }],
      ['gpt-4o', { inputPerMTok: -1, outputPerMTok: 1 }],
      ['gpt-4o', { inputPerMTok: 1, outputPerMTok: Number.NaN }],
    ] as const) {
      let error: unknown;
      try {
        table.set(model, price);
      } catch (caught) {
        error = caught;
      }
      expect(isOrreryError(error) && error.code, model).toBe('invalid_input');
    }
    expect(table.list().every((price) => price.source === 'default')).toBe(true);
  });
});
