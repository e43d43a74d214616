#!/usr/bin/env node
/**
 * @module `npm run lint`'s import-cycle check: reads the project's own modules (tools/check-cycles/
 * find-cycles.mjs lists where) and exits 1 if any of them import each other in a cycle, type-only included.
 *
 * Usage: node scripts/check-cycles.mjs
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findImportCycles, formatCycle, listModuleFiles } from '../tools/check-cycles/find-cycles.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');

const sources = new Map(listModuleFiles(ROOT).map((file) => [file, readFileSync(path.join(ROOT, file), 'utf8')]));
const { modules, cycles } = findImportCycles(sources);

if (cycles.length === 0) {
  console.log(`no import cycles in ${modules} modules`);
} else {
  for (const cycle of cycles) console.error(`import cycle: ${formatCycle(cycle)}`);
  console.error(
    `${cycles.length} import cycle${cycles.length === 1 ? '' : 's'} in ${modules} modules. Imports point down ` +
      'the layer list (STYLE.md 2, DESIGN.md §5): move the shared piece into the lower module, or pass it in.',
  );
  process.exitCode = 1;
}
