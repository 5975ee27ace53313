import { describe, expect, it } from 'vitest';
import { anyId, EventBus } from '../../../../main/core/event-bus';

describe('EventBus', () => {
  it('delivers by event and id, and to wildcard subscribers', () => {
    const bus = new EventBus();
    const one: string[] = [];
    const all: string[] = [];
    bus.subscribe('terminal.data', 'a', (m) => one.push(m.payload.data));
    bus.subscribe('terminal.data', anyId, (m) => all.push(`${m.id}:${m.payload.data}`));
    bus.publish('terminal.data', 'a', { data: 'x' });
    bus.publish('terminal.data', 'b', { data: 'y' });
    expect(one).toEqual(['x']);
    expect(all).toEqual(['a:x', 'b:y']);
  });

  it('unsubscribes and leaves no listener behind', () => {
    const bus = new EventBus();
    const got: unknown[] = [];
    const off = bus.subscribe('task.progress', 't1', (m) => got.push(m.payload.done));
    expect(bus.size).toBe(1);
    off();
    off();
    bus.publish('task.progress', 't1', { done: 1, total: 2, message: 'half', finished: null });
    expect(got).toEqual([]);
    expect(bus.size).toBe(0);
  });

  it('keeps delivering when one listener throws', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    try {
      bus.subscribe('project.changed', '', () => {
        throw new Error('faulty subscriber');
      });
      bus.subscribe('project.changed', '', () => got.push('second'));
      bus.publish('project.changed', '', { project: null });
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(got).toEqual(['second']);
    expect(errors).toHaveLength(1);
  });
});
