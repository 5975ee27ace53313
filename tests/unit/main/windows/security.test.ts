import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  appPageUrl,
  contentSecurityPolicy,
  createSenderCheck,
  isAppUrl,
  isPermissionAllowed,
  isSafeExternalUrl,
  isTrustedFrame,
} from '../../../../main/windows/security';

const indexPath = path.resolve('/opt/Orrery/resources/app/out/renderer/index.html');
const appUrl = appPageUrl(indexPath);
const devUrl = 'http://127.0.0.1:5173/';

describe('appPageUrl', () => {
  it('is the file:// URL of the renderer page, or the dev URL when one is given', () => {
    expect(appUrl).toBe(pathToFileURL(indexPath).href);
    expect(appUrl.startsWith('file:///')).toBe(true);
    expect(appPageUrl(indexPath, 'http://localhost:5173')).toBe('http://localhost:5173/');
  });

  it('escapes characters of the path, so a folder named with spaces or # still matches itself', () => {
    const odd = path.resolve('/home/a b/#c/out/renderer/index.html');
    const url = appPageUrl(odd);
    expect(isAppUrl(url, url)).toBe(true);
    expect(isAppUrl(`${url}#/terminal`, url)).toBe(true);
  });
});

describe('isAppUrl', () => {
  it('accepts the page itself, with a hash route or a query', () => {
    expect(isAppUrl(appUrl, appUrl)).toBe(true);
    expect(isAppUrl(`${appUrl}#/projects`, appUrl)).toBe(true);
    expect(isAppUrl(`${appUrl}?project=x`, appUrl)).toBe(true);
  });

  it('refuses other files, other folders and look-alike paths', () => {
    expect(isAppUrl(pathToFileURL('/etc/passwd').href, appUrl)).toBe(false);
    expect(isAppUrl(pathToFileURL(path.join(path.dirname(indexPath), 'other.html')).href, appUrl)).toBe(false);
    expect(isAppUrl(`${appUrl}.evil.html`, appUrl)).toBe(false);
    expect(isAppUrl(pathToFileURL(path.join(path.dirname(indexPath), 'assets', '..', '..', 'index.html')).href, appUrl)).toBe(false);
  });

  it('refuses a file URL on another host (a network share) even with the same path', () => {
    expect(isAppUrl(appUrl.replace('file:///', 'file://evil.example/'), appUrl)).toBe(false);
  });

  it('refuses web pages, data:, javascript:, about: and garbage', () => {
    for (const url of ['https://example.com/', 'http://127.0.0.1:5173/', 'data:text/html,hi', 'javascript:alert(1)', 'about:blank', 'not a url', '']) {
      expect(isAppUrl(url, appUrl), url).toBe(false);
    }
  });

  it('with a dev server, accepts its origin only (any path), nothing else', () => {
    expect(isAppUrl('http://127.0.0.1:5173/', devUrl)).toBe(true);
    expect(isAppUrl('http://127.0.0.1:5173/index.html#/x', devUrl)).toBe(true);
    expect(isAppUrl('http://127.0.0.1:5174/', devUrl)).toBe(false);
    expect(isAppUrl('https://127.0.0.1:5173/', devUrl)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', devUrl)).toBe(false);
    expect(isAppUrl(appUrl, devUrl)).toBe(false);
  });

  it('never treats a non-http, non-file app URL as an origin to trust', () => {
    expect(isAppUrl('custom://x/', 'custom://x/')).toBe(false);
  });
});

describe('isSafeExternalUrl', () => {
  it('accepts http and https links with a host', () => {
    for (const url of ['https://example.com', 'http://example.com/a?b=c#d', 'https://docs.python.org/3/', 'https://127.0.0.1:8888/lab']) {
      expect(isSafeExternalUrl(url), url).toBe(true);
    }
  });

  it('refuses every other scheme: file, javascript, data, custom protocols, mail, smb', () => {
    const refused = [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'ms-msdt:/id PCWDiagnostic',
      'search-ms:query=calc',
      'vscode://file/etc/passwd',
      'mailto:a@b.c',
      'smb://server/share',
      'ftp://example.com/',
      'about:blank',
      'blob:https://example.com/uuid',
    ];
    for (const url of refused) expect(isSafeExternalUrl(url), url).toBe(false);
  });

  it('refuses credentials in the URL, hostless URLs, garbage, huge and non-string values', () => {
    expect(isSafeExternalUrl('https://user:pass@example.com/')).toBe(false);
    expect(isSafeExternalUrl('https://trusted.com@evil.example/')).toBe(false);
    expect(isSafeExternalUrl('http:')).toBe(false);
    expect(isSafeExternalUrl('https://')).toBe(false);
    expect(isSafeExternalUrl('example.com')).toBe(false);
    expect(isSafeExternalUrl('')).toBe(false);
    expect(isSafeExternalUrl(`https://example.com/${'a'.repeat(9000)}`)).toBe(false);
    expect(isSafeExternalUrl(undefined)).toBe(false);
    expect(isSafeExternalUrl({ href: 'https://example.com' })).toBe(false);
  });

  it('judges by the parsed scheme, so leading spaces or tabs do not smuggle one in', () => {
    expect(isSafeExternalUrl(' javascript:alert(1)')).toBe(false);
    expect(isSafeExternalUrl('java\tscript:alert(1)')).toBe(false);
  });
});

describe('sender check', () => {
  it('trusts only the top frame of the app page', () => {
    expect(isTrustedFrame({ url: appUrl, parent: null }, appUrl)).toBe(true);
    expect(isTrustedFrame({ url: `${appUrl}#/terminal`, parent: null }, appUrl)).toBe(true);
  });

  it('refuses a missing frame, a subframe of the app, and other pages', () => {
    expect(isTrustedFrame(null, appUrl)).toBe(false);
    expect(isTrustedFrame(undefined, appUrl)).toBe(false);
    expect(isTrustedFrame({ url: appUrl, parent: { url: appUrl } }, appUrl)).toBe(false);
    expect(isTrustedFrame({ url: 'https://example.com/', parent: null }, appUrl)).toBe(false);
    expect(isTrustedFrame({ url: 'about:blank', parent: null }, appUrl)).toBe(false);
  });

  it('refuses a frame that throws when read (disposed after it sent the message)', () => {
    const disposed = {
      parent: null,
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    };
    expect(isTrustedFrame(disposed, appUrl)).toBe(false);
  });

  it('createSenderCheck reads event.senderFrame', () => {
    const check = createSenderCheck(appUrl);
    expect(check({ senderFrame: { url: appUrl, parent: null } })).toBe(true);
    expect(check({ senderFrame: null })).toBe(false);
    expect(check({ senderFrame: { url: pathToFileURL('/tmp/evil.html').href, parent: null } })).toBe(false);
  });
});

describe('contentSecurityPolicy', () => {
  const directives = (policy: string) => new Map(policy.split(';').map((part) => {
    const [name, ...values] = part.trim().split(/\s+/);
    return [name, values] as const;
  }));

  it('allows scripts from the app only: no unsafe-eval, no unsafe-inline scripts, no remote hosts', () => {
    const policy = contentSecurityPolicy();
    expect(policy).not.toContain('unsafe-eval');
    const parsed = directives(policy);
    expect(parsed.get('script-src')).toEqual(["'self'"]);
    expect(parsed.get('default-src')).toEqual(["'self'"]);
    expect(parsed.get('object-src')).toEqual(["'none'"]);
    expect(parsed.get('base-uri')).toEqual(["'none'"]);
    expect(parsed.get('connect-src')).toEqual(["'self'"]);
  });

  it('lets notebooks run Monaco\'s worker, show HTML outputs in frames of the app only, and load KaTeX fonts and images', () => {
    const parsed = directives(contentSecurityPolicy());
    expect(parsed.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(parsed.get('frame-src')).toEqual(["'self'"]);
    expect(parsed.get('font-src')).toEqual(["'self'", 'data:']);
    expect(parsed.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
  });

  it('with a dev server adds its WebSocket to connect-src and nothing to script-src', () => {
    const parsed = directives(contentSecurityPolicy('http://127.0.0.1:5173/'));
    expect(parsed.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:5173']);
    expect(parsed.get('script-src')).toEqual(["'self'"]);
  });
});

describe('isPermissionAllowed', () => {
  it('grants clipboard-sanitized-write and nothing else', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write')).toBe(true);
    for (const permission of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'midi', 'hid', 'serial', 'usb']) {
      expect(isPermissionAllowed(permission), permission).toBe(false);
    }
  });
});

describe('the renderer page’s own CSP (what a file:// window relies on)', () => {
  // Electron runs no webRequest hooks for file:// pages, so the <meta> policy in renderer/index.html is the
  // one the packaged window enforces; the header from secureSession covers the dev server only.
  it('renderer/index.html declares a policy that allows scripts from the app only, and never eval', async () => {
    const { readFile } = await import('node:fs/promises');
    const html = await readFile(path.resolve(__dirname, '..', '..', '..', '..', 'renderer', 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    expect(meta, 'renderer/index.html has no CSP <meta> tag').not.toBeNull();
    const policy = meta![1]!;
    expect(policy).not.toContain('unsafe-eval');
    const scriptSrc = policy.split(';').map((part) => part.trim()).find((part) => part.startsWith('script-src'));
    expect(scriptSrc).toBe("script-src 'self'");
  });
});
