/**
 * @module Keeps the paths a REST request names (savepoint and checkpoint directories, job modules)
 * inside the directories the cluster was configured with: `..` segments, percent-encoded names,
 * absolute paths elsewhere and symbolic links that lead out are refused.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RestHandlerException } from './rest-handler-exception.ts';

/** A directory requests may name paths inside, with the option or flag that configured it. */
export interface AllowedDirectory {
  /** E.g. `state.savepoints.dir` or `--jobs-dir`. */
  readonly name: string;
  readonly path: string;
}

/**
 * Returns the real absolute path of `requested` when it lies inside one of `allowed`; a relative path
 * is taken relative to the first of them. Throws 400 for a path that tries `..` or percent-encoding or
 * when no directory is configured, and 403 for a path that is (or leads through a link) outside.
 *
 * @example
 * confinePath('sp-1', 'target-directory', [{ name: 'state.savepoints.dir', path: '/data/savepoints' }]);
 * // '/data/savepoints/sp-1'
 */
export function confinePath(requested: string, field: string, allowed: readonly AllowedDirectory[]): string {
  if (requested.includes('\0')) throw new RestHandlerException(400, `field '${field}': the path contains a NUL character`);
  if (/%[0-9a-f]{2}/i.test(requested)) {
    throw new RestHandlerException(400, `field '${field}': '${requested}' is percent-encoded; give the path as plain text`);
  }
  if (requested.split(/[\\/]/).includes('..')) {
    throw new RestHandlerException(400, `field '${field}': '${requested}' contains a '..' segment; give a path inside ${describe(allowed)}`);
  }
  const first = allowed[0];
  if (first === undefined) {
    throw new RestHandlerException(400, `field '${field}': the cluster has no directory configured for it, so it cannot be given`);
  }
  const target = isAbsolute(requested) ? resolve(requested) : resolve(first.path, requested);
  const lexical = allowed.filter((dir) => isInside(resolve(dir.path), target));
  if (lexical.length === 0) {
    throw new RestHandlerException(403, `field '${field}': '${requested}' is outside ${describe(allowed)}`);
  }
  let real: string;
  try {
    real = realTarget(target);
  } catch {
    throw new RestHandlerException(403, `field '${field}': '${requested}' leads through a symbolic link that points nowhere`);
  }
  for (const dir of allowed) {
    if (isInside(realDirectory(dir.path), real)) return real;
  }
  throw new RestHandlerException(403, `field '${field}': '${requested}' leads through a symbolic link to ${real}, outside ${describe(allowed)}`);
}

/** True when `path` is `dir` or below it (both absolute and normalized). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The path with every symbolic link of its existing part resolved; the part that does not exist yet is
 * appended. Throws for a link that points nowhere (writing through it would create its target).
 */
function realTarget(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (lstatSync(existing, { throwIfNoEntry: false }) === undefined) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(existing.slice(parent.length).replace(/^[\\/]/, ''));
    existing = parent;
  }
  return join(realpathSync(existing), ...rest);
}

function realDirectory(path: string): string {
  try {
    return realTarget(resolve(path));
  } catch {
    return resolve(path);
  }
}

function describe(allowed: readonly AllowedDirectory[]): string {
  return allowed.length === 0 ? 'the configured directories' : allowed.map((dir) => `${dir.name} (${dir.path})`).join(' or ');
}
