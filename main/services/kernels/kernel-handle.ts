// One notebook's kernel as the service sees it: its session (replaced on restart), its info and status,
// the cells it runs (routed from iopub by parent msg_id into the notebook's runs), input prompts.
import { OrreryError } from '../../../app/contract';
import type { KernelInfo } from '../../../app/models';
import type { EventBus } from '../../core/event-bus';
import type { Logger } from '../../core/logger';
import type { NotebookRuns } from './cell-runs';
import { KernelSession, type KernelLaunch } from './kernel-session';
import { createMessage, type JupyterMessage, type MessageHeader } from './wire';

interface Execution {
  readonly cellId: string;
  replied: boolean;
  idle: boolean;
  status: 'ok' | 'error' | 'aborted';
  executionCount: number | null;
  fallback: NodeJS.Timeout | null;
}

/** A pending input() prompt. */
export interface PendingInput {
  readonly cellId: string;
  readonly prompt: string;
  readonly password: boolean;
  readonly header: MessageHeader;
}

/** How long a cell whose execute_reply arrived waits for its iopub idle before it is closed anyway. */
const idleGraceMs = 3000;
/** How long requests such as complete and inspect may take. */
const requestTimeoutMs = 15_000;

/** A kernel bound to one notebook. */
export class KernelHandle {
  info: KernelInfo;
  private session: KernelSession | null = null;
  private readonly executions = new Map<string, Execution>();
  pendingInput: PendingInput | null = null;

  constructor(
    info: KernelInfo,
    private readonly launch: () => Promise<KernelLaunch>,
    private readonly runs: NotebookRuns,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {
    this.info = info;
  }

  private setStatus(status: KernelInfo['status'], changes: Partial<KernelInfo> = {}): void {
    if (this.info.status === status && Object.keys(changes).length === 0) return;
    this.info = { ...this.info, ...changes, status };
    this.bus.publish('kernel.status', this.info.id, this.info);
  }

  /** True while the kernel can run code. */
  get alive(): boolean {
    return this.session !== null && this.session.dead === null;
  }

  /** Starts (or restarts into) a fresh session. */
  async boot(): Promise<void> {
    const launch = await this.launch();
    let started: KernelSession | null = null;
    const session = await KernelSession.start(launch, {
      onIopub: (message) => started && this.onIopub(started, message),
      onStdin: (message) => this.onStdin(message),
      onDead: (reason) => started && this.onDead(started, reason),
    });
    started = session;
    this.session = session;
    this.setStatus('idle', { pid: session.pid, reason: null, ...session.details });
  }

  private requireSession(): KernelSession {
    if (!this.session || this.session.dead !== null) {
      throw new OrreryError('kernel_dead', `${this.info.reason ?? 'The kernel is not running.'} Restart the kernel to run code again.`);
    }
    return this.session;
  }

  private onIopub(session: KernelSession, message: JupyterMessage): void {
    if (session !== this.session) return;
    const type = message.header.msg_type;
    const execution = this.executions.get(message.parent_header.msg_id ?? '');
    if (type === 'status') {
      const state = message.content.execution_state;
      if (state === 'busy' || state === 'idle') this.setStatus(state);
      if (execution && state === 'busy') this.runs.running(execution.cellId);
      if (execution && state === 'idle') {
        execution.idle = true;
        this.settle(message.parent_header.msg_id!, execution);
      }
      return;
    }
    if (execution) this.runs.iopub(execution.cellId, type, message.content);
    else if (type === 'update_display_data') this.runs.iopub('', type, message.content);
  }

  private onStdin(message: JupyterMessage): void {
    if (message.header.msg_type !== 'input_request') return;
    const execution = this.executions.get(message.parent_header.msg_id ?? '');
    const prompt = String(message.content.prompt ?? '');
    const password = message.content.password === true;
    this.pendingInput = { cellId: execution?.cellId ?? '', prompt, password, header: message.header };
    this.bus.publish('kernel.inputRequest', this.info.id, { cellId: this.pendingInput.cellId, prompt, password });
  }

  private onDead(session: KernelSession, reason: string): void {
    if (session !== this.session) return;
    this.endExecutions('DeadKernelError', reason);
    this.setStatus('dead', { reason });
  }

  /** Ends every unfinished cell: the running one with an error output, queued ones aborted. */
  private endExecutions(ename: string, reason: string): void {
    for (const execution of this.executions.values()) if (execution.fallback) clearTimeout(execution.fallback);
    this.executions.clear();
    this.pendingInput = null;
    for (const cellId of this.runs.unfinished()) {
      if (this.runs.get(cellId)?.state === 'running') this.runs.fail(cellId, ename, reason);
      else this.runs.finish(cellId, 'aborted');
    }
  }

  private settle(msgId: string, execution: Execution): void {
    const done = () => {
      if (execution.fallback) clearTimeout(execution.fallback);
      if (!this.executions.delete(msgId)) return;
      if (this.pendingInput?.cellId === execution.cellId) this.pendingInput = null;
      this.runs.finish(execution.cellId, execution.status, execution.executionCount);
    };
    if (!execution.replied) return;
    if (execution.idle || execution.status === 'aborted') return done();
    execution.fallback ??= setTimeout(done, idleGraceMs);
  }

  /** Sends an execute_request for a cell; its outputs go into the notebook's runs. */
  execute(cellId: string, code: string, stopOnError: boolean): string {
    const session = this.requireSession();
    const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: stopOnError };
    const { msgId, reply } = session.request('shell', 'execute_request', content);
    const execution: Execution = { cellId, replied: false, idle: false, status: 'ok', executionCount: null, fallback: null };
    this.executions.set(msgId, execution);
    this.runs.queue(cellId);
    reply.then(
      (message) => {
        const status = message.content.status;
        execution.status = status === 'error' ? 'error' : status === 'aborted' ? 'aborted' : 'ok';
        execution.executionCount = typeof message.content.execution_count === 'number' ? message.content.execution_count : null;
        execution.replied = true;
        this.settle(msgId, execution);
      },
      () => undefined,
    );
    return msgId;
  }

