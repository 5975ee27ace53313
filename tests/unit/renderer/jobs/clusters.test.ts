import { describe, expect, it } from 'vitest';
import { ClientError } from '../../../../renderer/client/client-error';
import { clusterAddInputOf, emptyClusterFields, profileTarget } from '../../../../renderer/features/jobs/clusters-panel';
import { engineIdLabel, resourcesLabel, whereLabel } from '../../../../renderer/features/jobs/job-format';
import { emptyResources, resourcesOf, submitInputOf } from '../../../../renderer/features/jobs/new-job-dialog';
import { paramsLabel, sweepStatesLabel } from '../../../../renderer/features/jobs/sweeps-panel';
import { createAppStore } from '../../../../renderer/store/store';
import type { ClusterProfile } from '../../../../renderer/store/jobs-slice';
import { fakeClient } from '../fake-client';

const profile = (patch: Partial<ClusterProfile> = {}): ClusterProfile => ({
  id: 'clu_1', name: 'loopback', kind: 'slurm', transport: 'local', host: null, port: null, user: null, keyPath: null, knownHostsPath: null, address: null,
  partition: 'debug', remoteDir: null, defaults: {}, secretStore: null, createdAt: 1, updatedAt: 1, ...patch,
});

describe('where a job runs', () => {
  it('names this machine, a sandbox, or the cluster profile with its engine', () => {
    const clusters = [profile()];
    expect(whereLabel({ backend: 'local', clusterId: null }, clusters)).toBe('this machine');
    expect(whereLabel({ backend: 'sandbox', clusterId: null }, clusters)).toBe('sandbox');
    expect(whereLabel({ backend: 'slurm', clusterId: 'clu_1' }, clusters)).toBe('loopback (Slurm)');
    expect(whereLabel({ backend: 'ray', clusterId: 'clu_gone' }, clusters)).toBe('clu_gone (Ray)');
    expect(engineIdLabel({ backend: 'slurm', externalId: '123_4' })).toBe('Slurm job 123_4');
    expect(engineIdLabel({ backend: 'local', externalId: '999' })).toBeNull();
    expect(resourcesLabel({ cpus: 4, memoryMb: 8192, gpus: 1, timeLimitMinutes: 90, partition: 'gpu' })).toBe('4 CPUs · 8 GiB · 1 GPU · limit 1h 30m · partition gpu');
    expect(resourcesLabel({})).toBeNull();
  });
});

describe('the new-job wizard on a cluster', () => {
  const base = { source: 'script' as const, template: null, values: {}, script: 'train.py', args: '', envId: '', gpus: [0], name: '' };

  it('sends the cluster and the resources typed; GPU indices stay with local jobs', () => {
    expect(submitInputOf({ ...base, target: 'cluster:clu_1', resources: { ...emptyResources, cpus: '2', timeLimitMinutes: '10', partition: 'debug' } })).toEqual({
      script: 'train.py', args: [], cluster: 'clu_1', resources: { cpus: 2, timeLimitMinutes: 10, partition: 'debug' },
    });
    expect(submitInputOf({ ...base, target: 'sandbox' })).toEqual({ script: 'train.py', args: [], backend: 'sandbox' });
    expect(submitInputOf({ ...base, target: 'local' })).toEqual({ script: 'train.py', args: [], gpus: [0] });
  });

  it('refuses resources that are not whole numbers', () => {
    expect(() => resourcesOf({ ...emptyResources, cpus: '1.5' })).toThrow(/CPUs must be a whole number/);
    expect(resourcesOf(emptyResources)).toBeNull();
  });
});

