// Starts tests/ray-server/ray_jobs_server.py (a local server that follows Ray's documented Jobs REST API) on a free
// loopback port, and stops it with every job it runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A running stand-in Ray head: its Jobs API address and the folder holding its packages and job folders. */
export interface RayServer {
  readonly address: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface RayServerOptions {
  readonly token?: string;
  readonly numCpus?: number;
  /** Custom resources the "cluster" offers (`{ gpu_queue: 1 }`). */
  readonly resources?: Readonly<Record<string, number>>;
}

const script = path.join(__dirname, 'ray_jobs_server.py');

export async function startRayServer(options: RayServerOptions = {}): Promise<RayServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-ray-'));
  const args = [script, '--dir', dir, '--port', '0'];
  if (options.token) args.push('--token', options.token);
  if (options.numCpus) args.push('--num-cpus', String(options.numCpus));
  for (const [name, amount] of Object.entries(options.resources ?? {})) args.push('--resource', `${name}=${amount}`);
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await firstLine(child);
  return {
    address: `http://127.0.0.1:${port}`,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The port from the server's "listening on PORT" line; rejects when it exits first or says nothing in 10 s. */
function firstLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the Ray test server did not start in 10 s')), 10_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /^listening on (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`unexpected first line from the Ray test server: ${line}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Ray test server exited with ${code}`));
    });
  });
}

/** A loopback port nothing listens on (bound, then closed): the address of a head node that is down. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
