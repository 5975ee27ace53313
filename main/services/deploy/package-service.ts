import type { DeployServiceDeps } from './deploy-service';

/** Edge packages: a model version with its metadata, runners, self-test and checksums, as one tar.gz. */
export class PackageService {
  constructor(readonly deps: DeployServiceDeps) {}

  dispose(): void {}
}
