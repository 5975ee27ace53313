import type { Handlers } from '../../core/dispatch';
import type { deployCalls } from '../../../app/contract/deploy';
import type { DeployService } from './deploy-service';
import type { packageCalls } from '../../../app/contract/packages';
import { packageHandlers } from './package-handlers';

/** The handlers of the deploy domain's calls. */
export function deployHandlers(deploy: DeployService): Pick<Handlers, keyof typeof deployCalls | keyof typeof packageCalls> {
  return {
    ...packageHandlers(deploy.packages),
    'device.list': () => deploy.devices.list(),
    'device.add': (input) => deploy.devices.add(input),
    'device.remove': (input) => deploy.devices.remove(input.name),
    'device.test': (input) => deploy.devices.test(input.name),
    'device.hostKey': (input) => deploy.devices.hostKey(input.name),
    'device.trust': (input) => deploy.devices.trust(input),
    'model.deploy': (input) => deploy.deploy(input),
    'model.rollback': (input) => deploy.rollback(input),
    'model.deployments': (input) => deploy.deployments(input),
  };
}
