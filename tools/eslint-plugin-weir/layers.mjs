/**
 * @module README: `weir/layers` keeps imports pointing down the engine's layer list (DESIGN.md §5).
 *
 * - A file in `packages/weir/src/<layer>/...` may import its own layer and the layers listed for it
 *   in `LAYERS` below: checked for `import`, `import type`, `export ... from`, `import()` with a
 *   string literal and `import('...')` types. Engine code imports relatively: importing `weir` or
 *   any other workspace package from inside `packages/weir/src` is an error, as is a relative path
 *   that leaves the engine package or a folder of `src/` that is not a layer.
 * - Files directly in `packages/weir/src/` (`index.ts`, `testing.ts`: the public entry points) may
 *   import every layer. Layer code may not import them (they sit on top); test files
 *   (`*.test.ts`) may, because our own tests use the public testing kit.
 * - Every other file the rule runs on (other workspace packages, examples) is a consumer: it may
 *   import only the public API (`weir`, `weir/testing`), never `weir/src/...` nor a relative path
 *   into `packages/weir`. Files of the engine package outside `src/` (e.g. `bin/`) are exempt.
 *
 * Options (all optional): `{ workspaceRoot, engineSrc, packageName, publicEntries, workspacePackages }`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Which layers each layer may import besides itself. The single source of truth for the rule. */
export const LAYERS = Object.freeze({
  core: [],
  types: ['core'],
  graph: ['core', 'types'],
  state: ['core', 'types'],
  operators: ['core', 'types', 'state'],
  api: ['core', 'types', 'graph', 'state', 'operators', 'connectors', 'checkpoint'],
  checkpoint: ['core', 'types', 'graph', 'state'],
  runtime: ['core', 'types', 'graph', 'state', 'operators', 'checkpoint'],
  cluster: ['core', 'types', 'graph', 'state', 'operators', 'checkpoint', 'runtime', 'api'],
  connectors: ['core', 'types', 'state', 'operators'],
  rest: ['core', 'types', 'graph', 'state', 'operators', 'api', 'checkpoint', 'runtime', 'cluster', 'connectors'],
  cli: ['core', 'types', 'graph', 'state', 'operators', 'api', 'checkpoint', 'runtime', 'cluster', 'connectors', 'rest'],
});

const SEE = 'see DESIGN.md §5';
const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;

const toPosix = (p) => p.split(path.sep).join('/');
const isInside = (rel) => rel !== '' && !rel.startsWith('../') && rel !== '..' && !path.isAbsolute(rel);

const workspaceRootCache = new Map();
/** The nearest directory above `dir` whose package.json declares workspaces. */
function findWorkspaceRoot(dir) {
  if (workspaceRootCache.has(dir)) return workspaceRootCache.get(dir);
  let found;
  const file = path.join(dir, 'package.json');
  if (existsSync(file)) {
    try {
      if (JSON.parse(readFileSync(file, 'utf8')).workspaces) found = dir;
    } catch {
      // unreadable package.json: keep walking up
    }
  }
  if (found === undefined) {
    const parent = path.dirname(dir);
    found = parent === dir ? null : findWorkspaceRoot(parent);
  }
  workspaceRootCache.set(dir, found);
  return found;
}

const packageNamesCache = new Map();
/** Names of the workspace packages found in `<root>/packages/<name>/package.json`. */
function workspacePackageNames(root) {
  if (packageNamesCache.has(root)) return packageNamesCache.get(root);
  const names = [];
  const dir = path.join(root, 'packages');
  if (existsSync(dir)) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      try {
        const { name } = JSON.parse(readFileSync(file, 'utf8'));
        if (typeof name === 'string') names.push(name);
      } catch {
        // a package being created right now; its name will be picked up on the next run
      }
    }
  }
  packageNamesCache.set(root, names);
  return names;
}

