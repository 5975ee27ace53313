// The web host's HTTP side: token (401), static files, path traversal (404, nothing leaked), headers, cookie flow.
import { readFile, symlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetJs, pageHtml, rawRequest, startHarness, type WebHostHarness } from './web-host-harness';

let harness: WebHostHarness;
let port: number;
let token: string;
let packageJson: string;

beforeAll(async () => {
  harness = await startHarness();
  port = harness.host.port;
  token = harness.host.token;
  packageJson = await readFile(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8');
  // A link inside the static folder to a file outside it must not be followed out.
  await symlink(path.resolve(__dirname, '..', '..', 'package.json'), path.join(harness.base, 'static', 'assets', 'leak.json'));
});

afterAll(async () => {
  await harness?.dispose();
});

describe('web host: the token', () => {
  it('listens on loopback with a random 32-byte token', () => {
    expect(harness.host.host).toBe('127.0.0.1');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(harness.host.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
  });

  it.each([
    ['the page without a token', '/', {}],
    ['the page with a wrong token', '/?token=wrong-token-value', {}],
    ['an asset without a token', '/assets/app.js', {}],
    ['an asset with a wrong Bearer token', '/assets/app.js', { authorization: 'Bearer wrong-token-value' }],
    ['an asset with a wrong cookie', '/assets/app.js', { cookie: 'orrery_token=wrong-token-value' }],
    ['a missing file without a token', '/nothing-here.js', {}],
    ['the page with a token one character short', '/?token=TOKEN_SHORT', {}],
  ])('answers 401 for %s, showing nothing of the app', async (_what, rawPath, headers) => {
    const answer = await rawRequest(port, rawPath.replace('TOKEN_SHORT', token.slice(0, -1)), headers as Record<string, string>);
    expect(answer.status).toBe(401);
    expect(answer.body).not.toContain('orrery-test');
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.headers['content-security-policy']).toBeDefined();
  });

  it('serves the page with the token in the query and sets the HttpOnly SameSite=Strict cookie', async () => {
    const answer = await rawRequest(port, `/?token=${token}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(pageHtml);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['set-cookie']).toEqual([`orrery_token=${token}; HttpOnly; SameSite=Strict; Path=/`]);
  });

  it('lets the cookie alone open the page and its assets (the browser flow)', async () => {
    const first = await rawRequest(port, `/?token=${token}`);
    const cookie = first.headers['set-cookie']![0]!.split(';')[0]!;
    const asset = await rawRequest(port, '/assets/app.js', { cookie });
    expect(asset.status).toBe(200);
    expect(asset.body).toBe(assetJs);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const page = await rawRequest(port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
  });

  it('accepts a Bearer header (scripts)', async () => {
    const answer = await rawRequest(port, '/assets/app.js', { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(assetJs);
  });
});

describe('web host: headers and static files', () => {
  it('sends the security headers: a CSP without unsafe-eval, nosniff, no referrer, no framing', async () => {
    const answer = await rawRequest(port, `/assets/app.js?token=${token}`);
    const csp = String(answer.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain("connect-src 'self' ws: wss:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['x-frame-options']).toBe('DENY');
  });

  it('answers client routes (no extension) with the page, a missing asset with 404', async () => {
    const route = await rawRequest(port, `/projects/demo?token=${token}`);
    expect(route.status).toBe(200);
    expect(route.body).toBe(pageHtml);
    expect(route.headers['cache-control']).toBe('no-store');
    const missing = await rawRequest(port, `/assets/missing.js?token=${token}`);
    expect(missing.status).toBe(404);
  });

  it('revalidates assets by ETag', async () => {
    const first = await rawRequest(port, `/assets/app.js?token=${token}`);
    expect(first.headers.etag).toBeDefined();
    const again = await rawRequest(port, `/assets/app.js?token=${token}`, { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await rawRequest(port, `/assets/app.js?token=${token}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(assetJs)));
    expect(head.body).toBe('');
    const post = await rawRequest(port, `/?token=${token}`, {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers a plain GET on the WebSocket path with 426', async () => {
    expect((await rawRequest(port, `/ws?token=${token}`)).status).toBe(426);
  });
});

describe('web host: path traversal', () => {
  it.each([
    '/../package.json',
    '/assets/../../package.json',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/..%2Fpackage.json',
    '/%2e%2e%5cpackage.json',
    '/..\\package.json',
    '//etc/passwd',
    '///etc/passwd',
    '/assets/..%252f..%252fpackage.json',
    '/assets/%252e%252e/%252e%252e/package.json',
    '/index.html%00',
    '/%00/etc/passwd',
    '/C:/Windows/win.ini',
    '/assets/leak.json',
    '/assets/./app.js',
  ])('answers %s with 404 and no file content', async (rawPath) => {
    const separator = rawPath.includes('?') ? '&' : '?';
    const answer = await rawRequest(port, `${rawPath}${separator}token=${token}`);
    expect(answer.status).toBe(404);
    expect(answer.body).toBe('Not found\n');
    expect(answer.body).not.toContain(packageJson.slice(0, 20));
    expect(answer.body).not.toContain('root:');
    expect(answer.body).not.toContain(harness.base);
  });

  it('answers a raw NUL in the path without serving anything', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve({ status: Number(text.split(' ')[1]), body: text }));
      socket.on('error', reject);
      socket.end(`GET /index.html\u0000/../../package.json?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1');
    });
    expect([400, 404]).toContain(answer.status);
    expect(answer.body).not.toContain('orrery-test-page');
    expect(answer.body).not.toContain(packageJson.slice(0, 20));
  });
});

describe('web host: artifact downloads', () => {
  it("serves a blob of the open project's store as a download, only with the token, only by its sha256", async () => {
    const project = await harness.core.services.projects.create({ path: path.join(harness.base, 'with-artifacts'), name: 'A' });
    expect(project.name).toBe('A');
    const put = await harness.core.services.projects.requireCurrent().artifacts.put(['checkpoint bytes']);
    const asked = `/artifacts/${put.hash}?name=${encodeURIComponent('../model é.pt')}`;
    expect((await rawRequest(port, asked)).status).toBe(401);
    const answer = await rawRequest(port, asked, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('checkpoint bytes');
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="model _.pt"; filename*=UTF-8''${encodeURIComponent('model é.pt')}`);
    expect((await rawRequest(port, `/artifacts/${'0'.repeat(64)}`, { authorization: `Bearer ${token}` })).status).toBe(404);
    // Anything else under /artifacts is not an artifact: a client route answers the page, never the blob.
    for (const other of [`/artifacts/../${put.hash}`, `/artifacts/${put.hash.toUpperCase()}`, `/artifacts/${put.hash}/x`]) {
      expect((await rawRequest(port, other, { authorization: `Bearer ${token}` })).body).not.toContain('checkpoint bytes');
    }
  });
});
