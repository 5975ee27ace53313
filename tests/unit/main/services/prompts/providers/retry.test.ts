import { describe, expect, it } from 'vitest';
import { scrubKey } from '../../../../../../main/services/prompts/providers/http';
import { backoffDelay, parseRetryAfter, retryDelay } from '../../../../../../main/services/prompts/providers/retry';

const policy = { retries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-02T03:04:05Z');

  it('reads delay-seconds, decimals included', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 20 ', now)).toBe(20_000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP date as the time left until it (a past date is 0)', () => {
    expect(parseRetryAfter('Fri, 02 Jan 2026 03:04:35 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 02 Jan 2026 03:00:00 GMT', now)).toBe(0);
  });

  it('answers null when absent or unreadable', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});

describe('backoff', () => {
  it('doubles from the base delay, the upper half jittered', () => {
    expect([0, 1, 2, 3].map((retry) => backoffDelay(retry, policy, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((retry) => backoffDelay(retry, policy, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(750);
  });

  it('never waits longer than maxDelayMs', () => {
    expect(backoffDelay(20, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(20, policy, () => 0)).toBe(15_000);
  });

  it("takes the server's Retry-After over the backoff, capped by maxDelayMs", () => {
    expect(retryDelay(0, 1000, policy, () => 0)).toBe(1000);
    expect(retryDelay(3, 0, policy, () => 1)).toBe(0);
    expect(retryDelay(0, 120_000, policy, () => 0)).toBe(30_000);
    expect(retryDelay(2, null, policy, () => 0)).toBe(1000);
  });
});

describe('scrubKey', () => {
  it('replaces every occurrence of the key', () => {
    expect(scrubKey('bad key sk-secret-123 (sk-secret-123)', 'sk-secret-123')).toBe('bad key [key] ([key])');
    expect(scrubKey('nothing here', null)).toBe('nothing here');
  });
});
