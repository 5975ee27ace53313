import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { newId } from '../../../app/lib/ids';
import type { Logger } from '../../core/logger';
import { removeContainer } from './docker';
import { FrameDemuxer } from './frame-demux';
import { hardenedContainer, type SandboxLimits } from './hardening';

/** What every container of the pool is made with; an exec is served from the pool only when it asks for the same. */
export interface PoolSpec {
  readonly image: string;
  readonly limits: SandboxLimits;
  readonly projectDir: string | null;
  /** Container paths covered by an empty read-only tmpfs (the project's .orrery store). */
  readonly maskPaths: readonly string[];
}

/** A started container waiting for one run, with the output folder bound at /output and its streams attached. */
export interface PooledContainer {
  readonly container: Docker.Container;
  readonly outputDir: string;
  readonly poolId: string;
  /** The attached stdin/stdout/stderr (hijacked); the run's command line is written here. */
  readonly stream: Duplex;
  /** Reads `stream`; its receiver is switched to the run's output when the container is taken. */
  readonly demuxer: FrameDemuxer;
}

/** What the launcher writes on stderr once it waits for its command; the pool swallows it. */
export const launcherReady = '\u0000orrery-ready\n';

/** What the launcher writes on stderr after the command ended: NUL, the run's nonce, the exit code (128+n for signal n). */
export const launcherExit = /\u0000orrery-exit ([0-9a-f]{32}) (\d+)\n$/;

/**
 * The program a pooled container idles in: it says it is ready, reads ONE command line as JSON
 * ({argv, cwd, nonce}) from stdin, points stdin at /dev/null, runs the command as its child and reports the
 * exit code on stderr with the nonce, so the answer comes without waiting for the container's teardown.
 * Python and the container are already started, which is nearly all a cold run pays. The command cannot
 * forge the report: it never sees the nonce (the launcher makes itself non-dumpable, so neither ptrace nor
 * /proc/<pid>/mem reads it). The container is killed after that one command (one run per container).
 */
export const launcherScript = [
  'import ctypes, json, os, sys',
  'ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)',
  `sys.stderr.write(${JSON.stringify(launcherReady)}); sys.stderr.flush()`,
  'line = sys.stdin.buffer.readline()',
  'if not line: os._exit(0)',
  'request = json.loads(line)',
  'argv = request["argv"]',
  'report = b"\\0orrery-exit " + request["nonce"].encode() + b" %d\\n"',
  'os.chdir(request["cwd"])',
  'del line, request',
  'null = os.open(os.devnull, os.O_RDONLY); os.dup2(null, 0); os.close(null)',
  'pid = os.fork()',
  'if pid == 0:',
  '    try:',
  '        os.execvp(argv[0], argv)',
  '    except OSError as error:',
  '        os.write(2, ("orrery sandbox: cannot run %s: %s\\n" % (argv[0], error.strerror)).encode()); os._exit(127)',
  'code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])',
  'code = 128 - code if code < 0 else code',
  'os.write(2, report % code)',
  'os._exit(code)',
].join('\n');

/** What the pool needs from its owner. */
export interface WarmPoolDeps {
  readonly docker: () => Promise<Docker>;
  readonly logger: Logger;
  /** A fresh, empty output folder writable by the container user. */
  readonly makeOutputDir: () => Promise<string>;
  readonly removeOutputDir: (dir: string) => Promise<void>;
}

/** The key two specs share exactly when a pooled container fits a run. */
export function poolKey(spec: PoolSpec): string {
  return JSON.stringify([spec.image, spec.limits, spec.projectDir, spec.maskPaths]);
}

/**
 * N started containers idling on `sleep infinity` under the sandbox limits, so an exec skips create and
 * start. A container serves one run and is then discarded (never reused); the pool refills in the
 * background. A failed start stops refilling until the next take or configure, so a broken image does not
 * spin.
 */
export class WarmPool {
  private readonly idle: PooledContainer[] = [];
  private starting = 0;
  private size = 0;
  private spec: PoolSpec | null = null;
  private generation = 0;
  private failed = false;
  private disposed = false;
  /** Removals under way, awaited by dispose so no container outlives the pool. */
  private readonly removals = new Set<Promise<void>>();

  constructor(private readonly deps: WarmPoolDeps) {}

