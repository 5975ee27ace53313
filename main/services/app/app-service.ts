import type { AppInfo } from '../../../app/models';
import type { PlatformAdapter } from '../../core/platform';
import { OrreryError } from '../../../app/contract';

/** Facts about this Orrery and the face hosting it; the folder picker of the platform. */
export class AppService {
  constructor(
    private readonly deps: {
      host: AppInfo['host'];
      version: string;
      userHome: string;
      allowedRoots: readonly string[];
      platform: PlatformAdapter;
    },
  ) {}

  info(): AppInfo {
    return {
      name: 'Orrery',
      version: this.deps.version,
      host: this.deps.host,
      platform: process.platform,
      nodeVersion: process.versions.node,
      electronVersion: process.versions.electron ?? null,
      userHome: this.deps.userHome,
      allowedRoots: [...this.deps.allowedRoots],
      canPickFolder: this.deps.platform.canPickFolder,
    };
  }

  async pickFolder(title: string | undefined): Promise<{ path: string | null }> {
    if (!this.deps.platform.canPickFolder) {
      throw new OrreryError('unavailable', 'No native folder picker in this face; type the folder path instead.');
    }
    return { path: await this.deps.platform.pickFolder(title) };
  }
}
