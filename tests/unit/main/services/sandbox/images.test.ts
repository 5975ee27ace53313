import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aptMirror, debianMirrorIn, readBaseRecipe, splitTag } from '../../../../../main/services/sandbox/images';
import { installableRequirements, pipSource, projectImageTag } from '../../../../../main/services/sandbox/project-image';

describe('the apt mirror for debootstrap', () => {
  it('reads one-line and deb822 sources, skipping -security and third-party repositories', () => {
    expect(debianMirrorIn('deb [arch=amd64] http://ftp.de.debian.org/debian bookworm main\n')).toBe('http://ftp.de.debian.org/debian');
    const deb822 = 'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.local/debian\nSuites: bookworm\n';
    expect(debianMirrorIn(deb822)).toBe('http://mirror.local/debian');
    expect(debianMirrorIn('deb https://packages.cloud.google.com/apt cloud-sdk main\n')).toBeNull();
  });

  it('searches sources.list then sources.list.d, else answers the fallback', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orrery-apt-'));
    try {
      expect(await aptMirror('http://fallback/debian', dir)).toBe('http://fallback/debian');
      await mkdir(path.join(dir, 'sources.list.d'));
      await writeFile(path.join(dir, 'sources.list.d', 'debian.sources'), 'Types: deb\nURIs: http://here/debian\nSuites: bookworm\n');
      expect(await aptMirror('http://fallback/debian', dir)).toBe('http://here/debian');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('image names and recipes', () => {
  it('splits references into repository and tag (a registry port is not a tag)', () => {
    expect(splitTag('orrery/base:bookworm-1')).toEqual(['orrery/base', 'bookworm-1']);
    expect(splitTag('localhost:5000/x')).toEqual(['localhost:5000/x', 'latest']);
  });

  it('ships a base recipe with python3, ipykernel and pip', async () => {
    const recipe = await readBaseRecipe(path.resolve(__dirname, '../../../../../resources'));
    expect(recipe.tag).toBe('orrery/base:bookworm-1');
    expect(recipe.include).toEqual(expect.arrayContaining(['python3', 'python3-ipykernel', 'python3-pip']));
    expect(recipe.changes).toContain('LABEL orrery.image=base');
  });

  it('installs a lock offline from local wheels, or from an index the user named', () => {
    expect(pipSource({ wheelsDir: '/w' })).toBe('--no-index --find-links /wheels');
    expect(pipSource({ indexUrl: 'https://pypi.example/simple' })).toBe("--index-url 'https://pypi.example/simple'");
    expect(() => pipSource({ indexUrl: "https://x/'; rm -rf /" })).toThrow(/without quotes/);
    const { lines, left } = installableRequirements('# comment\nnumpy==1.26.0\n-e /home/u/pkg\nmine @ file:///home/u/mine.whl\n\n');
    expect(lines).toEqual(['numpy==1.26.0']);
    expect(left).toEqual(['-e /home/u/pkg', 'mine @ file:///home/u/mine.whl']);
    expect(projectImageTag('prj_AbC')).toBe('orrery/project-prj_abc:latest');
  });
});
