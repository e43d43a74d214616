/**
 * @module Tests for the import-cycle finder behind scripts/check-cycles.mjs.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findImportCycles, formatCycle, importSpecifiers, listModuleFiles, resolveImport } from './find-cycles.mjs';

/** The cycle paths only, which is what most tests care about. */
const cyclePaths = (sources) => findImportCycles(sources).cycles.map((cycle) => cycle.path);

describe('findImportCycles', () => {
  it('finds nothing when imports only point one way', () => {
    const sources = {
      'src/core/ids.ts': 'export type Id = string;',
      'src/state/table.ts': "import type { Id } from '../core/ids.ts';\nimport { readFile } from 'node:fs';",
      'src/runtime/task.ts': "import { table } from '../state/table.ts';\nexport { table } from '../state/table.ts';",
    };
    assert.deepEqual(findImportCycles(sources), { modules: 3, cycles: [] });
  });

  it('reports two modules that import each other', () => {
    const sources = { 'a.ts': "import { b } from './b.ts';", 'b.ts': "import { a } from './a.ts';" };
    assert.deepEqual(findImportCycles(sources).cycles, [{ members: ['a.ts', 'b.ts'], path: ['a.ts', 'b.ts', 'a.ts'] }]);
  });

  it('reports a cycle through three modules in import order', () => {
    const sources = {
      'x/c.ts': "import { a } from '../a.ts';",
      'a.ts': "import { b } from './x/y/b.ts';",
      'x/y/b.ts': "import { c } from '../c.ts';",
    };
    assert.deepEqual(cyclePaths(sources), [['a.ts', 'x/y/b.ts', 'x/c.ts', 'a.ts']]);
  });

  it('reports a module that imports itself', () => {
    const sources = { 'a.ts': "import { self } from './a.ts';\nexport const self = 1;", 'b.ts': "import './a.ts';" };
    assert.deepEqual(findImportCycles(sources).cycles, [{ members: ['a.ts'], path: ['a.ts', 'a.ts'] }]);
  });

  it('counts type-only imports and re-exports as imports', () => {
    const sources = {
      'a.ts': "import type { B } from './b.ts';",
      'b.ts': "export type { A } from './c.ts';",
      'c.ts': "import { type A2 } from './a.ts';",
    };
    assert.deepEqual(cyclePaths(sources), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('counts dynamic imports and import types with a literal specifier', () => {
    const dynamic = { 'a.ts': "export const load = () => import('./b.ts');", 'b.ts': "import { load } from './a.ts';" };
    assert.deepEqual(cyclePaths(dynamic), [['a.ts', 'b.ts', 'a.ts']]);
    const importType = { 'a.ts': "type B = import('./b.ts').B;", 'b.ts': "import './a.ts';" };
    assert.deepEqual(cyclePaths(importType), [['a.ts', 'b.ts', 'a.ts']]);
  });

  it('ignores bare, builtin, missing and computed specifiers', () => {
    const sources = {
      'a.ts': [
        "import { b } from 'b';",
        "import { c } from 'weir/testing';",
        "import { readFile } from 'node:fs/promises';",
        "import { gone } from './missing.ts';",
        "import { outside } from '../a.ts';",
        'const m = await import(specifier);',
        "import data from './a.json' with { type: 'json' };",
      ].join('\n'),
      'b.ts': "import { a } from './a.ts';",
    };
    assert.deepEqual(findImportCycles(sources), { modules: 2, cycles: [] });
  });

  it('reports a whole strongly connected group once, through its first module', () => {
    // a -> b -> a and a -> c -> d -> a overlap in a: one group of four
    const sources = {
      'a.ts': "import './b.ts'; import './c.ts';",
      'b.ts': "import './a.ts';",
      'c.ts': "import './d.ts';",
      'd.ts': "import './a.ts';",
      'e.ts': "import './a.ts';",
    };
    const { cycles } = findImportCycles(sources);
    assert.equal(cycles.length, 1);
    assert.deepEqual(cycles[0], { members: ['a.ts', 'b.ts', 'c.ts', 'd.ts'], path: ['a.ts', 'b.ts', 'a.ts'] });
    assert.equal(formatCycle(cycles[0]), 'a.ts -> b.ts -> a.ts (same cycle group: c.ts, d.ts)');
  });

  it('reports separate groups separately, in path order', () => {
    const sources = {
      'p/a.ts': "import './b.ts';",
      'p/b.ts': "import './a.ts';",
      'q/a.ts': "import './b.ts';",
      'q/b.ts': "import './a.ts';",
    };
    assert.deepEqual(cyclePaths(sources), [
      ['p/a.ts', 'p/b.ts', 'p/a.ts'],
      ['q/a.ts', 'q/b.ts', 'q/a.ts'],
    ]);
  });

  it('handles an import chain deeper than the call stack', () => {
    const length = 20_000;
    const name = (i) => `m${i}.ts`;
    const sources = new Map(Array.from({ length }, (_, i) => [name(i), `import './${name((i + 1) % length)}';`]));
    const { cycles } = findImportCycles(sources);
    assert.equal(cycles.length, 1);
    assert.equal(cycles[0].path.length, length + 1);
  });
});

describe('importSpecifiers', () => {
  it('lists imports, re-exports, type imports, dynamic imports and requires', () => {
    const text = [
      "import a from './a.ts';",
      "import type { B } from './b.ts';",
      "export * from './c.ts';",
      "export { d } from './d.ts';",
      "const e = await import('./e.ts');",
      "const f = require('./f.cjs');",
      "// import { g } from './g.ts';",
      "const h = \"import('./h.ts')\";",
    ].join('\n');
    assert.deepEqual(importSpecifiers(text), ['./a.ts', './b.ts', './c.ts', './d.ts', './e.ts', './f.cjs']);
  });
});

describe('resolveImport', () => {
  const modules = new Set(['src/a.ts', 'src/b.mts', 'src/dir/index.ts', 'src/plain.ts', 'index.mjs']);

  it('resolves explicit extensions, .js written for .ts, missing extensions and index files', () => {
    assert.equal(resolveImport('src/x.ts', './a.ts', modules), 'src/a.ts');
    assert.equal(resolveImport('src/x.ts', './a.js', modules), 'src/a.ts');
    assert.equal(resolveImport('src/x.ts', './b.mjs', modules), 'src/b.mts');
    assert.equal(resolveImport('src/x.ts', './plain', modules), 'src/plain.ts');
    assert.equal(resolveImport('src/x.ts', './dir', modules), 'src/dir/index.ts');
    assert.equal(resolveImport('src/x.ts', './dir/', modules), 'src/dir/index.ts');
    assert.equal(resolveImport('src/dir/index.ts', '..', modules), undefined);
    assert.equal(resolveImport('src/x.ts', '..', modules), 'index.mjs');
  });

  it('returns undefined for bare specifiers and paths outside the module set', () => {
    assert.equal(resolveImport('src/x.ts', 'typescript', modules), undefined);
    assert.equal(resolveImport('src/x.ts', 'node:fs', modules), undefined);
    assert.equal(resolveImport('src/x.ts', './missing.ts', modules), undefined);
    assert.equal(resolveImport('src/x.ts', '../../src/a.ts', modules), undefined);
  });
});

describe('listModuleFiles', () => {
  it('walks the source roots and skips dependencies, build output and hidden folders', (t) => {
    const root = mkdtempSync(path.join(tmpdir(), 'weir-find-cycles-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const files = [
      'packages/weir/src/core/ids.ts',
      'packages/weir/src/index.ts',
      'packages/weir/bin/weir.mjs',
      'packages/weir/node_modules/dep/index.js',
      'scripts/run.mjs',
      'scripts/dist/out.js',
      'test/.tmp/scratch.ts',
      'test/readme.md',
      'elsewhere/a.ts',
    ];
    for (const file of files) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), '');
    }
    assert.deepEqual(listModuleFiles(root), ['packages/weir/src/core/ids.ts', 'packages/weir/src/index.ts', 'scripts/run.mjs']);
  });
});
