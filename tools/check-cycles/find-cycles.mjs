/**
 * @module Finds import cycles among the workspace's own modules. Every import counts: value, `import type`,
 * `export ... from`, `import('...')` with a literal and `require('...')`. scripts/check-cycles.mjs is the CLI.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Where the project's own modules live, relative to the root; `*` stands for one directory name. */
export const SOURCE_ROOTS = Object.freeze(['packages/*/src', 'examples', 'bench', 'test', 'scripts', 'tools']);

const MODULE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage']);
const EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];
/** TypeScript lets `./x.js` name `./x.ts`; try the source file first. */
const SOURCE_FOR_OUTPUT = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };

/**
 * Every module file under `roots` of `root`, as sorted posix paths relative to `root`. Skips
 * dependency, build and hidden folders (`.weir`, `.tmp`, ...) the way scripts/run-tests.mjs does.
 */
export function listModuleFiles(root, roots = SOURCE_ROOTS) {
  const files = new Set();
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && MODULE_FILE.test(entry.name)) files.add(child);
    }
  };
  const expand = (done, rest) => {
    if (rest.length === 0) {
      walk(done);
      return;
    }
    const [segment, ...more] = rest;
    if (segment !== '*') {
      const next = done === '' ? segment : `${done}/${segment}`;
      if (existsSync(path.join(root, next))) expand(next, more);
      return;
    }
    for (const entry of readdirSync(path.join(root, done), { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIP_DIRS.has(entry.name)) {
        expand(`${done}/${entry.name}`, more);
      }
    }
  };
  for (const pattern of roots) expand('', pattern.split('/'));
  return [...files].sort();
}

/** The module specifiers a source text imports, re-exports or loads with a literal `import()`. */
export function importSpecifiers(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((ref) => ref.fileName);
}

/**
 * The module of `modules` that `specifier`, written in module `from`, names; `undefined` for bare
 * specifiers (packages, `node:` builtins) and for paths that are not among `modules`.
 */
export function resolveImport(from, specifier, modules) {
  const relative = specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
  if (!relative) return undefined;
  const target = path.posix.join(path.posix.dirname(from), specifier).replace(/\/+$/, '');
  const extension = path.posix.extname(target);
  const candidates = [target];
  for (const source of SOURCE_FOR_OUTPUT[extension] ?? []) candidates.push(target.slice(0, -extension.length) + source);
  for (const ext of EXTENSIONS) candidates.push(target + ext);
  for (const ext of EXTENSIONS) candidates.push(path.posix.join(target, `index${ext}`));
  return candidates.find((candidate) => modules.has(candidate));
}

/** Module path -> the sorted, distinct modules it imports, for `sources` (path -> text, a Map or an object). */
export function buildImportGraph(sources) {
  const entries = sources instanceof Map ? [...sources] : Object.entries(sources);
  const modules = new Set(entries.map(([file]) => file));
  const graph = new Map();
  for (const [file, text] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const targets = new Set();
    for (const specifier of importSpecifiers(text)) {
      const target = resolveImport(file, specifier, modules);
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/**
 * The import cycles among `sources` (module path -> source text): one entry per strongly connected
 * group of two or more modules, and one per module that imports itself. `path` is the shortest cycle
 * through the group's first module, starting and ending with it; `members` is the whole group.
 *
 * @example
 * findImportCycles({ 'a.ts': "import './b.ts';", 'b.ts': "import type { A } from './a.ts';" })
 * // { modules: 2, cycles: [{ members: ['a.ts', 'b.ts'], path: ['a.ts', 'b.ts', 'a.ts'] }] }
 */
export function findImportCycles(sources) {
  const graph = buildImportGraph(sources);
  const cycles = [];
  for (const component of stronglyConnectedComponents(graph)) {
    const members = component.sort();
    if (members.length > 1) cycles.push({ members, path: shortestCycleThrough(members[0], graph, new Set(members)) });
  }
  for (const [file, targets] of graph) {
    if (targets.includes(file)) cycles.push({ members: [file], path: [file, file] });
  }
  cycles.sort((a, b) => (a.path[0] < b.path[0] ? -1 : a.path[0] > b.path[0] ? 1 : a.members.length - b.members.length));
  return { modules: graph.size, cycles };
}

/** One line for a cycle: `a.ts -> b.ts -> a.ts`, naming the rest of the group when the path misses some. */
export function formatCycle({ members, path: cycle }) {
  const line = cycle.join(' -> ');
  const others = members.filter((member) => !cycle.includes(member));
  return others.length === 0 ? line : `${line} (same cycle group: ${others.join(', ')})`;
}

/** Tarjan's algorithm, iterative so deep import chains cannot overflow the call stack. */
function stronglyConnectedComponents(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const enter = (node) => {
    index.set(node, index.size);
    low.set(node, index.get(node));
    stack.push(node);
    onStack.add(node);
    return { node, next: 0 };
  };
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [enter(start)];
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = graph.get(frame.node);
      if (frame.next < targets.length) {
        const target = targets[frame.next++];
        if (!index.has(target)) work.push(enter(target));
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node), index.get(target)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** Breadth-first from `start` inside `members` back to `start`: the fewest hops that close the cycle. */
function shortestCycleThrough(start, graph, members) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    for (const target of graph.get(node)) {
      if (target === start && node !== start) {
        const cycle = [];
        for (let step = node; step !== null; step = previous.get(step)) cycle.push(step);
        return [...cycle.reverse(), start];
      }
      if (members.has(target) && !previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  throw new Error(`bug: ${start} is in a strongly connected group but no cycle leads back to it`);
}
