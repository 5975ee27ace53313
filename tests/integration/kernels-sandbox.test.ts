// Notebook kernels in a Docker sandbox, through the real core (KernelService → SandboxKernels → dockerd) on the
// offline-built base image: execute with streamed output, errors, interrupt, restart (a new container), shutdown;
// no network, the project read-only, a non-root user; /output collected as artifacts into the audit log; no
// container outlives its kernel (shutdown, project close, dispose), and strays of a dead Orrery are swept.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinSource } from '../../app/lib/notebook';
import type { CellRun, KernelInfo } from '../../app/models';
import { createCore, defaultResourcesDir, type Core } from '../../main/core/core';
import { anyId } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import { getSession, listSessions } from '../../main/services/sandbox/audit';
import { DockerClient } from '../../main/services/sandbox/docker';
import { defaultLimits, hardenedContainer } from '../../main/services/sandbox/hardening';
import { ensureBaseImage } from '../../main/services/sandbox/images';
import { ipcConnection, kernelDirPrefix } from '../../main/services/sandbox/kernel-container';
import { containerCwd, isSandboxSpec, kernelSessionStatus, parseSandboxSpec } from '../../main/services/sandbox/kernel-launcher';

const repoRoot = path.resolve(__dirname, '..', '..');
const docker = new DockerClient(process.env);
const availability = await docker.available();
if (!availability.ok && process.env.CI) throw new Error(`Docker is required under CI: ${availability.message}`);
if (!availability.ok) console.warn(`Skipping the sandbox kernel tests: ${availability.message}`);

/** Containers of this test process (its pid is on every container its cores start). */
function ourContainers(extra: string[] = []): string[] {
  const filters = ['--filter', 'label=orrery.sandbox', '--filter', `label=orrery.pid=${process.pid}`, ...extra.flatMap((f) => ['--filter', f])];
  return execFileSync('docker', ['ps', '-a', '-q', ...filters], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function sessionContainers(sessionId: string): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', `label=orrery.session=${sessionId}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A separate Orrery process (the real core, bundled) that starts a sandboxed kernel, prints its session and waits to be killed. */
async function crashingOrrery(base: string, projectDir: string, notebookPath: string): Promise<{ process: ChildProcess; sessionId: Promise<string>; bundle: string }> {
  const source = `
    import { createCore } from './main/core/core';
    import { silentLogger } from './main/core/logger';
    const [base, projectDir, notebookPath, resourcesDir] = process.argv.slice(2);
    const core = createCore({ host: 'cli', env: process.env, userHome: base + '/orrery-child', allowedRoots: [base], logger: silentLogger, resourcesDir });
    void (async () => {
      await core.services.projects.open(projectDir);
      const kernel = await core.services.kernels.start({ notebookPath, specName: 'sandbox:base' });
      console.log('SESSION ' + kernel.sandbox.sessionId);
      setInterval(() => undefined, 60_000);
    })();
  `;
  // Inside the repository, so the child's dynamic import('zeromq') resolves from node_modules (ESM ignores NODE_PATH).
  const outfile = path.join(repoRoot, 'out', 'test-children', `crashing-orrery-${process.pid}.cjs`);
  await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'ts', sourcefile: 'crashing-orrery.ts' },
    outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent',
    external: ['electron', 'better-sqlite3', 'node-pty', 'zeromq', 'onnxruntime-node', 'bufferutil', 'utf-8-validate', 'cpu-features', '*.node'],
  });
  const child = spawn(process.execPath, [outfile, base, projectDir, notebookPath, defaultResourcesDir()], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_PATH: path.join(repoRoot, 'node_modules') },
  });
  const sessionId = new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the child printed no session within 60 s: ${out}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /SESSION (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('close', (code) => reject(new Error(`the child ended (${code}) before printing its session: ${out}`)));
  });
  return { process: child, sessionId, bundle: outfile };
}

