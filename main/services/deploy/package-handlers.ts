import type { Handlers } from '../../core/dispatch';
import type { packageCalls } from '../../../app/contract/packages';
import type { PackageService } from './package-service';

/** The handlers of the edge package calls. */
export function packageHandlers(packages: PackageService): Pick<Handlers, keyof typeof packageCalls> {
  return {
    'model.package': (input) => packages.build(input),
    'model.packages': (input) => packages.list(input.versionId),
    'model.verifyPackage': (input) => packages.verify(input),
    'model.deletePackage': (input) => packages.delete(input.packageId),
  };
}
