import { realpathSync } from 'node:fs';
import path from 'node:path';

/** Whether `file` is `root` or lies below it (both absolute, compared as written). */
export function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/**
 * Whether a local file lies inside one of `roots` once symbolic links are resolved (of the file, where it exists, and
 * of the roots), so that a link pointing out of a root is refused like `../`.
 */
export function insideRoots(file: string, roots: readonly string[]): boolean {
  const target = real(path.resolve(file));
  return roots.some((r) => isInside(real(r), target));
}
