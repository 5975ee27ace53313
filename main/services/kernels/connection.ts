// The kernel connection file: five free TCP ports on 127.0.0.1, a random key, hmac-sha256; written with
// owner-only permissions into Orrery's runtime folder and removed when the kernel ends.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/** What a kernel's connection file holds (jupyter_client's format). */
export interface ConnectionInfo {
  /** `tcp` (ip + ports), or `ipc` (Unix sockets named `<ip>-<port>`; a sandbox's kernel has no network). */
  readonly transport: 'tcp' | 'ipc';
  readonly ip: string;
  readonly shell_port: number;
  readonly iopub_port: number;
  readonly stdin_port: number;
  readonly control_port: number;
  readonly hb_port: number;
  readonly key: string;
  readonly signature_scheme: 'hmac-sha256';
  readonly kernel_name: string;
}

/** The runtime folder for connection files under Orrery's user folder. */
export function runtimeDir(userHome: string): string {
  return path.join(userHome, 'runtime', 'kernels');
}

/** Asks the OS for `count` distinct free ports (held open together so they differ). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** Makes the connection info and writes it to `<dir>/kernel-<id>.json` (mode 0600); answers the file and info. */
export async function writeConnectionFile(dir: string, kernelId: string, kernelName: string): Promise<{ file: string; info: ConnectionInfo }> {
  const [shell, iopub, stdin, control, hb] = await freePorts(5);
  const info: ConnectionInfo = {
    transport: 'tcp',
    ip: '127.0.0.1',
    shell_port: shell!,
    iopub_port: iopub!,
    stdin_port: stdin!,
    control_port: control!,
    hb_port: hb!,
    key: randomBytes(32).toString('hex'),
    signature_scheme: 'hmac-sha256',
    kernel_name: kernelName,
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `kernel-${kernelId}-${randomBytes(4).toString('hex')}.json`);
  await writeFile(file, JSON.stringify(info, null, 1), { mode: 0o600 });
  return { file, info };
}

/** Removes a connection file (missing is fine). */
export async function removeConnectionFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** The ZeroMQ address of one channel. */
export function channelAddress(info: ConnectionInfo, port: number): string {
  if (info.transport === 'ipc') return `ipc://${info.ip}-${port}`;
  return `${info.transport}://${info.ip}:${port}`;
}