describe('the cluster form', () => {
  it('sends only the fields of the chosen engine and transport', () => {
    expect(clusterAddInputOf({ ...emptyClusterFields, name: ' lab ', partition: 'debug' })).toEqual({ name: 'lab', kind: 'slurm', transport: 'local', partition: 'debug' });
    expect(clusterAddInputOf({ ...emptyClusterFields, name: 'r', kind: 'ray', secret: 'tok', host: 'ignored' })).toEqual({ name: 'r', kind: 'ray', address: 'http://127.0.0.1:8265', secret: 'tok' });
    expect(clusterAddInputOf({ ...emptyClusterFields, name: 's', transport: 'ssh', host: 'login', user: 'me', keyPath: '/k', port: '2222' })).toEqual({
      name: 's', kind: 'slurm', transport: 'ssh', host: 'login', port: 2222, user: 'me', keyPath: '/k',
    });
    expect(() => clusterAddInputOf({ ...emptyClusterFields, name: 's', transport: 'ssh', port: 'x' })).toThrow(/SSH port/);
    expect(() => clusterAddInputOf(emptyClusterFields)).toThrow(/Give the cluster a name/);
    expect(profileTarget(profile({ transport: 'ssh', host: 'h', user: 'u', port: 22 }))).toBe('u@h:22');
  });
});

describe('sweeps', () => {
  it('summarizes states and params', () => {
    expect(sweepStatesLabel({ succeeded: 4, running: 1, queued: 0, failed: 1 } as never)).toBe('1 running · 4 succeeded · 1 failed');
    expect(paramsLabel({ lr: 0.01, model: 'mlp' })).toBe('lr=0.01 model=mlp');
  });
});

describe('jobs slice: clusters and sweeps', () => {
  it('loads, adds, tests (the failure in the engine\'s words) and removes profiles', async () => {
    const fake = fakeClient({
      'cluster.list': () => [profile()],
      'cluster.add': (input) => profile({ id: 'clu_2', name: (input as { name: string }).name, kind: 'ray', address: 'http://127.0.0.1:8265' }),
      'cluster.test': (input) => {
        if ((input as { id: string }).id === 'clu_2') throw new ClientError('unavailable', 'Cannot reach the Ray Jobs API at http://127.0.0.1:8265');
        return { ok: true, kind: 'slurm', version: 'slurm 22.05.8', partitions: [], nodes: [], summary: 'slurm 22.05.8: 1 partition (debug*)', elapsedMs: 5 };
      },
      'cluster.remove': () => ({ ok: true }),
    });
    const store = createAppStore(fake.client);
    await store.getState().loadClusters();
    await store.getState().addCluster({ name: 'ray', kind: 'ray', address: 'http://127.0.0.1:8265' });
    expect(store.getState().clusters.map((c) => c.name)).toEqual(['loopback', 'ray']);
    await store.getState().testCluster('clu_1');
    await store.getState().testCluster('clu_2');
    expect(store.getState().clusterTests.clu_1).toMatchObject({ status: 'ok', result: { summary: 'slurm 22.05.8: 1 partition (debug*)' } });
    expect(store.getState().clusterTests.clu_2).toEqual({ status: 'failed', message: expect.stringContaining('Cannot reach the Ray Jobs API') });
    await store.getState().removeCluster('clu_2');
    expect(store.getState().clusters.map((c) => c.id)).toEqual(['clu_1']);
  });

  it("compares a sweep's trial runs in the Experiments area", async () => {
    const run = (id: string) => ({ id, name: id, status: 'finished', source: 'job', jobId: null, createdAt: 1, startedAt: 1, endedAt: 2, params: {}, tags: [], notes: null, metrics: {} });
    const fake = fakeClient({
      'job.sweepTrials': () => [0, 1, 2].map((index) => ({ sweepId: 'swp_1', index, jobId: `job_${index}`, runId: `run${index}`, params: { lr: index }, state: 'succeeded', metric: null })),
      'runs.get': (input) => {
        const id = (input as { id: string }).id;
        if (id === 'run2') throw new ClientError('not_found', 'no run');
        return run(id);
      },
    });
    const store = createAppStore(fake.client);
    await store.getState().compareSweep('swp_1');
    expect(store.getState().selectedRuns.map((r) => r.id)).toEqual(['run0', 'run1']);
    expect(store.getState().experimentsView).toEqual({ kind: 'compare' });
  });
});
