/** Path helpers for the renderer (no Node here): the separator is read from the path itself. */

/** `\` for Windows-looking paths, else `/`. */
export function separatorOf(path: string): '/' | '\\' {
  return path.includes('\\') && !path.includes('/') ? '\\' : '/';
}

function trimTrailing(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed === '' ? path.slice(0, 1) : trimmed;
}

/** The last part of a path (`/a/b/` → `b`). */
export function baseName(path: string): string {
  const trimmed = trimTrailing(path);
  const index = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return index < 0 ? trimmed : trimmed.slice(index + 1);
}

/** The folder holding a path (`/a/b` → `/a`, `/a` → `/`). */
export function parentFolder(path: string): string {
  const trimmed = trimTrailing(path);
  const index = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (index < 0) return '';
  if (index === 0) return trimmed.slice(0, 1);
  return trimmed.slice(0, index);
}

/** `parent` + separator + `name`. */
export function joinPath(parent: string, name: string): string {
  const sep = separatorOf(parent);
  return parent.endsWith('/') || parent.endsWith('\\') ? `${parent}${name}` : `${parent}${sep}${name}`;
}

/**
 * Where a new project could go: a sibling of the open (or most recent) project's folder, named `new-project`,
 * `new-project-2`, … avoiding the paths Orrery knows. Empty when there is no project to start from.
 */
export function suggestNewProjectPath(anchor: string | null, known: readonly string[]): string {
  if (!anchor) return '';
  const parent = parentFolder(anchor);
  if (!parent) return '';
  const taken = new Set(known.map(trimTrailing));
  for (let n = 1; n < 100; n++) {
    const candidate = joinPath(parent, n === 1 ? 'new-project' : `new-project-${n}`);
    if (!taken.has(candidate)) return candidate;
  }
  return joinPath(parent, 'new-project');
}

/** A starting value for "Open Project": the folder the open project sits in, with a trailing separator. */
export function suggestOpenPath(anchor: string | null): string {
  if (!anchor) return '';
  const parent = parentFolder(anchor);
  return parent ? joinPath(parent, '') : '';
}
