import type { Handlers } from '../../core/dispatch';
import type { deployCalls } from '../../../app/contract/deploy';
import type { DeployService } from './deploy-service';
import type { packageCalls } from '../../../app/contract/packages';
import { packageHandlers } from './package-handlers';

/** The handlers of the deploy domain's calls. */
export function deployHandlers(deploy: DeployService): Pick<Handlers, keyof typeof deployCalls | keyof typeof packageCalls> {
  return {
    ...packageHandlers(deploy.packages),
  };
}
