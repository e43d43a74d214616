/**
 * @module The `weir` ESLint plugin: project-local lint rules. Rules: `weir/layers` (the import
 * direction of the engine's layers, DESIGN.md §5). Loaded by eslint.config.mjs.
 */
import { LAYERS, layersRule } from './layers.mjs';

// ESLint's plugin format is a default-exported object; this file is tooling, not engine code.
const plugin = {
  meta: { name: 'eslint-plugin-weir', version: '0.0.0' },
  rules: { layers: layersRule },
};

export { LAYERS };
export default plugin;