  /** Sets size and spec; a changed spec drains the old containers. Refills at once. */
  configure(size: number, spec: PoolSpec | null): void {
    this.size = size;
    if (!spec || !this.spec || poolKey(spec) !== poolKey(this.spec)) {
      this.generation += 1;
      this.spec = spec;
      this.drain();
    }
    this.failed = false;
    this.fill();
  }

  /** An idle container made with `spec`, or null (the caller then starts a cold one). Call `refill` after the run. */
  take(spec: PoolSpec): PooledContainer | null {
    if (!this.spec || poolKey(spec) !== poolKey(this.spec)) return null;
    return this.idle.shift() ?? null;
  }

  /** Starts containers up to the size again; called once a run ends, so a refill never competes with it. */
  refill(): void {
    this.failed = false;
    this.fill();
  }

  /** Counts for the UI. */
  status(): { size: number; idle: number; starting: number; image: string | null; limits: SandboxLimits | null } {
    return { size: this.size, idle: this.idle.length, starting: this.starting, image: this.spec?.image ?? null, limits: this.spec?.limits ?? null };
  }

  /** Resolves when the pool is full (or cannot fill); for tests and the benchmark. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.disposed && !this.failed && this.spec && this.idle.length < this.size && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Removes every pooled container and its folder; starting ones are removed as they come up. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.generation += 1;
    this.drain();
    while (this.starting > 0) await new Promise((resolve) => setTimeout(resolve, 25));
    await Promise.allSettled([...this.removals]);
  }

  private drain(): void {
    for (const entry of this.idle.splice(0)) this.discard(entry);
  }

  private fill(): void {
    if (this.disposed || this.failed || !this.spec) return;
    while (this.idle.length + this.starting < this.size) {
      this.starting += 1;
      const generation = this.generation;
      this.startOne(this.spec)
        .then((entry) => {
          if (generation === this.generation && !this.disposed) this.idle.push(entry);
          else this.discard(entry);
        })
        .catch((error: unknown) => {
          this.failed = true;
          this.deps.logger.warn('warm pool: a container did not start', { error });
        })
        .finally(() => {
          this.starting -= 1;
        });
    }
  }

  private async startOne(spec: PoolSpec): Promise<PooledContainer> {
    const docker = await this.deps.docker();
    const outputDir = await this.deps.makeOutputDir();
    const poolId = newId('pool');
    let container: Docker.Container | null = null;
    try {
      const options = hardenedContainer({
        image: spec.image,
        cmd: ['python3', '-I', '-S', '-c', launcherScript],
        limits: spec.limits,
        sessionId: poolId,
        kind: 'pool',
        projectDir: spec.projectDir ?? undefined,
        outputDir,
        maskPaths: spec.maskPaths,
      });
      container = await docker.createContainer({ ...options, OpenStdin: true, StdinOnce: true, AttachStdin: true });
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      const demuxer = new FrameDemuxer(() => undefined);
      stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
      const ready = readyLine(demuxer, stream);
      await container.start();
      await ready;
      return { container, outputDir, poolId, stream, demuxer };
    } catch (error) {
      if (container) await removeContainer(docker, container.id).catch(() => undefined);
      await this.deps.removeOutputDir(outputDir);
      throw error;
    }
  }

  private discard(entry: PooledContainer): void {
    entry.stream.destroy();
    const removal = (async () => {
      try {
        await removeContainer(await this.deps.docker(), entry.container.id);
      } catch (error) {
        this.deps.logger.warn('warm pool: could not remove a container', { error, id: entry.container.id });
      }
      await this.deps.removeOutputDir(entry.outputDir);
    })();
    this.track(removal);
  }

  /** Keeps a removal (a discarded or a used container) until it is done; dispose waits for all of them. */
  track(removal: Promise<void>): void {
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }
}

/** Resolves when the launcher says it is ready; rejects when the container ends first or stays silent for 30 s. */
function readyLine(demuxer: FrameDemuxer, stream: Duplex): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error('the pooled container did not start its launcher within 30 s')), 30_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    stream.once('end', () => fail(new Error(`the pooled container ended before it was ready: ${seen.slice(0, 500)}`)));
    demuxer.onFrame = (_stream, payload) => {
      seen += payload.toString('utf8');
      if (!seen.includes(launcherReady)) return;
      clearTimeout(timer);
      demuxer.onFrame = () => undefined;
      resolve();
    };
  });
}
