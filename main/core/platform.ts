/** What only a desktop shell can do (Electron: native dialogs); the web host and CLI answer "unavailable". */
export interface PlatformAdapter {
  readonly canPickFolder: boolean;
  pickFolder(title: string | undefined): Promise<string | null>;
}

/** Platform of hosts without native dialogs. */
export const headlessPlatform: PlatformAdapter = {
  canPickFolder: false,
  pickFolder: async () => null,
};
