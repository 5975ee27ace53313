import { describe, expect, it } from 'vitest';
import { parseSweepSpec } from '../../../../../main/services/jobs/sweeps/sweep-spec';
import { expandTrials, paramArgs } from '../../../../../main/services/jobs/sweeps/sweep-trials';

const message = (text: string): string => {
  try {
    parseSweepSpec(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the spec to be refused');
};

describe('sweep spec', () => {
  it('reads a grid spec with resources and the metric to compare by', () => {
    const spec = parseSweepSpec('script: train.py\nparams:\n  lr: [0.1, 0.01]\n  batch: [16, 32, 64]\nmetric: val/loss\ngoal: minimize\ncluster: loop\nresources:\n  cpus: 1\n  memoryMb: 300\n');
    expect(spec).toMatchObject({ script: 'train.py', metric: 'val/loss', goal: 'minimize', cluster: 'loop', resources: { cpus: 1, memoryMb: 300 }, trials: null, passParams: 'env' });
    const trials = expandTrials(spec);
    expect(trials).toHaveLength(6);
    expect(trials[0]).toEqual({ lr: 0.1, batch: 16 });
    expect(trials[5]).toEqual({ lr: 0.01, batch: 64 });
  });

  it('draws random params reproducibly from the seed, inside their ranges', () => {
    const text = 'script: t.py\ntrials: 50\nseed: 7\nparams:\n  lr: {min: 0.0001, max: 0.1, log: true}\n  layers: {min: 1, max: 4, int: true}\n  act: {values: [relu, tanh]}\n  opt: [sgd, adam]\n';
    const first = expandTrials(parseSweepSpec(text));
    expect(first).toHaveLength(100);
    expect(expandTrials(parseSweepSpec(text))).toEqual(first);
    expect(expandTrials(parseSweepSpec(text.replace('seed: 7', 'seed: 8')))).not.toEqual(first);
    for (const trial of first) {
      expect(trial.lr as number).toBeGreaterThanOrEqual(0.0001);
      expect(trial.lr as number).toBeLessThanOrEqual(0.1);
      expect([1, 2, 3, 4]).toContain(trial.layers);
      expect(['relu', 'tanh']).toContain(trial.act);
    }
    // Log-uniform: about half the draws below the geometric middle (0.00316).
    const low = first.filter((trial) => (trial.lr as number) < 0.00316).length;
    expect(low).toBeGreaterThan(30);
    expect(low).toBeLessThan(70);
  });

  it('names the line and column of a typo in a key', () => {
    expect(message('script: t.py\nparms:\n  lr: [1, 2]\n')).toBe('Sweep spec, line 2, column 1: unknown key "parms" (did you mean "params"?); the keys are name, script, args, params, trials, seed, metric, goal, backend, cluster, resources, pass_params.');
    expect(message('script: t.py\nparams:\n  lr: {min: 1, mxa: 2}\ntrials: 3\n')).toMatch(/^Sweep spec, line 3, column 16: params\.lr: unknown key "mxa" \(did you mean "max"\?\)/);
    expect(message('script: t.py\nparams:\n  lr: [1, 2]\ngoal: minimise\n')).toMatch(/^Sweep spec, line 4, column 7: `goal` is one of minimize, maximize; got "minimise" \(did you mean "minimize"\?\)/);
  });

  it('names the line and column of broken YAML', () => {
    expect(message('script: t.py\nparams:\n  lr: [1, 2\n')).toMatch(/^Sweep spec, line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a \]\.$/);
  });

  it('refuses random params without trials, empty grids and inverted ranges', () => {
    expect(message('script: t.py\nparams:\n  lr: {min: 0.1, max: 1}\n')).toMatch(/line 3, column 3: random params .* need `trials: N`/);
    expect(message('script: t.py\nparams:\n  lr: []\n')).toMatch(/line 3, column 7: params\.lr: a grid needs at least one value/);
    expect(message('script: t.py\ntrials: 2\nparams:\n  lr: {min: 1, max: 0.1}\n')).toMatch(/min \(1\) must be below max \(0\.1\)/);
    expect(message('script: t.py\ntrials: 2\nparams:\n  lr: {min: 0, max: 1, log: true}\n')).toMatch(/a log range needs min > 0/);
    expect(message('params:\n  lr: [1]\n')).toMatch(/`script:` is missing/);
  });

  it('passes params as arguments when asked', () => {
    expect(paramArgs({ lr: 0.1, act: 'relu', sizes: [1, 2] })).toEqual(['--lr', '0.1', '--act', 'relu', '--sizes', '[1,2]']);
  });
});
