// Bad input for kernels: a kernelspec whose interpreter is missing (listed with its problem; start fails
// clearly), a kernel that exits at start, and a 50 MB output (capped with a marker, the service responsive).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '../../app/contract';
import { joinSource, outputCapMarker } from '../../app/lib/notebook';
import { alive, createKernelHarness, waitFor, writeSpec, type KernelHarness } from '../fixtures/notebooks/kernel-harness';

let h: KernelHarness | null = null;
afterEach(async () => {
  await h?.dispose();
  h = null;
});

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an error');
}

describe('kernels given bad input', () => {
  it('lists a spec with a missing interpreter with its problem, and refuses to start it', async () => {
    const jupyterPath = path.join(process.env.TMPDIR ?? '/tmp', `orrery-jp-${process.pid}`);
    await writeSpec(jupyterPath, 'ghost', { argv: ['/nonexistent/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'Ghost', language: 'python' });
    h = await createKernelHarness({ env: { JUPYTER_PATH: jupyterPath } });
    const specs = await h.service.specs();
    const ghost = specs.find((s) => s.name === 'ghost')!;
    expect(ghost.problem).toMatch(/\/nonexistent\/python3 does not exist/);
    expect(specs.find((s) => s.name === 'python3')?.problem).toBeNull();
    const error = await errorOf(h.service.start({ notebookPath: h.notebookPath, specName: 'ghost' }));
    expect(error.code).toBe('process_failed');
    expect(error.message).toMatch(/"Ghost" cannot start: its interpreter \/nonexistent\/python3 does not exist/);
    expect(h.service.list()).toEqual([]);
  });

  it('reports a kernel that exits while starting, with its output', async () => {
    const jupyterPath = path.join(process.env.TMPDIR ?? '/tmp', `orrery-jp2-${process.pid}`);
    await writeSpec(jupyterPath, 'crash', { argv: ['/usr/bin/python3', '-c', 'import sys; print("no kernel here", file=sys.stderr); sys.exit(3)', '{connection_file}'], display_name: 'Crash', language: 'python' });
    h = await createKernelHarness({ env: { JUPYTER_PATH: jupyterPath } });
    const error = await errorOf(h.service.start({ notebookPath: h.notebookPath, specName: 'crash' }));
    expect(error.code).toBe('process_failed');
    expect(error.message).toMatch(/exited with code 3: no kernel here/);
  });

  it('caps a 50 MB output with the marker and keeps answering', async () => {
    h = await createKernelHarness();
    const kernel = await h.service.start({ notebookPath: h.notebookPath });
    const run = await h.run(kernel.id, 'big', 'from IPython.display import display\ndisplay({"text/plain": "y" * 50_000_000}, raw=True)\nprint("after")');
    expect(run.state).toBe('ok');
    const texts = run.outputs.map((o) => (o.output_type === 'stream' ? joinSource(o.text as string) : ''));
    expect(texts.join('')).toContain(outputCapMarker());
    expect(run.outputs.some((o) => o.output_type === 'display_data')).toBe(false);
    expect((await h.run(kernel.id, 'next', '1+1')).outputs[0]).toMatchObject({ data: { 'text/plain': '2' } });
    const pid = kernel.pid!;
    await h.dispose();
    h = null;
    expect(alive(pid)).toBe(false);
  });

  it('reports a kernel that stops answering its heartbeat as dead, and ends its process', async () => {
    h = await createKernelHarness({ heartbeat: { intervalMs: 200, timeoutMs: 300, misses: 3 } });
    const kernel = await h.service.start({ notebookPath: h.notebookPath });
    const running = h.service.execute({ kernelId: kernel.id, cellId: 'frozen', code: 'import time; time.sleep(30)' });
    await running;
    await waitFor('the cell to run', () => h!.cellEvents.some((e) => e.cellId === 'frozen' && e.state === 'running'));
    process.kill(kernel.pid!, 'SIGSTOP');
    await waitFor('kernel.status dead', () => h!.statusEvents.some((s) => s.status === 'dead'), 20_000);
    expect(h.service.list()[0]!.reason).toMatch(/stopped answering its heartbeat/);
    await waitFor('the frozen cell to end', () => h!.cellEvents.some((e) => e.cellId === 'frozen' && e.state === 'error'));
    await waitFor('the stopped process to be killed', () => !alive(kernel.pid!), 10_000);
  });

  it('interrupts with interrupt_request when the kernelspec says interrupt_mode message', async () => {
    const jupyterPath = path.join(process.env.TMPDIR ?? '/tmp', `orrery-jp3-${process.pid}`);
    await writeSpec(jupyterPath, 'msgint', { argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'Message interrupt', language: 'python', interrupt_mode: 'message' });
    h = await createKernelHarness({ env: { JUPYTER_PATH: jupyterPath } });
    const kernel = await h.service.start({ notebookPath: h.notebookPath, specName: 'msgint' });
    expect((await h.service.specs()).find((s) => s.name === 'msgint')?.interruptMode).toBe('message');
    const done = h.run(kernel.id, 'loop', 'import time\nwhile True: time.sleep(0.01)');
    await waitFor('the loop to run', () => h!.cellEvents.some((e) => e.cellId === 'loop' && e.state === 'running'));
    await new Promise((r) => setTimeout(r, 200));
    await h.service.interrupt(kernel.id);
    const run = await done;
    expect(run.outputs.find((o) => o.output_type === 'error')).toMatchObject({ ename: 'KeyboardInterrupt' });
  });
});
