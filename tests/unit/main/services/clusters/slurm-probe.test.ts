import { describe, expect, it } from 'vitest';
import { parseNodes, parsePartitions, probeSlurm, type SlurmExec } from '../../../../../main/services/clusters/slurm-probe';

describe('sinfo parsing', () => {
  it('reads partitions, marking the default one', () => {
    expect(parsePartitions('debug*|up|1|idle\ngpu|down|4|mixed\n')).toEqual([
      { name: 'debug', isDefault: true, available: 'up', nodes: 1, state: 'idle' },
      { name: 'gpu', isDefault: false, available: 'down', nodes: 4, state: 'mixed' },
    ]);
  });

  it('lists a node in several partitions once', () => {
    expect(parseNodes('n1|idle|8|32000\nn1|idle|8|32000\nn2|alloc|16|N/A\n')).toEqual([
      { name: 'n1', state: 'idle', cpus: 8, memoryMb: 32000 },
      { name: 'n2', state: 'alloc', cpus: 16, memoryMb: null },
    ]);
  });
});

describe('probeSlurm', () => {
  const answers = (byArgs: Record<string, { code: number | null; stdout?: string; stderr?: string }>): SlurmExec => async (_program, args) => {
    const answer = byArgs[args.join(' ')] ?? { code: 0 };
    return { code: answer.code, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
  };

  it('summarizes version, partitions and nodes', async () => {
    const result = await probeSlurm(
      answers({ '--version': { code: 0, stdout: 'slurm 22.05.8\n' }, '-h -o %P|%a|%D|%T': { code: 0, stdout: 'debug*|up|1|idle\n' }, '-h -N -o %N|%T|%c|%m': { code: 0, stdout: 'vm|idle|2|18079\n' } }),
      'on this machine',
    );
    expect(result.summary).toBe('slurm 22.05.8: 1 partition (debug*), 1 node idle');
  });

  it("carries Slurm's words when the controller does not answer", async () => {
    const exec = answers({ '--version': { code: 0, stdout: 'slurm 22.05.8' }, '-h -o %P|%a|%D|%T': { code: 1, stderr: 'slurm_load_partitions: Unable to contact slurm controller (connect failure)' } });
    await expect(probeSlurm(exec, 'on login1')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('Slurm on login1 does not answer: sinfo exited 1: slurm_load_partitions: Unable to contact') });
  });

  it('says sinfo is missing', async () => {
    await expect(probeSlurm(answers({ '--version': { code: 127, stderr: 'bash: sinfo: command not found' } }), 'on login1')).rejects.toMatchObject({
      message: expect.stringContaining('sinfo is not installed on login1'),
    });
  });
});
