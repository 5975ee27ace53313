// `orrery run --cluster` and `orrery sweep` as users run them (the bundled CLI, a child process per command)
// against the loopback Slurm cluster: output streamed, the script's exit code passed on, resources checked, a
// sweep followed to its end and its trials listed, a spec with a typo refused with its line and column.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutSlurm } from '../fixtures/slurm/cluster';
import { cliProject, type CliProject } from './cli-harness';

const skip = skipWithoutSlurm();
let cli: CliProject | null = null;

beforeAll(async () => {
  if (skip) return;
  cli = await cliProject('orrery-slurm-cli-');
  expect(cli.orrery('env', 'use', '/usr/bin/python3').status).toBe(0);
  const added = cli.orrery('cluster', 'add', 'loop');
  expect(added.status, added.stderr).toBe(0);
  await writeFile(path.join(cli.project, 'hello.py'), 'import os, sys\nprint("hello from", os.environ.get("SLURM_JOB_ID") is not None, sys.argv[1:])\n');
  await writeFile(path.join(cli.project, 'three.py'), 'raise SystemExit(3)\n');
  await writeFile(path.join(cli.project, 'trial.py'), 'import json, os, orrery\np = json.loads(os.environ["ORRERY_PARAMS"])\nrun = orrery.init()\nrun.log({"score": p["x"] * 10}, step=0)\nrun.finish()\n');
}, 120_000);

afterAll(async () => {
  await cli?.dispose();
});

describe.skipIf(skip)('orrery run --cluster and orrery sweep', () => {
  it('runs a script on Slurm with resources, streaming its output and passing on its exit code', { timeout: 120_000 }, () => {
    const ok = cli!.orrery('run', 'proj/hello.py', '--cluster', 'loop', '--cpus', '1', '--mem', '200M', '--time', '5', '--', 'a', 'b');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("hello from True ['a', 'b']\n");
    expect(ok.stderr).toMatch(/^orrery: job job_\w+ submitted to loop as slurm job \d+\n$/);
    const three = cli!.orrery('run', 'proj/three.py', '--cluster', 'loop');
    expect(three.status).toBe(3);
    expect(three.stderr).toMatch(/orrery: job job_\w+ failed: /);
    const listed = JSON.parse(cli!.orrery('jobs', 'list', '--json').stdout) as { backend: string; externalId: string; resources: unknown; state: string }[];
    expect(listed.map((job) => [job.backend, job.state])).toEqual([
      ['slurm', 'failed'],
      ['slurm', 'succeeded'],
    ]);
    expect(listed[1]!.resources).toEqual({ cpus: 1, memoryMb: 200, timeLimitMinutes: 5 });
  });

  it('refuses resources without a cluster, and a bad partition with Slurm\'s message', { timeout: 60_000 }, () => {
    const noCluster = cli!.orrery('run', 'proj/hello.py', '--mem', '1G');
    expect(noCluster.status).toBe(2);
    expect(noCluster.stderr).toMatch(/add --cluster NAME/);
    const badPartition = cli!.orrery('run', 'proj/hello.py', '--cluster', 'loop', '--partition', 'nope');
    expect(badPartition.status).toBe(1);
    expect(badPartition.stderr).toMatch(/Slurm \(loop\) refused the job: .*invalid partition/i);
  });

  it('runs a sweep as a Slurm array and lists its trials best first', { timeout: 120_000 }, async () => {
    await writeFile(path.join(cli!.project, 'sweep.yaml'), 'name: xs\nscript: trial.py\nparams:\n  x: [1, 3, 2]\nmetric: score\ngoal: maximize\ncluster: loop\n');
    const swept = cli!.orrery('sweep', 'proj/sweep.yaml');
    expect(swept.status, swept.stderr).toBe(0);
    const lines = swept.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^swp_\w+ .* xs {2}3 trials on slurm \(array \d+\) {2}3 succeeded$/);
    expect(lines.slice(1).map((line) => line.replace(/ {2}run \w+$/, '').replace(/\s+/g, ' '))).toEqual(['#1 succeeded 30 {"x":3}', '#2 succeeded 20 {"x":2}', '#0 succeeded 10 {"x":1}']);
    expect(cli!.orrery('sweeps', 'list').stdout).toMatch(/xs {2}3 trials on slurm/);
  });

  it('refuses a sweep spec with a typo, naming the line and column', async () => {
    await writeFile(path.join(cli!.project, 'typo.yaml'), 'script: trial.py\nparams:\n  x: [1]\ngaol: maximize\n');
    const refused = cli!.orrery('sweep', 'proj/typo.yaml');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Sweep spec, line 4, column 1: unknown key "gaol" \(did you mean "goal"\?\)/);
  });
});
