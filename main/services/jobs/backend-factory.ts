import path from 'node:path';
import { OrreryError } from '../../../app/contract/errors';
import type { Logger } from '../../core/logger';
import { RayBackend } from '../clusters/ray/ray-backend';
import type { OpenProject } from '../projects/project-service';
import type { ClusterDirectory, ClusterProfile, JobBackend, SandboxJobBackends } from './backend';
import type { JobRow } from './job-store';
import { SlurmBackend } from './slurm/slurm-backend';
import { LocalTransport, SshTransport, type SlurmTransport } from './slurm/transport';

/** What building backends needs. */
export interface BackendFactoryDeps {
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** resources/python: the SDK shipped to clusters. */
  readonly pythonDir: string;
  readonly clusters?: ClusterDirectory;
  readonly sandbox?: SandboxJobBackends;
}

/**
 * The backends of the open project's engine jobs, one per cluster profile (its SSH connection shared by all its
 * jobs), built on first use from the stored profile and its secret; `dispose` closes them when the project closes.
 */
export class BackendFactory {
  private readonly built = new Map<string, Promise<JobBackend>>();

  constructor(
    private readonly deps: BackendFactoryDeps,
    private readonly open: OpenProject,
  ) {}

  /** The backend of a stored job. */
  forRow(row: Pick<JobRow, 'backend' | 'cluster_id'>): Promise<JobBackend> {
    const key = `${row.backend}:${row.cluster_id ?? ''}`;
    let backend = this.built.get(key);
    if (!backend) {
      backend = this.build(row);
      this.built.set(key, backend);
      backend.catch(() => this.built.delete(key));
    }
    return backend;
  }

  async dispose(): Promise<void> {
    const all = [...this.built.values()];
    this.built.clear();
    await Promise.all(all.map(async (backend) => (await backend.catch(() => null))?.dispose()));
  }

  private async build(row: Pick<JobRow, 'backend' | 'cluster_id'>): Promise<JobBackend> {
    if (row.backend === 'sandbox') {
      if (!this.deps.sandbox) throw new OrreryError('unavailable', 'Docker sandboxes are not available in this Orrery; run the job locally instead.');
      return this.deps.sandbox.jobBackend();
    }
    if (row.backend === 'local') throw new Error('local jobs run in the local queue, not through a backend here');
    const profile = this.profile(row.cluster_id);
    const secret = await this.deps.clusters!.secret(profile.id);
    if (row.backend === 'ray') return new RayBackend(profile, secret, { pythonDir: this.deps.pythonDir, logger: this.deps.logger });
    return new SlurmBackend(profile, this.transport(profile, secret), { pythonDir: this.deps.pythonDir, projectPath: this.open.path, projectId: this.open.project.id, logger: this.deps.logger });
  }

  private profile(clusterId: string | null): ClusterProfile {
    if (!this.deps.clusters) throw new OrreryError('unavailable', 'Cluster profiles are not available in this Orrery.');
    if (!clusterId) throw new OrreryError('invalid_input', 'A cluster job needs a cluster profile; give --cluster NAME (see `orrery cluster list`).');
    return this.deps.clusters.profile(clusterId);
  }

  private transport(profile: ClusterProfile, secret: string | null): SlurmTransport {
    if (profile.transport !== 'ssh') return new LocalTransport(this.deps.env);
    if (!profile.host || !profile.user || !profile.keyPath) {
      throw new OrreryError('invalid_input', `Cluster "${profile.name}" goes over SSH but lacks its host, user or key; update it with \`orrery cluster add\`.`);
    }
    const home = this.deps.env.HOME ?? '/root';
    return new SshTransport({
      host: profile.host,
      port: profile.port ?? 22,
      username: profile.user,
      keyPath: profile.keyPath,
      ...(secret ? { passphrase: secret } : {}),
      knownHostsPath: profile.knownHostsPath ?? path.join(home, '.ssh', 'known_hosts'),
    });
  }
}
