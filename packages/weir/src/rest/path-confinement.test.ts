import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { confinePath, isInside } from './path-confinement.ts';
import { RestHandlerException } from './rest-handler-exception.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'weir-confine-')));
after(() => rmSync(root, { recursive: true, force: true }));
const savepoints = join(root, 'savepoints');
const checkpoints = join(root, 'checkpoints');
const outside = join(root, 'outside');
for (const dir of [savepoints, checkpoints, outside]) mkdirSync(dir);
writeFileSync(join(outside, 'secret.ts'), 'export {};\n');
symlinkSync(outside, join(savepoints, 'escape'));
symlinkSync(join(checkpoints), join(savepoints, 'to-checkpoints'));
symlinkSync(join(root, 'nowhere'), join(savepoints, 'dangling'));
const ALLOWED = [
  { name: 'state.savepoints.dir', path: savepoints },
  { name: 'state.checkpoints.dir', path: checkpoints },
];

function refused(path: string, status: number, message: RegExp): void {
  assert.throws(
    () => confinePath(path, 'target-directory', ALLOWED),
    (error: unknown) => error instanceof RestHandlerException && error.status === status && message.test(error.message),
    `${path} should be refused with ${status}`,
  );
}

test('a relative path resolves inside the first directory; an absolute one may name any allowed directory', () => {
  assert.equal(confinePath('sp-1', 'target-directory', ALLOWED), join(savepoints, 'sp-1'));
  assert.equal(confinePath('a/b/c', 'target-directory', ALLOWED), join(savepoints, 'a/b/c'));
  assert.equal(confinePath(savepoints, 'target-directory', ALLOWED), savepoints);
  assert.equal(confinePath(join(checkpoints, 'job/chk-3'), 'target-directory', ALLOWED), join(checkpoints, 'job/chk-3'));
  assert.equal(confinePath('./x/./y', 'target-directory', ALLOWED), join(savepoints, 'x/y'));
});

test('a link between two allowed directories is followed and accepted', () => {
  assert.equal(confinePath('to-checkpoints/chk-1', 'target-directory', ALLOWED), join(checkpoints, 'chk-1'));
});

test('.. segments are refused even when they would end up inside', () => {
  refused('../outside', 400, /'\.\.' segment/);
  refused('sp/../../outside', 400, /'\.\.' segment/);
  refused('sp/../sp-2', 400, /'\.\.' segment/);
  refused(`${savepoints}/../outside`, 400, /'\.\.' segment/);
  refused('..\\outside', 400, /'\.\.' segment/);
});

test('percent-encoded paths are refused', () => {
  refused('%2e%2e/outside', 400, /percent-encoded/);
  refused('%2E%2E%2Foutside', 400, /percent-encoded/);
  refused('sp%00', 400, /percent-encoded/);
});

test('a NUL character is refused', () => {
  refused('sp\0/x', 400, /NUL/);
});

test('an absolute path elsewhere is refused with 403', () => {
  refused(outside, 403, /is outside state\.savepoints\.dir .* or state\.checkpoints\.dir/);
  refused('/etc/passwd', 403, /is outside/);
  refused(`${savepoints}-sibling/x`, 403, /is outside/);
});

test('a symbolic link that leads out is refused with 403, also below it and when dangling', () => {
  refused('escape', 403, /symbolic link to .*outside/);
  refused('escape/secret.ts', 403, /symbolic link to .*outside/);
  refused('escape/new/dir', 403, /symbolic link/);
  refused('dangling', 403, /points nowhere/);
  refused('dangling/x', 403, /points nowhere/);
});

test('no configured directory means the field cannot be given', () => {
  assert.throws(() => confinePath('sp', 'target-directory', []), (error: unknown) => error instanceof RestHandlerException && error.status === 400 && /no directory configured/.test(error.message));
});

test('isInside compares whole path segments', () => {
  assert.equal(isInside('/a/b', '/a/b'), true);
  assert.equal(isInside('/a/b', '/a/b/c'), true);
  assert.equal(isInside('/a/b', '/a/bc'), false);
  assert.equal(isInside('/a/b', '/a'), false);
  assert.equal(isInside('/a/b', '/a/b/..c'), true);
});
