import { execFile } from 'node:child_process';

/** Result of running a program to completion. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs short-lived programs (probes, nvidia-smi); handed to services so tests can replace it. */
export interface ProcessRunner {
  run(file: string, args: readonly string[], options?: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<RunResult>;
}

/** The real runner: execFile without a shell, bounded output, a timeout. Missing programs answer code null with ENOENT in stderr. */
export function createProcessRunner(): ProcessRunner {
  return {
    run(file, args, options = {}) {
      return new Promise((resolve) => {
        execFile(
          file,
          [...args],
          {
            timeout: options.timeoutMs ?? 10_000,
            cwd: options.cwd,
            env: options.env,
            signal: options.signal,
            maxBuffer: 16 * 1024 * 1024,
            windowsHide: true,
          },
          (error, stdout, stderr) => {
            if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
              resolve({ code: null, stdout: String(stdout ?? ''), stderr: `${(error as NodeJS.ErrnoException).code}: ${error.message}` });
              return;
            }
            const code = error ? ((error as { code?: number }).code ?? 1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
      });
    },
  };
}
