import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { generateToken, isUsableToken } from '../auth';
import { absoluteDir, cliCall, usageError, withCore, type CliContext } from '../cli-context';
import { inlineEngine, workerEngine, type ServeEngine } from '../../services/serving/engines';
import { writeDockerBundle } from '../../services/serving/docker-bundle';
import { isLoopback, startModelServer } from '../../services/serving/model-server';
import { RequestLog } from '../../services/serving/request-log';
import { openModelProject, targetOf } from './model-common';
import { parsePort } from './serve';

function parseToken(value: string): string {
  if (!isUsableToken(value)) throw new InvalidArgumentError('use 8 to 512 characters from A-Z a-z 0-9 . _ ~ -');
  return value;
}

/** A served name from a file name: letters, digits, `.`, `_` and `-`. */
export function servedNameOf(file: string): string {
  return path.basename(file).replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'model';
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

interface ServeModelOptions {
  port: number;
  host: string;
  token?: string;
  engine: string;
  threads?: string;
  dockerfile?: string;
}

/** `orrery model serve VERSION|FILE`: the model over the Open Inference Protocol v2, with metrics and a demo page. */
export function registerServeModelCommand(model: Command, ctx: CliContext): void {
  model
    .command('serve')
    .description('Serve a model over HTTP (Open Inference Protocol v2, /metrics, a demo page at /); each request is logged to the project; runs until Ctrl+C')
    .argument('<target>', 'an .onnx file or a version (id, name@3, name@alias)')
    .option('--port <n>', 'port to listen on (0 picks any free port)', parsePort, 8000)
    .option('--host <address>', 'address to listen on; 0.0.0.0 shares the demo on your LAN (a token is then required)', '127.0.0.1')
    .option('--token <token>', 'access token for everything but health (random when the host is not loopback)', parseToken)
    .option('--engine <engine>', 'where sessions run: inline (the serve process) or worker (a worker thread)', 'inline')
    .option('--threads <n>', 'intra-op threads of the session (default: onnxruntime’s)')
    .option('--dockerfile <dir>', 'write a Dockerfile and a small Node server running the model into DIR instead of serving')
    .action(async (argument: string, options: ServeModelOptions, command: Command) => {
      if (options.engine !== 'inline' && options.engine !== 'worker') usageError(command, `--engine ${options.engine}: give inline or worker.`);
      const threads = options.threads === undefined ? undefined : Number(options.threads);
      if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) usageError(command, `--threads ${options.threads}: give a whole number from 1 to 256.`);
      const stopped = options.dockerfile === undefined ? untilSignal() : null;
      await withCore(ctx, 'cli', async (core) => {
        await openModelProject(ctx, command, core);
        const { target, version } = await targetOf(ctx, core, argument);
        const resolved = await core.services.models.resolve(target);
        const info = await cliCall(core, 'model.inspect', { target });
        const name = version ? version.modelName : servedNameOf(resolved.file);
        const versionName = version ? String(version.version) : null;
        if (options.dockerfile !== undefined) {
          const dir = absoluteDir(ctx, options.dockerfile);
          const files = await writeDockerBundle(dir, resolved.file, name, versionName, info);
          ctx.io.out(`Wrote ${files.join(', ')} to ${dir}\nBuild and run it: docker build -t ${name.toLowerCase()} ${dir} && docker run -p 8080:8080 ${name.toLowerCase()}\n`);
          return;
        }
        const open = core.services.projects.requireCurrent();
        const token = options.token ?? (isLoopback(options.host) ? null : generateToken());
        const engine: ServeEngine =
          options.engine === 'worker' ? workerEngine(resolved.file, info, open.path, { ...(threads ? { threads } : {}) }) : await inlineEngine(resolved.file, info, { ...(threads ? { threads } : {}) });
        const server = await startModelServer({ name, version: versionName, info, engine, host: options.host, port: options.port, token, log: new RequestLog(open.db, name, resolved.versionId) });
        const query = token ? `?token=${token}` : '';
        ctx.io.out(`Serving ${resolved.label} as ${name} (${engine.kind} engine)\n  demo      ${server.url}${query}\n  infer     POST ${server.url}v2/models/${name}/infer\n  metrics   ${server.url}metrics\n`);
        if (!isLoopback(options.host)) ctx.io.err(`orrery: listening on ${options.host}: anyone on your network with the token can call the model.\n`);
        await stopped;
        await server.close();
      });
    });
}
