import { describe, expect, it } from 'vitest';
import { defaultLimits, hardenedContainer, resolveLimits, sandboxLabels } from '../../../../../main/services/sandbox/hardening';

describe('resolveLimits', () => {
  it('fills unset limits from the base and keeps the set ones', () => {
    expect(resolveLimits({ memoryMb: 256, network: true })).toEqual({ ...defaultLimits, memoryMb: 256, network: true });
    expect(resolveLimits({ cpus: undefined })).toEqual(defaultLimits);
  });

  it('refuses limits out of range with invalid_input', () => {
    expect(() => resolveLimits({ memoryMb: 4 })).toThrow(/memoryMb = 4 is out of range/);
    expect(() => resolveLimits({ pids: 10.5 })).toThrow(/whole number/);
    expect(() => resolveLimits({ timeoutS: Number.NaN })).toThrow(/timeoutS/);
  });
});

describe('hardenedContainer', () => {
  const limits = resolveLimits({ memoryMb: 300, cpus: 1.5, pids: 50, tmpMb: 32 });
  const options = hardenedContainer({
    image: 'orrery/base:bookworm-1',
    cmd: ['python3', '-c', 'print(1)'],
    limits,
    sessionId: 'sbx_1',
    kind: 'exec',
    projectDir: '/home/u/p',
    outputDir: '/tmp/o/output',
    maskPaths: ['/project/.orrery'],
    ownerPid: 4242,
  });

  it('turns the network off, caps memory with equal swap, CPUs, pids, and mounts only the project (ro) and /output', () => {
    const host = options.HostConfig!;
    expect(host.NetworkMode).toBe('none');
    expect(options.NetworkDisabled).toBe(true);
    expect(host.Memory).toBe(300 * 1024 * 1024);
    expect(host.MemorySwap).toBe(host.Memory);
    expect(host.NanoCpus).toBe(1_500_000_000);
    expect(host.PidsLimit).toBe(50);
    expect(host.Binds).toEqual(['/home/u/p:/project:ro', '/tmp/o/output:/output:rw']);
  });

  it('drops every capability, sets no-new-privileges (keeping the default seccomp), read-only root, tmpfs /tmp, non-root user', () => {
    const host = options.HostConfig!;
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.CapAdd).toBeUndefined();
    expect(host.SecurityOpt).toEqual(['no-new-privileges']);
    expect(host.Privileged).toBe(false);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Tmpfs).toEqual({ '/tmp': 'rw,nosuid,nodev,size=32m', '/project/.orrery': 'ro,nosuid,nodev,noexec,size=1k' });
    expect(options.User).not.toMatch(/^(0|root)(:|$)/);
  });

  it('labels the container so the sweep and ps find it', () => {
    expect(options.Labels).toMatchObject({ [sandboxLabels.sandbox]: '1', [sandboxLabels.session]: 'sbx_1', [sandboxLabels.pid]: '4242', [sandboxLabels.kind]: 'exec' });
  });

  it('uses bridge networking only when allowed, and GPUs only when asked', () => {
    const open = hardenedContainer({ image: 'x', cmd: ['true'], limits: { ...limits, network: true }, sessionId: 's', kind: 'job', gpus: true });
    expect(open.HostConfig!.NetworkMode).toBe('bridge');
    expect(open.HostConfig!.DeviceRequests).toEqual([{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
    expect(options.HostConfig!.DeviceRequests).toBeUndefined();
  });

  it('refuses to run as root', () => {
    expect(() => hardenedContainer({ image: 'x', cmd: ['true'], limits, sessionId: 's', kind: 'exec', user: '0:0' })).toThrow(/never runs as root/);
    expect(() => hardenedContainer({ image: 'x', cmd: ['true'], limits, sessionId: 's', kind: 'exec', user: 'root' })).toThrow(/never runs as root/);
  });
});