const text = (run: CellRun) => run.outputs.map((o) => (o.output_type === 'stream' ? joinSource(o.text as string) : JSON.stringify(o.data ?? o.ename ?? ''))).join('');

describe('sandbox kernelspecs and places', () => {
  it('reads sandbox:base, sandbox:project and sandbox:<image>, and refuses what names no image', () => {
    expect(isSandboxSpec('sandbox:base') && isSandboxSpec('sandbox') && !isSandboxSpec('python3') && !isSandboxSpec(undefined)).toBe(true);
    expect(parseSandboxSpec('sandbox')).toEqual({ kind: 'base' });
    expect(parseSandboxSpec('sandbox:project')).toEqual({ kind: 'project' });
    expect(parseSandboxSpec('sandbox:python:3.12-slim')).toEqual({ kind: 'named', reference: 'python:3.12-slim' });
    expect(() => parseSandboxSpec('sandbox:; rm -rf /')).toThrow(/names no image/);
  });

  it('records how a kernel session ended: a shutdown Orrery asked for is ok even when forced, a death is not', () => {
    const end = { sessionId: 's', outputDir: '/o', oom: false, killed: false, requested: false };
    expect(kernelSessionStatus({ ...end, exitCode: 0 })).toBe('ok');
    expect(kernelSessionStatus({ ...end, exitCode: 137, killed: true, requested: true })).toBe('ok');
    expect(kernelSessionStatus({ ...end, exitCode: 137, killed: true })).toBe('killed');
    expect(kernelSessionStatus({ ...end, exitCode: 1 })).toBe('error');
    expect(kernelSessionStatus({ ...end, exitCode: 137, killed: true, oom: true })).toBe('oom');
  });

  it("runs a notebook in its folder under /project; connection sockets are ipc files in the mounted folder", () => {
    expect(containerCwd('/p/proj/a/b/n.ipynb', '/p/proj')).toBe('/project/a/b');
    expect(containerCwd('/p/proj/n.ipynb', '/p/proj')).toBe('/project');
    expect(containerCwd('/elsewhere/n.ipynb', '/p/proj')).toBe('/project');
    expect(containerCwd('/elsewhere/n.ipynb', null)).toBe('/tmp');
    const { inside, host } = ipcConnection('/tmp/orrery-kernel-1-x/conn', 'sandbox:base');
    expect(inside).toMatchObject({ transport: 'ipc', ip: '/conn/kernel', shell_port: 1, hb_port: 5, signature_scheme: 'hmac-sha256' });
    expect(host).toEqual({ ...inside, ip: '/tmp/orrery-kernel-1-x/conn/kernel' });
    expect(inside.key).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('a sandboxed kernel without Docker or without a project', () => {
  let base: string;
  let core: Core;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-ksb-down-')));
    // A daemon socket that does not exist: Docker reads as not running.
    core = createCore({ host: 'cli', env: { ...process.env, DOCKER_HOST: `unix://${base}/docker.sock` }, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger });
  });
  afterAll(async () => {
    await core.dispose();
    await rm(base, { recursive: true, force: true });
  });

  it('asks for a project first', async () => {
    await expect(core.services.kernels.start({ notebookPath: path.join(base, 'n.ipynb'), specName: 'sandbox:base' })).rejects.toMatchObject({ code: 'no_project', message: /audit log/ });
  });

  it('says how to start Docker; local kernels are unaffected', async () => {
    await core.services.projects.create({ path: path.join(base, 'project') });
    const notebookPath = path.join(base, 'project', 'n.ipynb');
    await expect(core.services.kernels.start({ notebookPath, specName: 'sandbox:base' })).rejects.toMatchObject({ code: 'unavailable', message: /Docker daemon is not running: start it/ });
    expect(core.services.kernels.list()).toEqual([]);
    const local = await core.services.kernels.start({ notebookPath });
    expect(local).toMatchObject({ status: 'idle', specName: 'python3' });
    expect(local.sandbox).toBeUndefined();
  }, 60_000);
});

describe.skipIf(!availability.ok)('a notebook kernel in a Docker sandbox', () => {
  let base: string;
  let projectDir: string;
  let notebookPath: string;
  let core: Core;
  let kernel: KernelInfo;
  const cells: CellRun[] = [];
  let listener: net.Server;
  let port: number;

  const makeCore = async () => {
    const made = createCore({ host: 'cli', env: { ...process.env, HOME: path.join(base, 'home') }, userHome: path.join(base, 'orrery'), allowedRoots: [base], logger: silentLogger });
    made.bus.subscribe('kernel.cell', anyId, ({ payload }) => void cells.push(payload));
    return made;
  };
  const db = () => core.services.projects.requireCurrent().db;
  const run = async (kernelId: string, cellId: string, code: string): Promise<CellRun> => {
    const from = cells.length;
    await core.services.kernels.execute({ kernelId, cellId, code });
    const done = () => cells.slice(from).find((e) => e.cellId === cellId && ['ok', 'error', 'aborted'].includes(e.state));
    await waitFor(`cell ${cellId}`, () => done() !== undefined);
    return done()!;
  };

  beforeAll(async () => {
    // The first build of the base image (debootstrap) takes a minute or two; later runs reuse it.
    await ensureBaseImage(docker.docker, { resourcesDir: defaultResourcesDir() });
    base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orrery-ksb-')));
    projectDir = path.join(base, 'project');
    await mkdir(path.join(projectDir, 'nb'), { recursive: true });
    notebookPath = path.join(projectDir, 'nb', 'test.ipynb');
    core = await makeCore();
    await core.services.projects.create({ path: projectDir });
    await writeFile(path.join(projectDir, 'nb', 'data.txt'), 'project data\n');
    listener = net.createServer((socket) => socket.end('HTTP/1.0 200 OK\r\n\r\nreached the host\n'));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as net.AddressInfo).port;
    kernel = await core.services.kernels.start({ notebookPath, specName: 'sandbox:base' });
  }, 600_000);

  afterAll(async () => {
    await core?.dispose();
    listener?.close();
    if (availability.ok) expect(ourContainers()).toEqual([]);
    if (base) await rm(base, { recursive: true, force: true });
  }, 120_000);

  it('starts ipykernel in a hardened container of the base image and records the session', async () => {
    expect(kernel).toMatchObject({ status: 'idle', specName: 'sandbox:base', pid: null, envId: null });
    expect(kernel.sandbox?.image).toBe('orrery/base:bookworm-1');
    const [id] = sessionContainers(kernel.sandbox!.sessionId);
    expect(id).toBeDefined();
    const inspect = await docker.docker.getContainer(id!).inspect();
    expect(inspect.State.Running).toBe(true);
    expect(inspect.HostConfig.NetworkMode).toBe('none');
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspect.HostConfig.CapDrop).toEqual(['ALL']);
    expect(inspect.Config.User).toBe('65534:65534');
    expect(inspect.HostConfig.PortBindings ?? {}).toEqual({});
    const [session] = listSessions(db(), { kinds: ['kernel'] });
    expect(session).toMatchObject({ id: kernel.sandbox!.sessionId, kind: 'kernel', status: 'running', network: false, image: 'orrery/base:bookworm-1' });
  });

  it('executes code with streamed output in the notebook folder, as nobody, with the project read-only', async () => {
    const result = await run(kernel.id, 'c1', 'import os\nprint("hello", flush=True)\nprint(os.getcwd(), os.getuid())\nprint(open("data.txt").read().strip())\n6*7');
    expect(result.state).toBe('ok');
    expect(text(result)).toContain('hello\n/project/nb 65534\nproject data\n');
    expect(result.outputs.at(-1)).toMatchObject({ output_type: 'execute_result', data: { 'text/plain': '42' } });
    const store = await run(kernel.id, 'c3', 'import os\nprint(sorted(os.listdir("/project")), os.listdir("/project/.orrery"))');
    expect(text(store)).toContain("['.orrery', 'nb'] []");
    const write = await run(kernel.id, 'c2', 'open("/project/nb/evil.txt", "w")');
    expect(write.state).toBe('error');
    expect(text(write)).toContain('OSError');
    await expect(stat(path.join(projectDir, 'nb', 'evil.txt'))).rejects.toThrow();
  });

  it('has no network: the host on 127.0.0.1 and an outside address are unreachable', async () => {
    const code = `import urllib.request\nfor url in ["http://127.0.0.1:${port}", "http://10.255.255.1:80"]:\n    try:\n        urllib.request.urlopen(url, timeout=3)\n        print("REACHED", url)\n    except OSError as e:\n        print("blocked", url, type(e).__name__)`;
    const result = await run(kernel.id, 'n1', code);
    expect(text(result)).not.toContain('REACHED');
    expect(text(result)).toContain(`blocked http://127.0.0.1:${port}`);
    expect(text(result)).toContain('blocked http://10.255.255.1:80');
  });

  it('reports an error with its traceback', async () => {
    const result = await run(kernel.id, 'e1', '1/0');
    expect(result.state).toBe('error');
    expect(result.outputs.find((o) => o.output_type === 'error')).toMatchObject({ ename: 'ZeroDivisionError' });
  });

  it('interrupts a running cell (SIGINT through the container init)', async () => {
    await core.services.kernels.execute({ kernelId: kernel.id, cellId: 'i1', code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)' });
    await waitFor('the cell to print', () => cells.some((e) => e.cellId === 'i1' && JSON.stringify(e.outputs).includes('sleeping')));
    const asked = Date.now();
    await core.services.kernels.interrupt(kernel.id);
    await waitFor('the interrupt', () => cells.some((e) => e.cellId === 'i1' && e.state === 'error'), 20_000);
    expect(Date.now() - asked).toBeLessThan(20_000);
    expect(cells.filter((e) => e.cellId === 'i1').pop()!.outputs.find((o) => o.output_type === 'error')).toMatchObject({ ename: 'KeyboardInterrupt' });
    expect((await run(kernel.id, 'i2', '1+1')).state).toBe('ok');
  });

  it('a cell that allocates past the memory limit kills the kernel: reported as OOM, and a restart recovers', async () => {
    const sessionId = kernel.sandbox!.sessionId;
    const statuses: KernelInfo[] = [];
    const stop = core.bus.subscribe('kernel.status', kernel.id, ({ payload }) => void statuses.push(payload));
    await core.services.kernels.execute({ kernelId: kernel.id, cellId: 'm1', code: 'hog = b"x" * (1536 * 1024 * 1024)' });
    await waitFor('the kernel to die', () => statuses.some((s) => s.status === 'dead'), 60_000);
    stop();
    expect(statuses.find((s) => s.status === 'dead')!.reason).toMatch(/memory limit \(1024 MiB\) was reached/);
    await waitFor('the OOM entry', () => getSession(db(), sessionId).status !== 'running');
    expect(getSession(db(), sessionId)).toMatchObject({ status: 'oom', message: expect.stringMatching(/memory limit/) });
    expect(sessionContainers(sessionId)).toEqual([]);
    kernel = await core.services.kernels.restart(kernel.id);
    expect((await run(kernel.id, 'm2', '1+1')).state).toBe('ok');
  });

  it('restarts into a new container: the old one is removed, its output collected, the state gone', async () => {
    await run(kernel.id, 'r1', 'x = 5\nopen("/output/result.txt", "w").write("made in the sandbox\\n")');
    const before = kernel.sandbox!.sessionId;
    const restarted = await core.services.kernels.restart(kernel.id);
    expect(restarted.id).toBe(kernel.id);
    expect(restarted.sandbox!.sessionId).not.toBe(before);
    expect(sessionContainers(before)).toEqual([]);
    expect(sessionContainers(restarted.sandbox!.sessionId)).toHaveLength(1);
    expect((await run(kernel.id, 'r2', 'x')).outputs[0]).toMatchObject({ output_type: 'error', ename: 'NameError' });
    const ended = getSession(db(), before);
    expect(ended).toMatchObject({ kind: 'kernel', status: 'ok' });
    const artifact = ended.artifacts.find((a) => a.path === 'result.txt');
    expect(artifact).toBeDefined();
    const blob = await core.services.projects.requireCurrent().artifacts.get(artifact!.hash);
    expect(await readFile(blob!.path, 'utf8')).toBe('made in the sandbox\n');
    kernel = restarted;
  });

  it('shutdown removes the container and closes the audit entry', async () => {
    const sessionId = kernel.sandbox!.sessionId;
    await core.services.kernels.shutdown(kernel.id);
    expect(sessionContainers(sessionId)).toEqual([]);
    expect(getSession(db(), sessionId).status).toBe('ok');
  });

  it('closing the project (the notebook with it) removes its kernel container and the pooled ones', async () => {
    const started = await core.services.kernels.start({ notebookPath, specName: 'sandbox:base' });
    expect(sessionContainers(started.sandbox!.sessionId)).toHaveLength(1);
    await core.services.projects.close();
    await waitFor('the kernel container to go', () => sessionContainers(started.sandbox!.sessionId).length === 0);
    // The pooled kernels mounted the closed project: they go too.
    await waitFor('the pooled kernels to go', () => ourContainers(['label=orrery.kind=kernel']).length === 0);
    await core.services.projects.open(projectDir);
  });

  it('an Orrery killed with -9 leaves its kernel container; the next start removes it and closes its session', async () => {
    const child = await crashingOrrery(base, projectDir, notebookPath);
    const sessionId = await child.sessionId;
    expect(sessionContainers(sessionId)).toHaveLength(1);
    child.process.kill('SIGKILL');
    await new Promise((resolve) => child.process.once('close', resolve));
    await rm(child.bundle, { force: true });
    // The container outlives the killed Orrery (nothing could remove it) until the next one starts.
    expect(sessionContainers(sessionId)).toHaveLength(1);
    await core.dispose();
    core = await makeCore();
    await core.services.projects.open(projectDir);
    kernel = await core.services.kernels.start({ notebookPath, specName: 'sandbox:base' });
    expect(sessionContainers(sessionId)).toEqual([]);
    expect(getSession(db(), sessionId).status).toBe('killed');
    await core.services.kernels.shutdown(kernel.id);
  }, 120_000);

  it('a new Orrery removes the containers and folders a dead one left behind', async () => {
    const deadPid = 4_000_000 + (process.pid % 100_000);
    const stray = await docker.docker.createContainer(
      hardenedContainer({ image: 'orrery/base:bookworm-1', cmd: ['sleep', '600'], limits: defaultLimits, sessionId: 'sbx_stray', kind: 'kernel', ownerPid: deadPid }),
    );
    await stray.start();
    const strayDir = path.join(os.tmpdir(), `${kernelDirPrefix}${deadPid}-test`);
    await mkdir(strayDir, { recursive: true });
    await core.dispose();
    core = await makeCore();
    await core.services.projects.open(projectDir);
    const started = await core.services.kernels.start({ notebookPath, specName: 'sandbox:base' });
    expect(started.status).toBe('idle');
    expect(sessionContainers('sbx_stray')).toEqual([]);
    await expect(stat(strayDir)).rejects.toThrow();
  });

  it('disposing the service removes every container it started, pooled ones included', async () => {
    expect(ourContainers().length).toBeGreaterThan(0);
    await core.dispose();
    expect(ourContainers()).toEqual([]);
    expect(execFileSync('sh', ['-c', `ls -d ${os.tmpdir()}/${kernelDirPrefix}${process.pid}-* 2>/dev/null || true`], { encoding: 'utf8' }).trim()).toBe('');
    core = await makeCore();
  });
});
