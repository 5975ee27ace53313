// Entry of the `orrery` CLI (bundled to out/main/cli.cjs; bin/orrery.cjs loads it).
import { defaultCoreFactory, runCli } from './cli-program';
import type { CliIo } from './cli-context';

const io: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

void runCli(process.argv.slice(2), { io, createCore: defaultCoreFactory(io), version: process.env.ORRERY_VERSION ?? '0.0.0' }).then((code) => {
  process.exitCode = code;
  // Whatever a command left behind (a timer, a handle) must not keep a finished CLI alive.
  setTimeout(() => process.exit(code), 2000).unref();
});
