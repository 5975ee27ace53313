import type { Handlers } from '../../core/dispatch';
import type { packageCalls } from '../../../app/contract/packages';
import type { PackageService } from './package-service';

/** The handlers of the edge package calls. */
export function packageHandlers(packages: PackageService): Pick<Handlers, keyof typeof packageCalls> {
  void packages;
  return {};
}