  /** Answers the pending input() prompt. */
  async input(value: string): Promise<void> {
    const session = this.requireSession();
    const pending = this.pendingInput;
    if (!pending) throw new OrreryError('invalid_input', 'No input() prompt is waiting in this kernel.');
    this.pendingInput = null;
    await session.send('stdin', createMessage(session.id, 'input_reply', { value, status: 'ok' }, pending.header));
  }

  /** Interrupts the running cell. */
  async interrupt(): Promise<void> {
    await this.requireSession().interrupt();
  }

  /** A shell request answered with its reply content (complete, inspect). */
  async ask(msgType: string, content: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.requireSession().request('shell', msgType, content, requestTimeoutMs).reply;
    return reply.content;
  }

  /** Ends the session and starts a new one; queued cells are aborted. */
  async restart(): Promise<void> {
    this.setStatus('restarting');
    const old = this.session;
    this.session = null;
    this.endExecutions('KernelRestarted', 'The kernel was restarted while this cell ran.');
    await old?.shutdown(2000, true);
    try {
      await this.boot();
    } catch (error) {
      this.setStatus('dead', { reason: (error as Error).message, pid: null });
      throw error;
    }
  }

  /** Shuts the kernel down; its process ends (killed after a grace period). */
  async shutdown(graceMs = 2000): Promise<void> {
    const session = this.session;
    this.session = null;
    this.endExecutions('KernelShutdown', 'The kernel was shut down while this cell ran.');
    await session?.shutdown(graceMs);
    if (this.info.status !== 'shutdown') this.setStatus('shutdown', { pid: null });
    this.logger.info('kernel shut down', { kernelId: this.info.id });
  }
}
