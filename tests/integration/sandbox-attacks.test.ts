// Attacks from inside the sandbox, against the real Docker daemon. Each one must fail inside, and each test
// asserts that it did (and, where it matters, that the host saw nothing).
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseImageForTests, call, dockerForTests, ownContainers, sandboxWorld, type SandboxWorld } from '../fixtures/docker/docker';

const docker = await dockerForTests();

/** A Python snippet run as `python3 -c`. */
function py(...lines: string[]): string[] {
  return ['python3', '-c', lines.join('\n')];
}

describe.skipIf(!docker.ok)('sandbox attacks (real Docker)', () => {
  let world: SandboxWorld;
  let server: net.Server;
  let port = 0;
  let connections = 0;

  beforeAll(async () => {
    await baseImageForTests();
    world = await sandboxWorld({ poolSize: 0 });
    server = net.createServer((socket) => {
      connections += 1;
      socket.end('HTTP/1.0 200 OK\r\n\r\nsecret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  }, 900_000);

  afterAll(async () => {
    server?.close();
    await world?.dispose();
    expect(await ownContainers()).toEqual([]);
  });

  it('cannot reach a port the host listens on at 127.0.0.1, nor an outside address, with the network off', async () => {
    const result = await call(world, 'sandbox.exec', {
      command: py(
        'import os, socket',
        'print(sorted(os.listdir("/sys/class/net")))',
        `for host, port in (("127.0.0.1", ${port}), ("10.255.255.1", 80)):`,
        '    s = socket.socket(); s.settimeout(3)',
        '    try:',
        '        s.connect((host, port)); print(host, "CONNECTED", s.recv(100))',
        '    except OSError as e:',
        '        print(host, "blocked", type(e).__name__)',
        'import urllib.request',
        'try:',
        `    urllib.request.urlopen("http://127.0.0.1:${port}", timeout=3); print("url CONNECTED")`,
        'except Exception as e:',
        '    print("url blocked", type(e).__name__)',
      ),
    });
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe("['lo']");
    expect(lines[1]).toMatch(/^127\.0\.0\.1 blocked ConnectionRefusedError$/);
    expect(lines[2]).toMatch(/^10\.255\.255\.1 blocked OSError$/);
    expect(lines[3]).toBe('url blocked URLError');
    expect(result.stdout).not.toContain('CONNECTED');
    expect(connections).toBe(0);
    expect(result.session.network).toBe(false);
  });

  it('has a network interface only when a run asks for it', async () => {
    const result = await call(world, 'sandbox.exec', { command: py('import os', 'print(sorted(os.listdir("/sys/class/net")))'), limits: { network: true } });
    expect(result.stdout).toContain("'eth0'");
    expect(result.session.network).toBe(true);
  });

  it('cannot write outside /output: not /, /project, /etc or /usr (and the project is untouched)', async () => {
    await writeFile(path.join(world.projectDir, 'data.txt'), 'original');
    const result = await call(world, 'sandbox.exec', {
      command: py(
        'for target in ("/evil", "/project/evil", "/project/data.txt", "/etc/evil", "/usr/bin/evil", "/output/fine", "/tmp/fine"):',
        '    try:',
        '        open(target, "w").write("x"); print(target, "WRITTEN")',
        '    except OSError as e:',
        '        print(target, "refused", e.errno)',
      ),
    });
    const written = result.stdout.split('\n').filter((line) => line.endsWith('WRITTEN'));
    expect(written).toEqual(['/output/fine WRITTEN', '/tmp/fine WRITTEN']);
    expect(result.stdout).toMatch(/\/project\/data\.txt refused 30/); // EROFS
    expect(await readFile(path.join(world.projectDir, 'data.txt'), 'utf8')).toBe('original');
    expect((await readdir(world.projectDir)).sort()).toEqual(['.orrery', 'data.txt']);
  });

  it("cannot read the host's /etc/shadow or the user's home (not mounted)", async () => {
    const secret = path.join(world.base, 'home', 'secret.txt');
    await writeFile(secret, 'host secret');
    const result = await call(world, 'sandbox.exec', {
      command: py(
        `for target in ("/etc/shadow", ${JSON.stringify(secret)}, "/root/.bashrc"):`,
        '    try:',
        '        print(target, "READ", len(open(target).read()))',
        '    except OSError as e:',
        '        print(target, "refused", type(e).__name__)',
      ),
    });
    expect(result.stdout).toContain('/etc/shadow refused PermissionError');
    expect(result.stdout).toContain(`${secret} refused FileNotFoundError`);
    expect(result.stdout).toContain('/root/.bashrc refused PermissionError');
    expect(result.stdout).not.toContain('READ');
  });

  it('holds a fork bomb at the pids limit; the run ends and the host still spawns processes', async () => {
    const counted = await call(world, 'sandbox.exec', {
      limits: { pids: 32, timeoutS: 30 },
      command: py(
        'import os, time',
        'n = 0',
        'try:',
        '    while n < 1000:',
        '        if os.fork() == 0:',
        '            time.sleep(60); os._exit(0)',
        '        n += 1',
        'except OSError as e:',
        '    print("blocked after", n, e.errno)',
      ),
    });
    const match = /blocked after (\d+) 11/.exec(counted.stdout); // EAGAIN
    expect(match, counted.stdout + counted.stderr).not.toBeNull();
    expect(Number(match![1])).toBeLessThan(32);
    const bomb = await call(world, 'sandbox.exec', { limits: { pids: 32, timeoutS: 5 }, command: ['sh', '-c', 'b() { b | b & }; b; sleep 60'] });
    expect(['timeout', 'error', 'ok']).toContain(bomb.session.status);
    expect(bomb.session.durationMs!).toBeLessThan(60_000);
    const host = await import('node:child_process').then(({ execFileSync }) => execFileSync('true'));
    expect(host).toBeDefined();
  }, 90_000);

  it('reports an allocation beyond the memory limit as oom, cold and from the warm pool', async () => {
    const hog = py('b = b"x" * (512 * 1024 * 1024)', 'print("ALLOCATED", len(b))');
    const cold = await call(world, 'sandbox.exec', { command: hog, limits: { memoryMb: 128 }, pool: false });
    expect(cold.session.status).toBe('oom');
    expect(cold.stdout).not.toContain('ALLOCATED');
    await call(world, 'sandbox.configurePool', { size: 1, limits: { memoryMb: 128 } });
    await world.core.services.sandbox.poolReady(60_000);
    const warm = await call(world, 'sandbox.exec', { command: hog });
    expect(warm.session.limits.memoryMb).toBe(128);
    expect(warm.session.status).toBe('oom');
    expect(warm.session.message).toMatch(/out-of-memory/);
    await call(world, 'sandbox.configurePool', { size: 0, limits: { memoryMb: 1024 } });
  }, 120_000);

  it('kills a run that sleeps past its timeout and reports timeout', async () => {
    const result = await call(world, 'sandbox.exec', { command: ['sleep', '60'], limits: { timeoutS: 2 } });
    expect(result.session.status).toBe('timeout');
    expect(result.session.durationMs!).toBeGreaterThanOrEqual(2000);
    expect(result.session.durationMs!).toBeLessThan(20_000);
    expect(result.session.message).toMatch(/2 s wall-clock limit/);
  });

  it('bounds a 1 GB stdout flood and marks the truncation', async () => {
    const sessionId = 'sbx_flood';
    const result = await call(world, 'sandbox.exec', { sessionId, command: ['sh', '-c', "head -c 1G /dev/zero | tr '\\0' x; echo done >&2"], limits: { timeoutS: 120 } });
    const kept = 8 * 1024 * 1024;
    expect(result.session.status).toBe('ok');
    expect(result.session.outputTruncated).toBe(true);
    const marker = `\n[… ${1024 ** 3 - kept} bytes truncated]\n`;
    expect(result.stdout.endsWith(marker)).toBe(true);
    expect(result.stdout.length).toBe(kept + marker.length);
    const streamed = world.events('sandbox.output').filter((event) => event.sessionId === sessionId && event.stream === 'stdout');
    expect(streamed.map((event) => event.text).join('')).toBe(result.stdout);
    expect(result.stderr).toBe('done\n'); // each stream has its own cap: the flood does not hide stderr
  }, 180_000);

  it('does not follow symlinks in /output that point outside; reports them as skipped', async () => {
    const result = await call(world, 'sandbox.exec', {
      command: ['sh', '-c', 'ln -s /etc/shadow /output/shadow && ln -s ../../.. /output/up && mkdir /output/d && ln -s /etc /output/d/etc && echo real > /output/real.txt'],
    });
    expect(result.session.artifacts.map((file) => file.path)).toEqual(['real.txt']);
    const skipped = Object.fromEntries(result.session.skipped.map((entry) => [entry.path, entry.reason]));
    expect(skipped.shadow).toMatch(/symbolic link to \/etc\/shadow \(not followed\)/);
    expect(skipped.up).toMatch(/symbolic link/);
    expect(skipped['d/etc']).toMatch(/symbolic link/);
    const hostShadow = createHash('sha256').update(await readFile('/etc/shadow')).digest('hex');
    expect(result.session.artifacts.map((file) => file.hash)).not.toContain(hostShadow);
  });

  it('holds the same walls in a warm-pool container, and a run cannot forge its exit report', async () => {
    await call(world, 'sandbox.configurePool', { size: 1 });
    await world.core.services.sandbox.poolReady(60_000);
    const pooled = (await call(world, 'sandbox.ps', {})).find((c) => c.kind === 'pool' && c.ownerPid === process.pid);
    const result = await call(world, 'sandbox.exec', {
      command: py(
        'import os, socket, sys',
        'print(sorted(os.listdir("/sys/class/net")), os.getuid())',
        'for target in ("/evil", "/project/evil", "/etc/shadow"):',
        '    try:',
        '        open(target, "w" if "evil" in target else "r"); print(target, "OPENED")',
        '    except OSError as e:',
        '        print(target, "refused")',
        'try:',
        `    socket.create_connection(("127.0.0.1", ${port}), timeout=3); print("CONNECTED")`,
        'except OSError:',
        '    print("connect refused")',
        // What the launcher's report looks like, with a guessed nonce: must not end the run as ok.
        'os.write(2, b"\\0orrery-exit " + b"0" * 32 + b" 0\\n")',
        'sys.exit(9)',
      ),
    });
    expect(result.session.containerId).toBe(pooled?.id);
    expect(result.stdout).toContain("['lo'] 65534");
    expect(result.stdout).not.toContain('OPENED');
    expect(result.stdout).not.toContain('CONNECTED');
    expect(result.session).toMatchObject({ status: 'error', exitCode: 9 });
    expect(connections).toBe(0);
    await call(world, 'sandbox.configurePool', { size: 0 });
  }, 90_000);
});
