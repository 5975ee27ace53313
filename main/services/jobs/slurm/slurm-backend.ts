import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { OrreryError } from '../../../../app/contract/errors';
import type { Logger } from '../../../core/logger';
import { isInside } from '../../../core/paths';
import type { BackendHandle, BackendLogSlice, BackendStatus, BackendSubmission, BackendSubmitted, ClusterProfile, JobBackend, JobResources } from '../backend';
import { completeUtf8Length } from '../job-logs';
import { runFolder } from '../job-spool';
import { batchScript, slurmFiles, taskArgsFile, taskEnvFile, type BatchLayout } from './batch-script';
import { mapSlurmState, parseExitRecord, parseSqueue, squeueFormat, statusOf, type SqueueEntry } from './slurm-states';
import type { SlurmTransport } from './transport';
import { syncRunFolder } from './run-sync';

/** What a Slurm backend needs besides its profile and transport. */
export interface SlurmBackendDeps {
  /** Folder holding the SDK package `orrery/` (resources/python), copied to a login node. */
  readonly pythonDir: string;
  /** The open project: where the local transport keeps job files, and whose run folders are synced. */
  readonly projectPath: string;
  readonly projectId: string;
  readonly logger: Logger;
}

/** Folders never copied to a login node with the code (the same kinds Ray's packaging skips). */
const skippedFolders = new Set(['.orrery', '.git', '.hg', '.svn', '.venv', 'venv', 'node_modules', '__pycache__', '.mypy_cache', '.pytest_cache', '.ipynb_checkpoints']);

/** Variables that name this machine's folders: meaningless on a login node, so not sent there. */
const localOnlyVariable = /^(PATH|VIRTUAL_ENV|CONDA_PREFIX|CONDA_DEFAULT_ENV|PYTHONHOME|LD_LIBRARY_PATH)$/;

/**
 * Runs jobs on Slurm through its commands: a generated batch script submitted with `sbatch --parsable`, states from
 * `squeue` (and `sacct` where an accounting store exists), the exit file the script writes, logs from the job's own
 * files, `scancel`. The transport decides where those commands run: this machine, or a login node over SSH, where
 * the code and the SDK are copied first and the run folders are synced back.
 */
export class SlurmBackend implements JobBackend {
  readonly kind = 'slurm' as const;
  private root: Promise<string> | null = null;
  private accounting: boolean | null = null;

  constructor(
    private readonly profile: ClusterProfile,
    private readonly transport: SlurmTransport,
    private readonly deps: SlurmBackendDeps,
  ) {}

  async submit(submission: BackendSubmission): Promise<BackendSubmitted> {
    const resources: JobResources = { ...this.profile.defaults, ...(this.profile.partition ? { partition: this.profile.partition } : {}), ...definedOnly(submission.resources) };
    const root = await this.rootDir();
    const jobIds = submission.array?.jobIds ?? [submission.jobId];
    const runIds = submission.array?.runIds ?? [submission.runId];
    const taskDirs = jobIds.map((jobId) => `${root}/jobs/${jobId}`);
    const placed = await this.place(submission, root);
    await this.transport.mkdirp(`${root}/slurm-out`);
    for (const [index, dir] of taskDirs.entries()) {
      await this.transport.mkdirp(dir);
      const taskEnv = { ...placed.taskEnv, ...(submission.array?.taskEnv?.[index] ?? {}), ORRERY_RUN_ID: runIds[index]!, ORRERY_JOB_ID: jobIds[index]! };
      await this.transport.writeFile(`${dir}/${slurmFiles.env}`, taskEnvFile(taskEnv));
      await this.transport.writeFile(`${dir}/${slurmFiles.args}`, taskArgsFile(submission.array?.taskArgs?.[index] ?? []));
      if (!this.transport.sharesFiles) await this.copyRunJson(runIds[index]!, placed.projectDir);
    }
    const layout: BatchLayout = { submitDir: `${root}/slurm-out`, taskDirs, script: placed.script, cwd: placed.cwd, python: placed.python };
    const scriptFile = `${taskDirs[0]}/job-${randomBytes(4).toString('hex')}.sbatch`;
    await this.transport.writeFile(scriptFile, batchScript({ ...submission, env: placed.env }, resources, layout), 0o755);
    const result = await this.transport.run(['sbatch', '--parsable', scriptFile]);
    const id = /^(\d+)(;.*)?$/.exec(result.stdout.trim().split('\n').at(-1) ?? '')?.[1];
    if (result.code !== 0 || !id) {
      const message = result.stderr.trim() || result.stdout.trim() || `exit ${String(result.code)}`;
      throw new OrreryError('process_failed', `Slurm (${this.profile.name}) refused the job: ${message}`);
    }
    const handle: BackendSubmitted = { backend: 'slurm', externalId: id, clusterId: this.profile.id, workDir: taskDirs[0]! };
    if (!submission.array) return handle;
    return { ...handle, tasks: taskDirs.map((dir, index) => ({ backend: 'slurm', externalId: `${id}_${index}`, clusterId: this.profile.id, workDir: dir })) };
  }

