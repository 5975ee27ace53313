import type { Handlers } from '../../core/dispatch';
import type { sandboxCalls } from '../../../app/contract/sandbox';
import type { SandboxService } from './sandbox-service';

/** The handlers of the sandbox domain's calls. */
export function sandboxHandlers(sandbox: SandboxService): Pick<Handlers, keyof typeof sandboxCalls> {
  void sandbox;
  return {};
}
