// `npm run bench -- kernel`: round trip of a `1+1` execute_request until its execute_reply and iopub status
// idle, median of 300, through Orrery's KernelService (ZeroMQ, signing, output merge, kernel.cell event), against
// jupyter_client's BlockingKernelClient (Debian's python3) connected to the same kernel's connection file, in
// the same run. Both sides warm up with 20 executions first. Goal: ratio ≤ 1.2.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../main/core/clock';
import { EventBus } from '../../main/core/event-bus';
import { silentLogger } from '../../main/core/logger';
import { TaskRegistry } from '../../main/core/tasks';
import type { EnvService } from '../../main/services/envs/env-service';
import { runtimeDir } from '../../main/services/kernels/connection';
import { KernelService } from '../../main/services/kernels/kernel-service';
import type { ProjectService } from '../../main/services/projects/project-service';
import { figure, median, percentile, summary } from './lib';
import { executeTimes } from './kernel-times';

const iterations = 300;
const warmup = 20;
const goal = 1.2;

const baselineScript = `
import json, sys, time
from jupyter_client import BlockingKernelClient
kc = BlockingKernelClient()
kc.load_connection_file(sys.argv[1])
kc.start_channels()
kc.wait_for_ready(timeout=60)
def once():
    t0 = time.perf_counter()
    msg_id = kc.execute('1+1')
    reply = idle = False
    while not reply:
        msg = kc.get_shell_msg(timeout=30)
        reply = msg['parent_header'].get('msg_id') == msg_id
    while not idle:
        msg = kc.get_iopub_msg(timeout=30)
        idle = msg['parent_header'].get('msg_id') == msg_id and msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle'
    return (time.perf_counter() - t0) * 1000
for _ in range(int(sys.argv[3])): once()
times = [once() for _ in range(int(sys.argv[2]))]
kc.stop_channels()
print(json.dumps(times))
`;

const noEnvs = { getDefault: async () => null, list: async () => ({ envs: [] }), activation: (_e: unknown, b: NodeJS.ProcessEnv) => b } as unknown as EnvService;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-bench-kernel-'));
  const bus = new EventBus();
  const service = new KernelService({
    bus, logger: silentLogger, clock: systemClock, tasks: new TaskRegistry(bus), envs: noEnvs,
    projects: { current: () => null } as unknown as ProjectService, env: process.env, userHome: path.join(dir, 'home'),
  });
  try {
    const kernel = await service.start({ notebookPath: path.join(dir, 'bench.ipynb') });
    const [connectionFile] = await readdir(runtimeDir(path.join(dir, 'home')));
    await executeTimes(service, bus, kernel.id, warmup);
    const orrery = await executeTimes(service, bus, kernel.id, iterations);
    const result = spawnSync('/usr/bin/python3', ['-c', baselineScript, path.join(runtimeDir(path.join(dir, 'home')), connectionFile!), String(iterations), String(warmup)], { encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0) throw new Error(`jupyter_client baseline failed: ${result.stderr}`);
    const baseline = JSON.parse(result.stdout.trim().split('\n').pop()!) as number[];
    const ratio = median(orrery) / median(baseline);
    console.log(`kernel: '1+1' execute_request → execute_reply + idle, ${iterations} runs each (after ${warmup} warm-up), same ipykernel`);
    figure('Orrery KernelService median', median(orrery), 'ms');
    figure('Orrery p90', percentile(orrery, 90), 'ms');
    figure('jupyter_client BlockingKernelClient median', median(baseline), 'ms');
    figure('jupyter_client p90', percentile(baseline, 90), 'ms');
    figure(`ratio (goal <= ${goal})`, ratio);
    summary('kernel', { ratio, orrery_ms: median(orrery), jupyter_client_ms: median(baseline) });
  } finally {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
