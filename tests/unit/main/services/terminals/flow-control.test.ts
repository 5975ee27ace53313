import { describe, expect, it } from 'vitest';
import { OutputFlow } from '../../../../../main/services/terminals/flow-control';

function setUp() {
  const calls: string[] = [];
  let now = 0;
  const clock = { now: () => now };
  const flow = new OutputFlow({ pause: () => calls.push('pause'), resume: () => calls.push('resume') }, clock, { highChars: 100, lowChars: 20, staleMs: 1000 });
  return { flow, calls, advance: (ms: number) => (now += ms) };
}

describe('OutputFlow', () => {
  it('never holds output back before a view acknowledges', () => {
    const { flow, calls } = setUp();
    flow.sent(10_000);
    flow.check();
    expect(calls).toEqual([]);
    expect(flow.paused).toBe(false);
  });

  it('pauses above the high watermark and resumes below the low one', () => {
    const { flow, calls } = setUp();
    flow.acked(1);
    flow.sent(60);
    flow.sent(60);
    expect(calls).toEqual(['pause']);
    flow.sent(60);
    expect(calls).toEqual(['pause']);
    flow.acked(100);
    expect(flow.paused).toBe(true);
    flow.acked(70);
    expect(calls).toEqual(['pause', 'resume']);
    expect(flow.paused).toBe(false);
  });

  it('resumes and stops counting when the views stop acknowledging', () => {
    const { flow, calls, advance } = setUp();
    flow.acked(1);
    flow.sent(500);
    advance(999);
    flow.check();
    expect(calls).toEqual(['pause']);
    advance(2);
    flow.check();
    expect(calls).toEqual(['pause', 'resume']);
    flow.sent(10_000);
    expect(calls).toEqual(['pause', 'resume']);
  });
});
