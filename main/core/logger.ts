import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logger handed to every service; `child` adds a scope. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const secretKey = /(token|secret|password|api[-_]?key|authorization)/i;

/** Replaces values of secret-looking fields so a secret never reaches a log line. */
export function redact(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (secretKey.test(key)) out[key] = '[redacted]';
    else if (value instanceof Error) out[key] = { name: value.name, message: value.message };
    else out[key] = value;
  }
  return out;
}

interface Sink {
  write(line: string, level: LogLevel): void;
}

/** A sink that appends JSON lines to a file, in order, without blocking the caller. */
export function fileSink(file: string): Sink {
  let chain: Promise<unknown> = mkdir(path.dirname(file), { recursive: true });
  return {
    write(line) {
      chain = chain.then(() => appendFile(file, line + '\n')).catch(() => undefined);
    },
  };
}

/** A sink that prints warnings and errors to stderr. */
export function stderrSink(minimum: LogLevel = 'warn'): Sink {
  return {
    write(line, level) {
      if (order[level] >= order[minimum]) process.stderr.write(line + '\n');
    },
  };
}

/** Builds a logger writing to the given sinks at or above `level`. */
export function createLogger(sinks: readonly Sink[], level: LogLevel = 'info', scope = 'orrery'): Logger {
  const log = (at: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (order[at] < order[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: at, scope, message, ...redact(fields) });
    for (const sink of sinks) sink.write(line, at);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (child) => createLogger(sinks, level, `${scope}.${child}`),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger([], 'error');
