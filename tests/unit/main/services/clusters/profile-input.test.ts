import { describe, expect, it } from 'vitest';
import { normalizeRayAddress, profileFromAdd, profileFromUpdate } from '../../../../../main/services/clusters/profile-input';

describe('cluster profile input', () => {
  it('makes a Slurm profile local without a host, SSH on port 22 with one', () => {
    expect(profileFromAdd({ name: 'here', kind: 'slurm' }).config).toMatchObject({ transport: 'local', host: null });
    expect(profileFromAdd({ name: 'lab', kind: 'slurm', host: 'login', user: 'a', keyPath: '/k' }).config).toMatchObject({ transport: 'ssh', port: 22 });
  });

  it('refuses relative key paths, a Ray profile with SSH fields, and odd names', () => {
    expect(() => profileFromAdd({ name: 'lab', kind: 'slurm', host: 'login', user: 'a', keyPath: 'id_rsa' })).toThrow(/absolute path/);
    expect(() => profileFromAdd({ name: 'r', kind: 'ray', address: 'http://h:8265', host: 'h' })).toThrow(/HTTP at its address alone/);
    expect(() => profileFromAdd({ name: '../x', kind: 'slurm' })).toThrow(/A cluster name is/);
  });

  it('keeps stored fields on update and drops SSH fields when a profile becomes local', () => {
    const view = {
      id: 'clu_1', name: 'lab', kind: 'slurm' as const, transport: 'ssh' as const, host: 'login', port: 2222, user: 'a', keyPath: '/k', knownHostsPath: null,
      address: null, partition: 'gpu', remoteDir: null, defaults: { cpus: 2 }, secretStore: null, createdAt: 0, updatedAt: 0,
    };
    expect(profileFromUpdate(view, { id: 'clu_1', partition: 'cpu' })).toMatchObject({ id: 'clu_1', config: { port: 2222, partition: 'cpu', defaults: { cpus: 2 } } });
    expect(profileFromUpdate(view, { id: 'clu_1', transport: 'local' }).config).toMatchObject({ transport: 'local', host: null, keyPath: null, partition: 'gpu' });
    expect(profileFromUpdate(view, { id: 'clu_1', clearSecret: true }).secret).toBeNull();
  });

  it('normalizes Ray addresses as Ray does', () => {
    expect(normalizeRayAddress('127.0.0.1:8265')).toBe('http://127.0.0.1:8265');
    expect(normalizeRayAddress('https://ray.lab.org/')).toBe('https://ray.lab.org');
    expect(() => normalizeRayAddress('ray://head:10001')).toThrow(/http:\/\/ or https:\/\//);
  });
});
