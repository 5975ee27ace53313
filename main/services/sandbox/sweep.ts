import type Docker from 'dockerode';
import { pidAlive } from '../../core/pids';
import { removeContainer } from './docker';
import { sandboxLabels } from './hardening';

/** A container Orrery labelled, as `docker ps` lists it. */
export interface LabelledContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly kind: string;
  readonly sessionId: string;
  readonly state: string;
  readonly status: string;
  readonly created: number;
  readonly ownerPid: number | null;
}

/** Every container carrying `orrery.sandbox=1`, running or not. */
export async function listSandboxContainers(docker: Docker): Promise<LabelledContainer[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${sandboxLabels.sandbox}=1`] } });
  return found.map((info) => {
    const pid = Number(info.Labels[sandboxLabels.pid]);
    return {
      id: info.Id,
      name: (info.Names[0] ?? '').replace(/^\//, ''),
      image: info.Image,
      kind: info.Labels[sandboxLabels.kind] ?? '',
      sessionId: info.Labels[sandboxLabels.session] ?? '',
      state: info.State,
      status: info.Status,
      created: info.Created * 1000,
      ownerPid: Number.isInteger(pid) && pid > 0 ? pid : null,
    };
  });
}

/**
 * Removes the containers an Orrery that is gone left behind (after a crash or a kill -9): those labelled
 * orrery.sandbox whose orrery.pid is not a live process. Job containers are left to the job backend,
 * which reads their end and removes them; a job may rightly outlive the Orrery that started it.
 */
export async function sweepStrays(docker: Docker, alive: (pid: number) => boolean = pidAlive): Promise<string[]> {
  const removed: string[] = [];
  for (const container of await listSandboxContainers(docker)) {
    if (container.kind === 'job') continue;
    if (container.ownerPid !== null && alive(container.ownerPid)) continue;
    await removeContainer(docker, container.id);
    removed.push(container.id);
  }
  return removed;
}
