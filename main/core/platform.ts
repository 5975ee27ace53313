/** What only a desktop shell can do (Electron: native dialogs); the web host and CLI answer "unavailable". */
export interface PlatformAdapter {
  readonly canPickFolder: boolean;
  pickFolder(title: string | undefined): Promise<string | null>;
  /** Electron's safeStorage (the OS keychain), for provider keys; absent where the host has none. */
  readonly safeStorage?: {
    isEncryptionAvailable(): boolean;
    encryptString(plain: string): Buffer;
    decryptString(cipher: Buffer): string;
  };
}

/** Platform of hosts without native dialogs. */
export const headlessPlatform: PlatformAdapter = {
  canPickFolder: false,
  pickFolder: async () => null,
};
