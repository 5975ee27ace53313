import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, contentTypeFor, resolveStaticTarget } from '../../../../main/server/static-files';

describe('static path resolution', () => {
  it('maps the page, assets and client routes', () => {
    expect(resolveStaticTarget('/')).toEqual({ kind: 'page' });
    expect(resolveStaticTarget('/index.html')).toEqual({ kind: 'page' });
    expect(resolveStaticTarget('/assets/app.js')).toEqual({ kind: 'file', segments: ['assets', 'app.js'], clientRoute: false });
    expect(resolveStaticTarget('/projects/demo')).toEqual({ kind: 'file', segments: ['projects', 'demo'], clientRoute: true });
    expect(resolveStaticTarget('/assets/font%20name.woff2')).toEqual({ kind: 'file', segments: ['assets', 'font name.woff2'], clientRoute: false });
  });

  it.each([
    '/../package.json',
    '/assets/../../package.json',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E/package.json',
    '/..%2fpackage.json',
    '/..%2Fpackage.json',
    '/%2e%2e%5cpackage.json',
    '/..\\package.json',
    '//etc/passwd',
    '/assets/..%252f..%252fpackage.json',
    '/index.html%00.js',
    '/a\u0000b',
    '/C:/Windows/win.ini',
    '/./index.html',
    '/%',
    'relative/path',
  ])('refuses %j', (raw) => {
    expect(resolveStaticTarget(raw)).toEqual({ kind: 'refused' });
  });

  it('answers content types by extension', () => {
    expect(contentTypeFor('a/app.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('app.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('x.woff2')).toBe('font/woff2');
    expect(contentTypeFor('blob')).toBe('application/octet-stream');
  });

  it('has a CSP without unsafe-eval or inline scripts', () => {
    expect(contentSecurityPolicy).not.toContain('unsafe-eval');
    expect(contentSecurityPolicy).toContain("script-src 'self';");
    expect(contentSecurityPolicy).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy).toContain("connect-src 'self' ws: wss:");
  });

  it('lets notebooks run Monaco\'s worker and show HTML outputs in frames of this origin only, fonts and images from data: URLs', () => {
    expect(contentSecurityPolicy).toContain("worker-src 'self';");
    expect(contentSecurityPolicy).toContain("frame-src 'self';");
    expect(contentSecurityPolicy).toContain("font-src 'self' data:");
    expect(contentSecurityPolicy).toContain("img-src 'self' data: blob:");
  });
});
