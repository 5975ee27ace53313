import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../main/core/logger';
import { guardWebContents, openExternalSafely, type GuardedContents } from '../../../../main/windows/guards';
import { FakeWebContents, fakeEvent, fakeShell } from '../platform/fake-electron';

const appUrl = pathToFileURL('/opt/orrery/out/renderer/index.html').href;

function guarded(openLinks?: boolean) {
  const contents = new FakeWebContents();
  const shell = fakeShell();
  guardWebContents(contents as unknown as GuardedContents, { appUrl, shell, logger: silentLogger, openLinks });
  return { contents, shell };
}

describe('window.open', () => {
  it('is always denied; an http(s) target opens in the OS browser instead', () => {
    const { contents, shell } = guarded();
    expect(contents.windowOpenHandler).not.toBeNull();
    expect(contents.windowOpenHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual(['https://example.com/docs']);
  });

  it('denies without opening anything for file:, javascript:, custom schemes and the app page itself', () => {
    const { contents, shell } = guarded();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'vscode://x', appUrl, 'about:blank']) {
      expect(contents.windowOpenHandler!({ url }), url).toEqual({ action: 'deny' });
    }
    expect(shell.opened).toEqual([]);
  });

  it('with openLinks: false (the app-wide guard) denies and opens nothing', () => {
    const { contents, shell } = guarded(false);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.navigate('https://example.com/').defaultPrevented).toBe(true);
    expect(shell.opened).toEqual([]);
  });
});

describe('navigation', () => {
  it('lets the app page navigate to itself (hash routes, reload)', () => {
    const { contents, shell } = guarded();
    expect(contents.navigate(`${appUrl}#/terminal`).defaultPrevented).toBe(false);
    expect(contents.navigate(appUrl).defaultPrevented).toBe(false);
    expect(shell.opened).toEqual([]);
  });

  it('prevents navigation elsewhere; a web link opens in the OS browser, a file or script does not', () => {
    const { contents, shell } = guarded();
    expect(contents.navigate('https://example.com/').defaultPrevented).toBe(true);
    expect(contents.navigate(pathToFileURL('/etc/passwd').href).defaultPrevented).toBe(true);
    expect(contents.navigate(pathToFileURL('/opt/orrery/out/renderer/other.html').href).defaultPrevented).toBe(true);
    expect(contents.navigate('javascript:alert(1)').defaultPrevented).toBe(true);
    expect(shell.opened).toEqual(['https://example.com/']);
  });

  it('prevents redirects away from the app page and opens nothing for them', () => {
    const { contents, shell } = guarded();
    expect(contents.navigate('https://evil.example/', 'will-redirect').defaultPrevented).toBe(true);
    expect(contents.navigate(`${appUrl}#/x`, 'will-redirect').defaultPrevented).toBe(false);
    expect(shell.opened).toEqual([]);
  });

  it('prevents every <webview> from attaching', () => {
    const { contents } = guarded();
    const event = fakeEvent();
    contents.emit('will-attach-webview', event, { nodeIntegration: false }, { src: appUrl });
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('openExternalSafely', () => {
  it('hands http(s) to the shell and refuses the rest', () => {
    const shell = fakeShell();
    expect(openExternalSafely('http://example.com/', { shell, logger: silentLogger })).toBe(true);
    expect(openExternalSafely('file:///etc/passwd', { shell, logger: silentLogger })).toBe(false);
    expect(openExternalSafely('smb://host/share', { shell, logger: silentLogger })).toBe(false);
    expect(shell.opened).toEqual(['http://example.com/']);
  });

  it('survives the OS failing to open the link (the rejection is logged, not thrown)', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const shell = { openExternal: () => Promise.reject(new Error('no browser')) };
    expect(openExternalSafely('https://example.com/', { shell, logger })).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual(['the OS could not open a link']);
  });
});
