import { describe, expect, it } from 'vitest';
import { baseName, joinPath, parentFolder, suggestNewProjectPath, suggestOpenPath } from '../../../../renderer/features/projects/paths';

describe('renderer path helpers', () => {
  it('splits POSIX and Windows paths', () => {
    expect(baseName('/a/b/')).toBe('b');
    expect(parentFolder('/a/b')).toBe('/a');
    expect(parentFolder('/a')).toBe('/');
    expect(parentFolder('C:\\Users\\me\\proj')).toBe('C:\\Users\\me');
    expect(joinPath('C:\\Users\\me', 'x')).toBe('C:\\Users\\me\\x');
    expect(joinPath('/', 'x')).toBe('/x');
  });

  it('suggests a free sibling of the anchor project for a new one', () => {
    expect(suggestNewProjectPath('/home/u/Orrery/sample', [])).toBe('/home/u/Orrery/new-project');
    expect(suggestNewProjectPath('/home/u/Orrery/sample', ['/home/u/Orrery/new-project', '/home/u/Orrery/new-project-2/'])).toBe('/home/u/Orrery/new-project-3');
    expect(suggestNewProjectPath(null, [])).toBe('');
    expect(suggestOpenPath('/home/u/Orrery/sample')).toBe('/home/u/Orrery/');
  });
});
