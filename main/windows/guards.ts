import type { HandlerDetails, Shell, WebContents, WindowOpenHandlerResponse } from 'electron';
import type { Logger } from '../core/logger';
import { isAppUrl, isSafeExternalUrl } from './security';

/** The part of WebContents the guards attach to (a fake in tests). */
export type GuardedContents = Pick<WebContents, 'setWindowOpenHandler' | 'on'>;

/** What the guards need besides the contents. */
export interface GuardOptions {
  /** The app page's URL (see appPageUrl); navigation anywhere else is blocked. */
  readonly appUrl: string;
  readonly shell: Pick<Shell, 'openExternal'>;
  readonly logger: Logger;
  /**
   * Whether blocked http(s) targets open in the OS browser (default true). The app-wide guard passes false:
   * the main window's own guard opens them, so a link never opens twice.
   */
  readonly openLinks?: boolean;
}

/** Opens an http(s) URL in the user's browser; refuses every other scheme. Answers whether it opened. */
export function openExternalSafely(url: string, options: Pick<GuardOptions, 'shell' | 'logger'>): boolean {
  if (!isSafeExternalUrl(url)) {
    options.logger.warn('refused to open a non-http(s) URL outside the app', { url: url.slice(0, 200) });
    return false;
  }
  options.shell.openExternal(url).catch((error: unknown) => {
    options.logger.warn('the OS could not open a link', { url, error: error instanceof Error ? error.message : String(error) });
  });
  return true;
}

/**
 * Guards one WebContents: window.open is always denied (http(s) links go to the OS browser instead),
 * top-level navigation and redirects away from the app page are prevented (http(s) targets open
 * externally), and <webview> can never attach.
 */
export function guardWebContents(contents: GuardedContents, options: GuardOptions): void {
  const { appUrl, logger } = options;
  const openLinks = options.openLinks ?? true;
  contents.setWindowOpenHandler((details: HandlerDetails): WindowOpenHandlerResponse => {
    if (openLinks) openExternalSafely(details.url, options);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url, appUrl)) return;
    event.preventDefault();
    logger.warn('blocked navigation away from the app page', { url: event.url.slice(0, 200) });
    if (openLinks) openExternalSafely(event.url, options);
  });
  contents.on('will-redirect', (event) => {
    if (isAppUrl(event.url, appUrl)) return;
    event.preventDefault();
    logger.warn('blocked a redirect away from the app page', { url: event.url.slice(0, 200) });
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.warn('blocked a <webview>');
  });
}
