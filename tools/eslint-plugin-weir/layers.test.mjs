/**
 * @module Tests for `weir/layers`: allowed, upward, sideways, type-only, re-export and consumer imports.
 */
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { LAYERS, layersRule } from './layers.mjs';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;
RuleTester.afterAll = after;

const root = path.resolve(import.meta.dirname, '../..');
const options = [{ workspaceRoot: root, workspacePackages: ['weir', '@weir/sql', '@weir/connector-kafka'] }];
const file = (rel) => path.join(root, rel);
const inLayer = (layer, name = 'thing.ts') => file(`packages/weir/src/${layer}/${name}`);

const ruleTester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
});

const valid = (code, filename) => ({ code, filename, options });
const invalid = (code, filename, errors) => ({ code, filename, options, errors });
const upward = (from, to) => ({
  messageId: 'upward',
  data: { from, to, allowed: LAYERS[from].length === 0 ? 'none' : LAYERS[from].join(', ') },
});

ruleTester.run('weir/layers', layersRule, {
  valid: [
    // downward imports in every form
    valid("import { WeirError } from '../core/errors.ts';", inLayer('state')),
    valid("import type { TypeSerializer } from '../types/serializer.ts';", inLayer('state')),
    valid("export { ValueState } from '../state/value-state.ts';", inLayer('operators')),
    valid("export * from '../core/ids.ts';", inLayer('types')),
    valid("export * as ids from '../core/ids.ts';", inLayer('graph')),
    valid("const m = await import('../checkpoint/coordinator.ts');", inLayer('runtime')),
    valid("type T = import('../graph/job-graph.ts').JobGraph;", inLayer('checkpoint')),
    // the same layer, including nested folders inside it
    valid("import { a } from './other.ts';", inLayer('runtime')),
    valid("import { a } from '../io/channel.ts';", inLayer('runtime', 'exchange/gate.ts')),
    valid("import { a } from '../../core/ids.ts';", inLayer('runtime', 'exchange/gate.ts')),
    // the allowances that differ from a plain stack
    valid("import { JobMaster } from '../cluster/job-master.ts';", inLayer('rest')),
    valid("import { connectors } from '../connectors/index.ts';", inLayer('rest')),
    valid("import { server } from '../rest/server.ts';", inLayer('cli')),
    valid("import { env } from '../api/environment.ts';", inLayer('cluster')),
    // node builtins and third-party packages are not this rule's business
    valid("import { readFile } from 'node:fs/promises';", inLayer('core')),
    valid("import { something } from 'some-dependency';", inLayer('core')),
    // a dynamic import that cannot be resolved is skipped
    valid('const m = await import(specifier);', inLayer('core')),
    // entry points import every layer
    valid("export { MiniCluster } from './cluster/mini-cluster.ts';", file('packages/weir/src/testing.ts')),
    valid("export * from './cli/main.ts'; export * from './api/index.ts';", file('packages/weir/src/index.ts')),
    valid("import { version } from '../package.json' with { type: 'json' };", file('packages/weir/src/index.ts')),
    // tests beside the code may use the public testing kit
    valid("import { runJob } from '../../testing.ts';", inLayer('operators', 'map.test.ts')),
    // the engine package outside src (bin/) is exempt
    valid("import { main } from '../src/cli/main.ts';", file('packages/weir/bin/weir.mjs')),
    // consumers use the public API only
    valid("import { StreamExecutionEnvironment } from 'weir';", file('packages/sql/src/planner.ts')),
    valid("import type { JobResult } from 'weir/testing';", file('packages/sql/src/planner.test.ts')),
    valid("import { sql } from '@weir/sql';", file('packages/connector-kafka/src/source.ts')),
    valid("import { env } from 'weir';", file('examples/pageviews.ts')),
  ],
  invalid: [
    // upward
    // (the exact wording, once)
    invalid("import { Task } from '../runtime/task.ts';", inLayer('state'), [
      { message: "layer 'state' may not import 'runtime' (allowed: core, types); see DESIGN.md §5" },
    ]),
    invalid("import { JobMaster } from '../cluster/job-master.ts';", inLayer('runtime'), [upward('runtime', 'cluster')]),
    invalid("import type { Ids } from '../types/ids.ts';", inLayer('core'), [upward('core', 'types')]),
    invalid("import { main } from '../cli/main.ts';", inLayer('rest'), [upward('rest', 'cli')]),
    invalid("import { a } from '../../api/data-stream.ts';", inLayer('runtime', 'exchange/gate.ts'), [upward('runtime', 'api')]),
    // sideways (neither layer lists the other)
    invalid("import { StreamGraph } from '../graph/stream-graph.ts';", inLayer('state'), [upward('state', 'graph')]),
    invalid("import { HeapBackend } from '../state/heap.ts';", inLayer('graph'), [upward('graph', 'state')]),
    invalid("import { graph } from '../graph/stream-graph.ts';", inLayer('connectors'), [upward('connectors', 'graph')]),
    // type-only imports count too
    invalid("import type { Task } from '../runtime/task.ts';", inLayer('checkpoint'), [upward('checkpoint', 'runtime')]),
    invalid("import { type Task } from '../runtime/task.ts';", inLayer('operators'), [upward('operators', 'runtime')]),
    invalid("type T = import('../runtime/task.ts').Task;", inLayer('state'), [upward('state', 'runtime')]),
    invalid("export type { Task } from '../runtime/task.ts';", inLayer('state'), [upward('state', 'runtime')]),
    // re-exports
    invalid("export { Task } from '../runtime/task.ts';", inLayer('operators'), [upward('operators', 'runtime')]),
    invalid("export * from '../api/index.ts';", inLayer('graph'), [upward('graph', 'api')]),
    invalid("export * as rt from '../runtime/index.ts';", inLayer('checkpoint'), [upward('checkpoint', 'runtime')]),
    // dynamic import with a string literal (and a template without expressions)
    invalid("const m = await import('../cluster/mini-cluster.ts');", inLayer('api'), [upward('api', 'cluster')]),
    invalid('const m = await import(`../runtime/task.ts`);', inLayer('state'), [upward('state', 'runtime')]),
    invalid("import { x } from '../types/serializer.ts';", inLayer('core'), [
      { message: "layer 'core' may not import 'types' (allowed: none); see DESIGN.md §5" },
    ]),
    // layer code may not import the entry points
    invalid("import { env } from '../index.ts';", inLayer('connectors'), [
      { messageId: 'entryPoint', data: { from: 'connectors', to: 'index.ts' } },
    ]),
    // engine code imports relatively, never through a package name
    invalid("import { WeirError } from 'weir';", inLayer('api'), [{ messageId: 'packageFromEngine', data: { specifier: 'weir' } }]),
    invalid("import { kit } from 'weir/testing';", file('packages/weir/src/index.ts'), [
      { messageId: 'packageFromEngine', data: { specifier: 'weir/testing' } },
    ]),
    invalid("import { sql } from '@weir/sql';", inLayer('connectors'), [{ messageId: 'packageFromEngine', data: { specifier: '@weir/sql' } }]),
    // leaving the engine package, or a folder that is not a layer
    invalid("import { helper } from '../../../../test/helpers.ts';", inLayer('state'), [
      { messageId: 'leavesEngine', data: { specifier: '../../../../test/helpers.ts' } },
    ]),
    invalid("import { x } from '../utils/x.ts';", inLayer('state'), [
      { messageId: 'unknownTarget', data: { specifier: '../utils/x.ts', layer: 'utils', layers: Object.keys(LAYERS).join(', ') } },
    ]),
    invalid("export const x = 1;", inLayer('utils'), [
      { messageId: 'unknownLayer', data: { layer: 'utils', layers: Object.keys(LAYERS).join(', ') } },
    ]),
    // consumers: no internals, by package path or by relative path
    invalid("import { Task } from 'weir/src/runtime/task.ts';", file('packages/sql/src/planner.ts'), [
      { messageId: 'internals', data: { specifier: 'weir/src/runtime/task.ts', publicEntries: "'weir', 'weir/testing'" } },
    ]),
    invalid("import { Task } from '../../weir/src/runtime/task.ts';", file('packages/sql/src/planner.ts'), [
      { messageId: 'internals', data: { specifier: '../../weir/src/runtime/task.ts', publicEntries: "'weir', 'weir/testing'" } },
    ]),
    invalid("export * from '../packages/weir/src/index.ts';", file('examples/pageviews.ts'), [
      { messageId: 'internals', data: { specifier: '../packages/weir/src/index.ts', publicEntries: "'weir', 'weir/testing'" } },
    ]),
    // several findings in one file
    invalid(
      "import type { A } from '../api/a.ts';\nimport { B } from '../cluster/b.ts';\nimport { C } from '../core/c.ts';",
      inLayer('checkpoint'),
      [upward('checkpoint', 'api'), upward('checkpoint', 'cluster')],
    ),
  ],
});
