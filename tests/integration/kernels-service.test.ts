// KernelService with real ipykernel (Debian's /usr/bin/python3, kernelspec /usr/share/jupyter/kernels/python3)
// over ZeroMQ: execute and every output kind, errors, stop_on_error, input(), interrupt, complete, inspect,
// restart, outputs kept for a closed view, a kernel dying mid-cell, a flood capped, shutdown leaving nothing.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { joinSource, outputCapMarker, stripAnsi } from '../../app/lib/notebook';
import type { KernelInfo } from '../../app/models';
import { alive, createKernelHarness, waitFor, type KernelHarness } from '../fixtures/notebooks/kernel-harness';

const text = (outputs: readonly Record<string, unknown>[]) =>
  outputs.map((o) => (o.output_type === 'stream' ? joinSource(o.text as string) : JSON.stringify(o.data ?? o.ename ?? ''))).join('');

describe('a kernel from the Jupyter data paths', () => {
  let h: KernelHarness;
  let kernel: KernelInfo;
  beforeAll(async () => {
    h = await createKernelHarness();
    kernel = await h.service.start({ notebookPath: h.notebookPath });
  });
  afterAll(async () => {
    const pid = kernel.pid!;
    await h.dispose();
    expect(alive(pid)).toBe(false);
    expect(await readdir(path.join(h.dir, 'home', 'runtime', 'kernels')).catch(() => [])).toEqual([]);
  });

  it('starts python3 from /usr/share/jupyter/kernels and answers the same kernel for the same notebook', async () => {
    expect(kernel).toMatchObject({ status: 'idle', specName: 'python3', notebookPath: h.notebookPath, envId: null });
    expect(alive(kernel.pid!)).toBe(true);
    expect((await h.service.start({ notebookPath: h.notebookPath })).id).toBe(kernel.id);
    expect(h.service.list().map((k) => k.id)).toEqual([kernel.id]);
    const runtime = await readdir(path.join(h.dir, 'home', 'runtime', 'kernels'));
    expect(runtime).toHaveLength(1);
  });

  it('runs code: stream and execute_result merged, execution count, busy then idle', async () => {
    const run = await h.run(kernel.id, 'c1', 'import os\nprint("hello", end="")\nprint(" world")\nprint(os.getcwd())\n6*7');
    expect(run.state).toBe('ok');
    expect(run.executionCount).toBeGreaterThan(0);
    expect(run.outputs[0]).toMatchObject({ output_type: 'stream', name: 'stdout', text: `hello world\n${h.dir}\n` });
    expect(run.outputs[1]).toMatchObject({ output_type: 'execute_result', data: { 'text/plain': '42' }, execution_count: run.executionCount });
    const states = h.statusEvents.filter((s) => s.id === kernel.id).map((s) => s.status);
    expect(states).toContain('busy');
    expect(states[states.length - 1]).toBe('idle');
  });

  it('reports an error with its traceback and aborts the cells queued behind it', async () => {
    await h.service.execute({ kernelId: kernel.id, cellId: 'e1', code: 'import time; time.sleep(0.3); 1/0' });
    const second = h.run(kernel.id, 'e2', 'print("never")');
    const run = await second;
    // e2's aborted reply (shell channel) can arrive before e1's closing idle (iopub channel): wait for e1 to end.
    await waitFor('cell e1 to end', () => h.cellEvents.some((e) => e.cellId === 'e1' && e.state !== 'running' && e.state !== 'queued'));
    const failed = h.cellEvents.filter((e) => e.cellId === 'e1').pop()!;
    expect(failed.state).toBe('error');
    const error = failed.outputs.find((o) => o.output_type === 'error')!;
    expect(error).toMatchObject({ ename: 'ZeroDivisionError', evalue: 'division by zero' });
    expect(stripAnsi((error.traceback as string[]).join('\n'))).toContain('1/0');
    expect(run.state).toBe('aborted');
    expect(run.outputs).toEqual([]);
  });

  it('honours clear_output(wait=True) and update_display_data, also from another cell', async () => {
    const ticks = await h.run(kernel.id, 't', 'from IPython.display import clear_output\nfor i in range(3):\n    clear_output(wait=True)\n    print("tick", i)');
    expect(ticks.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'tick 2\n' }]);
    const code = 'from IPython.display import display\nh = display("first", display_id="d1")\ndisplay("second", display_id="d2")\nh.update("first-updated")';
    const run = await h.run(kernel.id, 'd', code);
    expect(run.outputs.map((o) => (o.data as Record<string, string>)['text/plain'])).toEqual(["'first-updated'", "'second'"]);
    await h.run(kernel.id, 'u', 'h.update("updated-from-another-cell")');
    await waitFor('the display update to reach cell d', () => JSON.stringify(h.service.sessionFor(h.notebookPath).runs.find((r) => r.cellId === 'd')).includes('updated-from-another-cell'));
  });

  it('asks for input() and takes the answer', async () => {
    const done = h.run(kernel.id, 'in', 'name = input("Your name? ")\nprint("hi", name)');
    await waitFor('the input request', () => h.inputEvents.length > 0);
    expect(h.inputEvents[0]).toEqual({ cellId: 'in', prompt: 'Your name? ', password: false });
    expect(h.service.sessionFor(h.notebookPath).pendingInput).toEqual({ cellId: 'in', prompt: 'Your name? ', password: false });
    await h.service.input(kernel.id, 'Ada');
    const run = await done;
    expect(text(run.outputs)).toContain('hi Ada');
    await expect(h.service.input(kernel.id, 'x')).rejects.toThrow(/No input\(\) prompt/);
  });

  it('interrupts a busy loop with SIGINT', async () => {
    const done = h.run(kernel.id, 'loop', 'while True: pass');
    await waitFor('the loop to run', () => h.cellEvents.some((e) => e.cellId === 'loop' && e.state === 'running'));
    await new Promise((r) => setTimeout(r, 300));
    await h.service.interrupt(kernel.id);
    const run = await done;
    expect(run.state).toBe('error');
    expect(run.outputs.find((o) => o.output_type === 'error')).toMatchObject({ ename: 'KeyboardInterrupt' });
  });

  it('completes and inspects', async () => {
    await h.run(kernel.id, 'def', 'orrery_value_one = 1\norrery_value_two = 2');
    const completion = await h.service.complete({ kernelId: kernel.id, code: 'orrery_val', cursorPos: 10 });
    expect(completion.matches).toEqual(expect.arrayContaining(['orrery_value_one', 'orrery_value_two']));
    expect(completion).toMatchObject({ cursorStart: 0, cursorEnd: 10 });
    const info = await h.service.inspect({ kernelId: kernel.id, code: 'len', cursorPos: 3 });
    expect(info.found).toBe(true);
    expect(String(info.data['text/plain'])).toContain('Return the number of items');
  });

  it('keeps every output for a view that is not open, until forgotten', async () => {
    const code = 'import time\nfor i in range(5):\n    print("line", i, flush=True)\n    time.sleep(0.05)';
    await h.run(kernel.id, 'bg', code);
    const kept = h.service.sessionFor(h.notebookPath);
    expect(kept.kernel?.id).toBe(kernel.id);
    const bg = kept.runs.find((r) => r.cellId === 'bg')!;
    expect(bg.state).toBe('ok');
    expect(text(bg.outputs)).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n');
    h.service.forget(h.notebookPath, ['bg']);
    expect(h.service.sessionFor(h.notebookPath).runs.some((r) => r.cellId === 'bg')).toBe(false);
    expect(h.service.sessionFor(h.notebookPath).runs.some((r) => r.cellId === 'c1')).toBe(true);
  });

  it('caps a flood of 100k lines a second with a marker and throttles kernel.cell events', async () => {
    const from = h.cellEvents.length;
    const started = Date.now();
    const code = 'import sys, time\nend = time.time() + 2\ni = 0\nwhile time.time() < end:\n    sys.stdout.write("x" * 60 + str(i) + "\\n")\n    i += 1';
    const run = await h.run(kernel.id, 'flood', code);
    const elapsed = Date.now() - started;
    expect(run.state).toBe('ok');
    expect(text(run.outputs)).toContain(outputCapMarker());
    expect(text(run.outputs).length).toBeLessThan(5.5 * 1024 * 1024);
    const events = h.cellEvents.slice(from).filter((e) => e.cellId === 'flood').length;
    // queued, running and done are sent at once; the rest at most one per 50 ms.
    expect(events).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 4);
  });

  it('restarts: a new process, the state gone', async () => {
    const oldPid = kernel.pid!;
    const restarted = await h.service.restart(kernel.id);
    expect(restarted.id).toBe(kernel.id);
    expect(restarted.status).toBe('idle');
    expect(restarted.pid).not.toBe(oldPid);
    await waitFor('the old kernel to end', () => !alive(oldPid));
    const run = await h.run(kernel.id, 'after', 'orrery_value_one');
    expect(run.state).toBe('error');
    expect(run.outputs[0]).toMatchObject({ ename: 'NameError' });
    kernel = restarted;
  });
});

