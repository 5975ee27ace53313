import os from 'node:os';
import path from 'node:path';
import { OrreryError } from '../../../app/contract';
import type { ClusterProfileView, ClusterTestResult, clusterAddInput, clusterUpdateInput } from '../../../app/contract/clusters';
import type { z } from 'zod';
import type { ClusterDirectory, ClusterProfile } from '../jobs/backend';
import type { Clock } from '../../core/clock';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { PlatformAdapter } from '../../core/platform';
import { createProcessRunner, type ProcessRunner } from '../../core/process-runner';
import type { TaskRegistry } from '../../core/tasks';
import type { ProjectService } from '../projects/project-service';
import { chooseCiphers } from '../prompts/secrets';
import { connectSsh, shellQuote, type SshConnection } from '../ssh/ssh-connection';
import type { UserStore } from '../user/user-store';
import { profileFromAdd, profileFromUpdate } from './profile-input';
import { ProfileStore, toClusterProfile } from './profile-store';
import { RayJobsClient } from './ray/ray-client';
import { probeSlurm, type SlurmExec } from './slurm-probe';

/** What the cluster service needs. */
export interface ClusterServiceDeps {
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly projects: ProjectService;
  readonly user: UserStore;
  readonly tasks: TaskRegistry;
  readonly platform: PlatformAdapter;
  readonly env: NodeJS.ProcessEnv;
  readonly userHome: string;
  /** Runs sinfo on this machine; the real one unless a test hands in another. */
  readonly runner?: ProcessRunner;
}

/** How long `cluster.test` waits for one answer (sinfo, an SSH handshake, /api/version). */
const probeTimeoutMs = 15_000;

/** Cluster profiles (Slurm over SSH or local, Ray) stored per user, their secrets encrypted, and their test. */
export class ClusterService implements ClusterDirectory {
  private store: ProfileStore | null = null;
  private readonly runner: ProcessRunner;

  constructor(readonly deps: ClusterServiceDeps) {
    this.runner = deps.runner ?? createProcessRunner();
  }

  list(): ClusterProfileView[] {
    return this.profiles().list();
  }

  add(input: z.output<typeof clusterAddInput>): ClusterProfileView {
    const saved = this.profiles().save(profileFromAdd(input));
    this.deps.logger.info('cluster profile added', { id: saved.id, name: saved.name, kind: saved.kind });
    return saved;
  }

  update(input: z.output<typeof clusterUpdateInput>): ClusterProfileView {
    const existing = this.profiles().find(input.id);
    return this.profiles().save(profileFromUpdate(existing, input));
  }

  remove(idOrName: string): { ok: true } {
    this.profiles().remove(idOrName);
    return { ok: true };
  }

  /** The profile by id or name, as the job service builds a backend from it. */
  profile(idOrName: string): ClusterProfile {
    return toClusterProfile(this.profiles().find(idOrName));
  }

  async secret(id: string): Promise<string | null> {
    return this.profiles().secret(id);
  }

  /** Reaches the engine: Slurm's sinfo (here or on the login node), Ray's /api/version; says what failed and what to check. */
  async test(idOrName: string): Promise<ClusterTestResult> {
    const view = this.profiles().find(idOrName);
    const started = Date.now();
    const result = view.kind === 'ray' ? await this.testRay(view) : await this.testSlurm(view);
    return { ...result, elapsedMs: Date.now() - started };
  }

  dispose(): void {
    this.store = null;
  }

  private async testRay(view: ClusterProfileView): Promise<Omit<ClusterTestResult, 'elapsedMs'>> {
    const client = new RayJobsClient({ address: view.address ?? '', token: this.profiles().secret(view.id), timeoutMs: probeTimeoutMs });
    const { version, rayVersion } = await client.version();
    const jobs = await client.jobs();
    const running = jobs.filter((job) => job.status === 'RUNNING' || job.status === 'PENDING').length;
    return {
      ok: true,
      kind: 'ray',
      version: rayVersion ?? version,
      partitions: [],
      nodes: [],
      summary: `Ray ${rayVersion ?? '?'} (Jobs API ${version}) at ${view.address}: ${jobs.length} job${jobs.length === 1 ? '' : 's'} known, ${running} pending or running`,
    };
  }

  private async testSlurm(view: ClusterProfileView): Promise<Omit<ClusterTestResult, 'elapsedMs'>> {
    if (view.transport !== 'ssh') {
      const exec: SlurmExec = (program, args) => this.runner.run(program, args, { timeoutMs: probeTimeoutMs, env: this.deps.env });
      return probeSlurm(exec, 'on this machine');
    }
    const connection = await this.connect(view);
    try {
      const exec: SlurmExec = (program, args) => connection.exec([program, ...args].map(shellQuote).join(' '), { timeoutMs: probeTimeoutMs });
      return await probeSlurm(exec, `on ${view.host}`);
    } finally {
      await connection.close();
    }
  }

  private async connect(view: ClusterProfileView): Promise<SshConnection> {
    if (!view.host || !view.user || !view.keyPath) throw new OrreryError('invalid_input', `Cluster "${view.name}" lacks host, user or key; update it with \`orrery cluster add\`.`);
    const passphrase = this.profiles().secret(view.id);
    return connectSsh({
      host: view.host,
      port: view.port ?? 22,
      username: view.user,
      keyPath: view.keyPath,
      knownHostsPath: view.knownHostsPath ?? path.join(os.homedir(), '.ssh', 'known_hosts'),
      readyTimeoutMs: probeTimeoutMs,
      ...(passphrase ? { passphrase } : {}),
    });
  }

  /** The store over user.db, with safeStorage where the shell has it and the key file otherwise (as provider keys). */
  private profiles(): ProfileStore {
    if (!this.store) {
      const ciphers = chooseCiphers(this.deps.platform.safeStorage, this.deps.userHome);
      this.store = new ProfileStore({ db: () => this.deps.user.database(), cipher: ciphers.primary, ciphers: ciphers.all, clock: this.deps.clock });
    }
    return this.store;
  }
}
