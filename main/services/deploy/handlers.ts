import type { Handlers } from '../../core/dispatch';
import type { deployCalls } from '../../../app/contract/deploy';
import type { DeployService } from './deploy-service';

/** The handlers of the deploy domain's calls. */
export function deployHandlers(deploy: DeployService): Pick<Handlers, keyof typeof deployCalls> {
  void deploy;
  return {};
}