const matchesPackage = (specifier, name) => specifier === name || specifier.startsWith(`${name}/`);
const list = (layers) => (layers.length === 0 ? 'none' : layers.join(', '));

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: {
      description: "Enforce the engine's layer import direction (DESIGN.md §5) and public-API-only imports from other packages",
    },
    schema: [
      {
        type: 'object',
        properties: {
          workspaceRoot: { type: 'string' },
          engineSrc: { type: 'string' },
          packageName: { type: 'string' },
          publicEntries: { type: 'array', items: { type: 'string' } },
          workspacePackages: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      upward: "layer '{{from}}' may not import '{{to}}' (allowed: {{allowed}}); " + SEE,
      entryPoint:
        "layer '{{from}}' may not import the public entry point '{{to}}': entry points sit on top of every layer; import the module itself; " +
        SEE,
      unknownLayer:
        "'{{layer}}' is not a layer of the engine; engine code lives in packages/weir/src/<layer>/ with <layer> one of: {{layers}}; " + SEE,
      unknownTarget:
        "'{{specifier}}' points into '{{layer}}', which is not a layer of the engine (layers: {{layers}}); " + SEE,
      leavesEngine:
        "'{{specifier}}' leaves the engine package; engine code may import only files inside packages/weir; " + SEE,
      packageFromEngine:
        "engine code imports relatively: '{{specifier}}' is a workspace package; import the module from its layer with a relative path; " +
        SEE,
      internals:
        "'{{specifier}}' reaches into the engine's internals; import the public API ({{publicEntries}}) instead; " + SEE,
    },
  },

  create(context) {
    const options = context.options[0] ?? {};
    const filename = context.filename ?? context.getFilename();
    if (!path.isAbsolute(filename)) return {};

    const root = options.workspaceRoot ?? findWorkspaceRoot(path.dirname(filename)) ?? context.cwd;
    const engineSrc = options.engineSrc ?? 'packages/weir/src';
    const engineDir = path.posix.dirname(engineSrc);
    const packageName = options.packageName ?? 'weir';
    const publicEntries = options.publicEntries ?? [packageName, `${packageName}/testing`];
    const workspacePackages = options.workspacePackages ?? workspacePackageNames(root);

    const fileRel = toPosix(path.relative(root, filename));
    if (!isInside(fileRel)) return {};

    /** Where a workspace-relative path sits: an engine layer, an entry file, elsewhere in the engine package, or outside. */
    function locate(rel) {
      const inSrc = path.posix.relative(engineSrc, rel);
      if (isInside(inSrc)) {
        const slash = inSrc.indexOf('/');
        return slash === -1 ? { kind: 'entry', name: inSrc } : { kind: 'layer', name: inSrc.slice(0, slash) };
      }
      if (isInside(path.posix.relative(engineDir, rel))) return { kind: 'package' };
      return { kind: 'outside' };
    }

    const self = locate(fileRel);
    if (self.kind === 'package') return {}; // bin/ and friends wire the entry points; exempt
    const isTest = TEST_FILE.test(filename);
    const knownLayer = self.kind === 'layer' && Object.hasOwn(LAYERS, self.name);
    const layerNames = Object.keys(LAYERS).join(', ');

    function checkEngine(node, specifier) {
      if (!specifier.startsWith('.') && !specifier.startsWith('/')) {
        const pkg = workspacePackages.find((name) => matchesPackage(specifier, name));
        if (matchesPackage(specifier, packageName) || pkg !== undefined) {
          context.report({ node, messageId: 'packageFromEngine', data: { specifier } });
        }
        return; // node: builtins and third-party dependencies are another lint's business
      }
      const target = locate(toPosix(path.relative(root, path.resolve(path.dirname(filename), specifier))));
      if (target.kind === 'outside') {
        context.report({ node, messageId: 'leavesEngine', data: { specifier } });
        return;
      }
      if (target.kind === 'package' || self.kind === 'entry' || !knownLayer) return;
      if (target.kind === 'entry') {
        if (!isTest) context.report({ node, messageId: 'entryPoint', data: { from: self.name, to: target.name } });
        return;
      }
      if (!Object.hasOwn(LAYERS, target.name)) {
        context.report({ node, messageId: 'unknownTarget', data: { specifier, layer: target.name, layers: layerNames } });
        return;
      }
      const allowed = LAYERS[self.name];
      if (target.name !== self.name && !allowed.includes(target.name)) {
        context.report({ node, messageId: 'upward', data: { from: self.name, to: target.name, allowed: list(allowed) } });
      }
    }

    function checkConsumer(node, specifier) {
      const publicList = publicEntries.map((e) => `'${e}'`).join(', ');
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = locate(toPosix(path.relative(root, path.resolve(path.dirname(filename), specifier))));
        if (target.kind !== 'outside') {
          context.report({ node, messageId: 'internals', data: { specifier, publicEntries: publicList } });
        }
        return;
      }
      if (matchesPackage(specifier, packageName) && !publicEntries.includes(specifier)) {
        context.report({ node, messageId: 'internals', data: { specifier, publicEntries: publicList } });
      }
    }

    const check = self.kind === 'outside' ? checkConsumer : checkEngine;
    /** Checks a module specifier node when it is a plain string (a computed `import()` cannot be resolved). */
    function checkSource(source) {
      if (!source) return;
      if (source.type === 'Literal' && typeof source.value === 'string') {
        check(source, source.value);
      } else if (source.type === 'TemplateLiteral' && source.expressions.length === 0) {
        check(source, source.quasis[0].value.cooked);
      }
    }

    return {
      Program(node) {
        if (self.kind === 'layer' && !knownLayer) {
          context.report({ node, loc: { line: 1, column: 0 }, messageId: 'unknownLayer', data: { layer: self.name, layers: layerNames } });
        }
      },
      ImportDeclaration: (node) => checkSource(node.source),
      ExportNamedDeclaration: (node) => checkSource(node.source),
      ExportAllDeclaration: (node) => checkSource(node.source),
      ImportExpression: (node) => checkSource(node.source),
      // `typeof import('../runtime/task.ts')` and `import('../x.ts').Foo` in type positions
      TSImportType(node) {
        const arg = node.argument;
        checkSource(arg?.type === 'TSLiteralType' ? arg.literal : arg);
      },
      TSExternalModuleReference: (node) => checkSource(node.expression),
    };
  },
};