describe('a kernel that dies', () => {
  it('ends the running cell with an error and reports the kernel dead with a reason', async () => {
    const h = await createKernelHarness();
    try {
      const kernel = await h.service.start({ notebookPath: h.notebookPath });
      const run = await h.run(kernel.id, 'die', 'print("bye", flush=True)\nimport os, time\ntime.sleep(0.2)\nos._exit(1)');
      expect(run.state).toBe('error');
      expect(run.outputs.find((o) => o.output_type === 'error')).toMatchObject({ ename: 'DeadKernelError' });
      await waitFor('kernel.status dead', () => h.statusEvents.some((s) => s.status === 'dead'));
      const dead = h.service.list()[0]!;
      expect(dead.status).toBe('dead');
      expect(dead.reason).toMatch(/exited with code 1/);
      expect(alive(kernel.pid!)).toBe(false);
      const error = await h.service.execute({ kernelId: kernel.id, cellId: 'x', code: '1' }).catch((e: unknown) => e);
      expect(isOrreryError(error) && error.code).toBe('kernel_dead');
      // Starting again replaces the dead kernel.
      const again = await h.service.start({ notebookPath: h.notebookPath });
      expect(again.id).not.toBe(kernel.id);
      expect((await h.run(again.id, 'ok', '1+1')).outputs[0]).toMatchObject({ data: { 'text/plain': '2' } });
    } finally {
      await h.dispose();
    }
  });
});