  async status(handle: BackendHandle): Promise<BackendStatus> {
    const all = await this.statusMany([handle]);
    return all.get(handle.externalId)!;
  }

  /**
   * One squeue for every job asked. A pending job needs nothing more; a running one is checked for its exit file
   * (its script may have ended while Slurm still says RUNNING or COMPLETING); an ended or forgotten one gets all
   * its files read (exit file, start file, slurmstepd's messages).
   */
  async statusMany(handles: readonly BackendHandle[]): Promise<ReadonlyMap<string, BackendStatus>> {
    const listed = await this.squeue();
    const out = new Map<string, BackendStatus>();
    await Promise.all(
      handles.map(async (handle) => {
        const entry = listed.get(handle.externalId) ?? (await this.sacct(handle.externalId));
        const state = entry ? mapSlurmState(entry.state) : null;
        const bare = { entry, exit: null, slurmOutput: '', started: true, startedMs: null };
        if (state === 'queued') return out.set(handle.externalId, statusOf(bare));
        if (state === 'running' && !(await this.hasExitFile(handle))) return out.set(handle.externalId, statusOf(bare));
        return out.set(handle.externalId, statusOf(await this.facts(handle, entry)));
      }),
    );
    return out;
  }

  /** Calls `listener` as soon as the job's exit file appears (local transport: the file system says so at once). */
  onEnded(handle: BackendHandle, listener: () => void): () => void {
    if (!this.transport.sharesFiles || !handle.workDir) return () => undefined;
    try {
      const watcher = watch(handle.workDir, (_event, name) => {
        if (name === slurmFiles.exit) listener();
      });
      watcher.on('error', () => watcher.close());
      watcher.unref();
      return () => watcher.close();
    } catch {
      // Not watchable (a network file system): the polls still see the end.
      return () => undefined;
    }
  }

  private async hasExitFile(handle: BackendHandle): Promise<boolean> {
    if (!handle.workDir) return false;
    return (await this.transport.readFrom(`${handle.workDir}/${slurmFiles.exit}`, 0)).length > 0;
  }

  async logs(handle: BackendHandle, stream: 'stdout' | 'stderr', offset: number): Promise<BackendLogSlice> {
    if (!handle.workDir) return { text: '', nextOffset: offset };
    const bytes = await this.transport.readFrom(`${handle.workDir}/${slurmFiles[stream]}`, offset);
    const whole = completeUtf8Length(bytes);
    return { text: bytes.subarray(0, whole).toString('utf8'), nextOffset: offset + whole };
  }

  async cancel(handle: BackendHandle): Promise<void> {
    const result = await this.transport.run(['scancel', handle.externalId]);
    if (result.code !== 0 && !/Invalid job id|already completing or completed/i.test(result.stderr)) {
      throw new OrreryError('process_failed', `scancel ${handle.externalId} failed on ${this.profile.name}: ${result.stderr.trim() || `exit ${String(result.code)}`}`);
    }
  }

  async syncRun(handle: BackendHandle, runId: string, localRunFolder: string): Promise<void> {
    if (this.transport.sharesFiles) return;
    const root = await this.rootDir();
    await syncRunFolder(this.transport, `${this.remoteProject(root)}/.orrery/tracking/${runId}`, localRunFolder);
    void handle;
  }

  async dispose(): Promise<void> {
    await this.transport.close();
  }

