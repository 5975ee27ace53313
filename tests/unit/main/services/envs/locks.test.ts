// Snapshot parsing, diffing and export: pip freeze lines of every shape, conda exports, and the files written.
import { describe, expect, it } from 'vitest';
import { diffPackages, exportLockText, normalizeName, parseCondaExport, parseFreeze } from '../../../../../main/services/envs/locks';

const freeze = `# a comment
numpy==1.26.4
Pillow===10.0
my_pkg @ file:///tmp/pkgs/my_pkg-1.0-py3-none-any.whl
requests[socks]==2.31.0
-e git+file:///tmp/repo@abc123#egg=orrery_edit
--find-links /tmp
`;

const conda = `name: research
channels:
  - conda-forge
dependencies:
  - python=3.11.7=hab00c5b_0
  - numpy=1.26.4=py311h64a7726_0
  - pip:
    - torch==2.2.0
    - my-pkg @ file:///tmp/x.whl
prefix: /opt/conda/envs/research
`;

const lock = {
  id: 'lock_1',
  envId: 'env_1',
  envName: 'my env',
  createdAt: Date.UTC(2026, 0, 2),
  format: 'pip' as const,
  hash: 'a'.repeat(64),
  packageCount: 5,
  pythonVersion: '3.11.2',
  note: null,
  content: 'numpy==1.26.4\nmy_pkg @ file:///tmp/my_pkg.whl\n',
};

describe('snapshots', () => {
  it('normalizes names as PEP 503 does', () => {
    expect(normalizeName('My__Pkg.Name')).toBe('my-pkg-name');
  });

  it('parses pip freeze: pins, direct URLs, extras, editables; skips comments and options', () => {
    expect(parseFreeze(freeze)).toEqual([
      { name: 'numpy', version: '1.26.4' },
      { name: 'pillow', version: '10.0' },
      { name: 'my-pkg', version: 'file:///tmp/pkgs/my_pkg-1.0-py3-none-any.whl' },
      { name: 'requests', version: '2.31.0' },
      { name: 'orrery-edit', version: '-e git+file:///tmp/repo@abc123' },
    ]);
  });

  it('parses a conda export with its pip section', () => {
    expect(parseCondaExport(conda)).toEqual([
      { name: 'python', version: '3.11.7=hab00c5b_0' },
      { name: 'numpy', version: '1.26.4=py311h64a7726_0' },
      { name: 'pip:torch', version: '2.2.0' },
      { name: 'pip:my-pkg', version: 'file:///tmp/x.whl' },
    ]);
  });

  it('diffs two package sets: added, removed, changed, unchanged', () => {
    const from = parseFreeze('a==1\nb==1\nc==1\n');
    const to = parseFreeze('a==1\nB==2\nd==1\n');
    expect(diffPackages(from, to)).toEqual({
      added: [{ name: 'd', version: '1' }],
      removed: [{ name: 'c', version: '1' }],
      changed: [{ name: 'b', from: '1', to: '2' }],
      unchanged: 1,
    });
    expect(diffPackages(from, from)).toEqual({ added: [], removed: [], changed: [], unchanged: 3 });
  });

  it('exports a pip snapshot as requirements.txt and environment.yml', () => {
    const requirements = exportLockText(lock, 'requirements');
    expect(requirements.fileName).toBe('requirements.txt');
    expect(requirements.text).toMatch(/^# my env, Python 3\.11\.2, snapshot lock_1 of 2026-01-02/);
    expect(requirements.text).toContain(lock.content);
    const yml = exportLockText(lock, 'environment-yml');
    expect(yml).toEqual({
      fileName: 'environment.yml',
      text: 'name: my-env\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n      - "numpy==1.26.4"\n      - "my_pkg @ file:///tmp/my_pkg.whl"\n',
    });
  });

  it('exports a conda snapshot as environment.yml unchanged and as requirements', () => {
    const condaLock = { ...lock, format: 'conda' as const, content: conda };
    expect(exportLockText(condaLock, 'environment-yml').text).toBe(conda);
    const text = exportLockText(condaLock, 'requirements').text;
    expect(text).toContain('numpy==1.26.4\n');
    expect(text).toContain('torch==2.2.0\n');
    expect(text).toContain('my-pkg @ file:///tmp/x.whl');
  });
});
