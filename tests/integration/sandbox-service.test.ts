// The sandbox service against the real Docker daemon: exec with streamed output and exit codes, artifacts
// from /output, the warm pool (one run per container), the audit log and its export, the stray sweep.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient } from '../../main/services/sandbox/docker';
import { hardenedContainer, resolveLimits, sandboxLabels } from '../../main/services/sandbox/hardening';
import { sweepStrays } from '../../main/services/sandbox/sweep';
import { baseImageForTests, call, dockerForTests, ownContainers, sandboxWorld, type SandboxWorld } from '../fixtures/docker/docker';

const docker = await dockerForTests();

describe.skipIf(!docker.ok)('sandbox service (real Docker)', () => {
  let world: SandboxWorld;
  let image: string;

  beforeAll(async () => {
    image = await baseImageForTests();
    world = await sandboxWorld({ poolSize: 0 });
  }, 900_000);

  afterAll(async () => {
    await world?.dispose();
    expect(await ownContainers()).toEqual([]);
  });

  it('runs a command cold: stdout and stderr streamed apart, exit code kept, session audited', async () => {
    const result = await call(world, 'sandbox.exec', {
      command: ['python3', '-c', 'import sys; print("out"); print("err", file=sys.stderr); sys.exit(3)'],
      sessionId: 'sbx_exitcode',
    });
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(result.session).toMatchObject({ status: 'error', exitCode: 3, image, kind: 'exec', network: false });
    const streamed = world.events('sandbox.output').filter((event) => event.sessionId === 'sbx_exitcode');
    expect(streamed.filter((e) => e.stream === 'stdout').map((e) => e.text).join('')).toBe('out\n');
    expect(streamed.filter((e) => e.stream === 'stderr').map((e) => e.text).join('')).toBe('err\n');
    expect(await call(world, 'sandbox.session', { id: 'sbx_exitcode' })).toEqual(result.session);
  });

  it('runs as a non-root user with every capability dropped, a read-only root and the project read-only', async () => {
    const script = [
      'import os',
      'print(os.getuid(), os.getgid())',
      'print(open("/proc/self/status").read().split("CapEff:")[1].split()[0])',
      'print(open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0])',
      'print(sorted(os.listdir("/project")))',
    ].join('\n');
    const result = await call(world, 'sandbox.exec', { command: ['python3', '-c', script] });
    const [ids, caps, noNewPrivs, listing] = result.stdout.trim().split('\n');
    expect(ids).toBe('65534 65534');
    expect(caps).toBe('0000000000000000');
    expect(noNewPrivs).toBe('1');
    // The project's .orrery store is hidden under an empty tmpfs; the folder itself is there.
    expect(listing).toContain("'.orrery'");
    const hidden = await call(world, 'sandbox.exec', { command: ['ls', '-A', '/project/.orrery'] });
    expect(hidden.stdout).toBe('');
    expect(hidden.session.status).toBe('ok');
  });

  it('collects files written to /output as content-addressed artifacts', async () => {
    const result = await call(world, 'sandbox.exec', {
      command: ['sh', '-c', 'mkdir -p /output/sub && printf hello > /output/a.txt && printf nested > /output/sub/b.txt'],
    });
    expect(result.session.status).toBe('ok');
    const byPath = Object.fromEntries(result.session.artifacts.map((file) => [file.path, file]));
    expect(Object.keys(byPath).sort()).toEqual(['a.txt', 'sub/b.txt']);
    expect(byPath['a.txt']!.hash).toBe(createHash('sha256').update('hello').digest('hex'));
    const blob = world.core.services.projects.requireCurrent().artifacts.blobPath(byPath['sub/b.txt']!.hash);
    expect(await readFile(blob, 'utf8')).toBe('nested');
  });

  it('serves an exec from the warm pool, discards that container and starts a fresh one', async () => {
    await call(world, 'sandbox.configurePool', { size: 1 });
    await world.core.services.sandbox.poolReady(60_000);
    const before = await call(world, 'sandbox.ps', {});
    const pooled = before.filter((c) => c.kind === 'pool' && c.ownerPid === process.pid);
    expect(pooled).toHaveLength(1);
    const result = await call(world, 'sandbox.exec', { command: ['python3', '-c', 'print(1)'] });
    expect(result.stdout).toBe('1\n');
    expect(result.session.containerId).toBe(pooled[0]!.id);
    await world.core.services.sandbox.poolReady(60_000);
    const after = (await call(world, 'sandbox.ps', {})).filter((c) => c.kind === 'pool' && c.ownerPid === process.pid);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(pooled[0]!.id);
    expect((await call(world, 'sandbox.ps', {})).map((c) => c.id)).not.toContain(pooled[0]!.id);
    // A run with other limits does not fit the pool and starts cold.
    const cold = await call(world, 'sandbox.exec', { command: ['true'], limits: { memoryMb: 200 } });
    expect(cold.session.containerId).not.toBe(after[0]!.id);
    await call(world, 'sandbox.configurePool', { size: 0 });
  }, 120_000);

  it('lists, filters and exports the audit log as CSV and JSON', async () => {
    const all = await call(world, 'sandbox.sessions', {});
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.every((s) => s.status !== 'running')).toBe(true);
    const failed = await call(world, 'sandbox.sessions', { statuses: ['error'] });
    expect(failed.map((s) => s.id)).toEqual(['sbx_exitcode']);
    const found = await call(world, 'sandbox.sessions', { search: 'printf hello' });
    expect(found).toHaveLength(1);
    const csv = await call(world, 'sandbox.exportAudit', { format: 'csv' });
    const lines = csv.content.trim().split('\r\n');
    expect(lines[0]).toBe('id,kind,command,image,network,memoryMb,cpus,pids,timeoutS,startedAt,endedAt,durationMs,status,exitCode,outputTruncated,artifacts,message');
    expect(lines).toHaveLength(all.length + 1);
    expect(csv.content).toContain('sbx_exitcode,exec,');
    const json = await call(world, 'sandbox.exportAudit', { format: 'json', filter: { statuses: ['error'] } });
    expect((JSON.parse(json.content) as { id: string }[]).map((s) => s.id)).toEqual(['sbx_exitcode']);
    expect(json.filename).toMatch(/^sandbox-audit-.*\.json$/);
  });

  it('lists images with their size and answers a clear not_found for an image that is not here', async () => {
    const images = await call(world, 'sandbox.images', {});
    const base = images.find((i) => i.tags.includes(image));
    expect(base?.orrery).toBe('base');
    expect(base!.size).toBeGreaterThan(50_000_000);
    await expect(call(world, 'sandbox.exec', { command: ['true'], image: 'python:3.12-slim' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('python:3.12-slim') });
  });

  it('sweeps containers of an Orrery that is gone, and keeps live ones', async () => {
    const client = await new DockerClient(process.env).require();
    const make = async (pid: number) => {
      const options = hardenedContainer({ image, cmd: ['sleep', 'infinity'], limits: resolveLimits(), sessionId: `sweep-${pid}`, kind: 'exec', ownerPid: pid });
      const created = await client.createContainer(options);
      await created.start();
      return created.id;
    };
    const dead = await make(2 ** 22 + 17); // above the kernel's pid_max default: never a live process
    const alive = await make(process.pid);
    const removed = await sweepStrays(client);
    expect(removed).toContain(dead);
    expect(removed).not.toContain(alive);
    const left = await client.listContainers({ all: true, filters: { label: [`${sandboxLabels.session}=sweep-${2 ** 22 + 17}`] } });
    expect(left).toEqual([]);
    await client.getContainer(alive).remove({ force: true });
  });

  it("closes audit rows left running by a process that is gone, not a live one's", async () => {
    const { db } = world.core.services.projects.requireCurrent();
    const row = (id: string, pid: number) =>
      db.prepare("INSERT INTO sandbox_sessions (id, kind, command, image, limits, started_at, owner_pid) VALUES (?, 'kernel', 'ipykernel', ?, ?, ?, ?)").run(id, image, JSON.stringify(resolveLimits()), Date.now(), pid);
    row('sbx_gone', 2 ** 22 + 17);
    row('sbx_live', process.pid);
    await world.core.services.sandbox.sweepStrays();
    expect(await call(world, 'sandbox.session', { id: 'sbx_gone' })).toMatchObject({ status: 'killed', message: expect.stringContaining('Orrery stopped') });
    expect((await call(world, 'sandbox.session', { id: 'sbx_live' })).status).toBe('running');
    db.prepare("DELETE FROM sandbox_sessions WHERE id IN ('sbx_gone', 'sbx_live')").run();
  });

  it('opens an interactive shell with a TTY, audited as a shell session', async () => {
    const shell = await world.core.services.sandbox.shell({ columns: 80, rows: 24 });
    let seen = '';
    shell.stream.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    shell.stream.write('echo from-$(id -u) > /output/shell.txt; exit 5\n');
    const session = await shell.ended;
    expect(session).toMatchObject({ kind: 'shell', status: 'error', exitCode: 5 });
    expect(session.artifacts.map((file) => file.path)).toEqual(['shell.txt']);
    expect(seen).toContain('nobody@'); // bash's prompt: the TTY is attached and the user is not root
  }, 60_000);
});
