import type { Handlers } from '../../core/dispatch';
import type { sandboxCalls } from '../../../app/contract/sandbox';
import type { SandboxService } from './sandbox-service';

/** The handlers of the sandbox domain's calls. */
export function sandboxHandlers(sandbox: SandboxService): Pick<Handlers, keyof typeof sandboxCalls> {
  return {
    'sandbox.status': () => sandbox.status(),
    'sandbox.exec': (input) => sandbox.exec(input),
    'sandbox.sessions': (input) => sandbox.sessions(input ?? {}),
    'sandbox.session': (input) => sandbox.session(input.id),
    'sandbox.exportAudit': (input) => sandbox.exportAudit(input),
    'sandbox.images': () => sandbox.images(),
    'sandbox.buildImage': (input) => sandbox.buildImage(input),
    'sandbox.pruneImages': (input) => sandbox.pruneImages(input ?? {}),
    'sandbox.ps': () => sandbox.ps(),
    'sandbox.pool': () => sandbox.poolStatus(),
    'sandbox.configurePool': (input) => sandbox.configurePool(input),
  };
}