  /** Where the job's script, folder and interpreter are on the cluster side, and the variables it runs with. */
  private async place(submission: BackendSubmission, root: string): Promise<{ script: string; cwd: string; python: string; env: Record<string, string>; taskEnv: Record<string, string>; projectDir: string }> {
    if (this.transport.sharesFiles) {
      return { script: submission.script, cwd: submission.cwd, python: submission.python, env: { ...submission.env }, taskEnv: {}, projectDir: this.deps.projectPath };
    }
    if (!isInside(submission.cwd, submission.script)) {
      throw new OrreryError('invalid_input', `The script ${submission.script} is outside the job's folder ${submission.cwd}; on a login node only that folder is copied, so run it from a folder that holds it.`);
    }
    const projectDir = this.remoteProject(root);
    await this.transport.mkdirp(`${projectDir}/.orrery/tracking`);
    // The SDK records a run only in a folder holding .orrery/project.db; an empty file marks the remote copy.
    await this.transport.writeFile(`${projectDir}/.orrery/project.db`, '');
    const codeDir = `${root}/code/${submission.jobId}`;
    await this.copyCode(submission.cwd, codeDir);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(submission.env)) if (!localOnlyVariable.test(name)) env[name] = value;
    env.PYTHONPATH = `${codeDir}/.orrery-sdk`;
    env.ORRERY_PROJECT = projectDir;
    const python = path.isAbsolute(submission.python) ? 'python3' : submission.python;
    return { script: `${codeDir}/${path.relative(submission.cwd, submission.script).split(path.sep).join('/')}`, cwd: codeDir, python, env, taskEnv: {}, projectDir };
  }

  /** The job's folder and the SDK as one tar.gz, copied over and unpacked on the login node. */
  private async copyCode(cwd: string, codeDir: string): Promise<void> {
    const temp = await mkdtemp(path.join(os.tmpdir(), 'orrery-slurm-code-'));
    try {
      const archive = path.join(temp, 'code.tar.gz');
      await tar.c({ gzip: true, file: archive, cwd, portable: true, filter: (entry) => !entry.split('/').some((part) => skippedFolders.has(part)) }, ['.']);
      const sdk = path.join(temp, 'sdk.tar.gz');
      await tar.c({ gzip: true, file: sdk, cwd: this.deps.pythonDir, portable: true, filter: (entry) => !entry.includes('__pycache__') }, ['orrery']);
      await this.transport.mkdirp(`${codeDir}/.orrery-sdk`);
      await this.transport.putFile(archive, `${codeDir}.tar.gz`);
      await this.transport.putFile(sdk, `${codeDir}.sdk.tar.gz`);
      const unpack = await this.transport.run(['sh', '-c', 'tar -xzf "$1" -C "$2" && tar -xzf "$3" -C "$2/.orrery-sdk" && rm -f "$1" "$3"', 'unpack', `${codeDir}.tar.gz`, codeDir, `${codeDir}.sdk.tar.gz`]);
      if (unpack.code !== 0) throw new OrreryError('process_failed', `Unpacking the job's code on ${this.profile.name} failed: ${unpack.stderr.trim()}`);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** run.json as the job service wrote it, placed first on the login node so the SDK adds events instead of its own. */
  private async copyRunJson(runId: string, projectDir: string): Promise<void> {
    const remote = `${projectDir}/.orrery/tracking/${runId}`;
    await this.transport.mkdirp(remote);
    await this.transport.putFile(path.join(runFolder(this.deps.projectPath, runId), 'run.json'), `${remote}/run.json`);
  }

  private remoteProject(root: string): string {
    return `${root}/projects/${this.deps.projectId}`;
  }

  /** The base folder on the cluster side: the profile's remoteDir, else the project's .orrery/slurm here or ~/.orrery/remote there. */
  private rootDir(): Promise<string> {
    this.root ??= (async () => {
      const wanted = this.profile.remoteDir ?? (this.transport.sharesFiles ? path.join(this.deps.projectPath, '.orrery', 'slurm') : '~/.orrery/remote');
      const resolved = (await this.transport.resolve(wanted)).replace(/\/+$/, '');
      await this.transport.mkdirp(resolved);
      return resolved;
    })().catch((error: unknown) => {
      this.root = null;
      throw error;
    });
    return this.root;
  }

  /** squeue's view of every job of this user, array tasks one a line. */
  private async squeue(): Promise<Map<string, SqueueEntry>> {
    const result = await this.transport.run(['squeue', '-h', '-r', '-t', 'all', '--me', '-o', squeueFormat]);
    if (result.code !== 0) throw new OrreryError('unavailable', `squeue failed on ${this.profile.name}: ${result.stderr.trim() || `exit ${String(result.code)}`}`);
    return new Map(parseSqueue(result.stdout).map((entry) => [entry.id, entry]));
  }

  /** sacct's record of a job squeue no longer lists; null without an accounting store (asked once). */
  private async sacct(externalId: string): Promise<SqueueEntry | null> {
    if (this.accounting === false) return null;
    const result = await this.transport.run(['sacct', '-n', '-P', '-X', '-j', externalId, '-o', 'JobID,State,Reason,Start,End']);
    if (result.code !== 0 || /accounting storage is disabled|not running a supported accounting_storage/i.test(result.stderr)) {
      this.accounting = false;
      return null;
    }
    this.accounting = true;
    const line = result.stdout.split('\n').find((text) => text.startsWith(`${externalId}|`));
    if (!line) return null;
    const [id, state, reason, start, end] = line.split('|');
    return parseSqueue(`${id}|${(state ?? '').split(' ')[0]}|${reason ?? 'None'}|${start ?? ''}|${end ?? ''}`)[0] ?? null;
  }

  private async facts(handle: BackendHandle, entry: SqueueEntry | null): Promise<Parameters<typeof statusOf>[0]> {
    const root = await this.rootDir();
    const read = async (file: string) => (await this.transport.readFrom(file, 0)).toString('utf8');
    const dir = handle.workDir ?? '';
    const [exitText, startedText, slurmOutput] = await Promise.all([
      dir ? read(`${dir}/${slurmFiles.exit}`) : '',
      dir ? read(`${dir}/${slurmFiles.started}`) : '',
      read(`${root}/slurm-out/slurm-${handle.externalId}.out`),
    ]);
    const startedS = Number(startedText.trim());
    return { entry, exit: parseExitRecord(exitText), slurmOutput, started: startedText.trim() !== '', startedMs: Number.isFinite(startedS) && startedS > 0 ? startedS * 1000 : null };
  }
}

function definedOnly(resources: JobResources): JobResources {
  return Object.fromEntries(Object.entries(resources).filter(([, value]) => value !== undefined)) as JobResources;
}
