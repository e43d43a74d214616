/**
 * @module weir.yaml: the settings file with Flink's keys (`execution.checkpointing.interval`,
 * `state.checkpoints.dir`, `parallelism.default`, ...), flat or nested, as Flink 2's config.yaml.
 * Found at `--config <file>`, else `$WEIR_CONF_DIR/weir.yaml`, else `./weir.yaml`; optional.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { Configuration } from '../core/configuration.ts';
import { WeirError, describeCause } from '../core/errors.ts';
import { CHECKPOINTING_OPTIONS } from '../checkpoint/checkpoint-config.ts';
import { EXECUTION_OPTIONS } from '../api/execution-options.ts';
import { RESTART_OPTIONS } from './restart-strategy-options.ts';
import { NETWORK_OPTIONS } from './network-options.ts';
import { REST_OPTIONS } from './rest-options.ts';
import { SLOT_MEMORY_OPTIONS } from './slot-memory-options.ts';

export const CONFIG_FILE_NAME = 'weir.yaml';

/** Every option weir reads; other keys in weir.yaml are reported as unknown. */
export const KNOWN_OPTIONS = [...EXECUTION_OPTIONS, ...CHECKPOINTING_OPTIONS, ...RESTART_OPTIONS, ...NETWORK_OPTIONS, ...SLOT_MEMORY_OPTIONS, ...REST_OPTIONS];

export interface LoadedConfigFile {
  /** The file read, or undefined when there is none. */
  readonly path: string | undefined;
  /** Flat `key: value` entries, validated. */
  readonly entries: Readonly<Record<string, unknown>>;
  readonly unknownKeys: readonly string[];
}

/** Where weir.yaml is looked for when no path is given. */
export function defaultConfigPath(): string {
  const dir = process.env['WEIR_CONF_DIR'];
  return dir === undefined || dir === '' ? resolve(CONFIG_FILE_NAME) : join(resolve(dir), CONFIG_FILE_NAME);
}

/**
 * Reads and validates a weir.yaml. An explicit `path` must exist; the default location is optional.
 * Every invalid value is reported with its key and what is accepted.
 */
export function loadConfigFile(path?: string): LoadedConfigFile {
  const file = path === undefined ? defaultConfigPath() : resolve(path);
  if (!existsSync(file)) {
    if (path !== undefined) throw new WeirError('CONFIG_INVALID', `configuration file not found: ${path}`, { hint: 'give the path of a weir.yaml' });
    return { path: undefined, entries: {}, unknownKeys: [] };
  }
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new WeirError('CONFIG_INVALID', `${file} is not valid YAML: ${describeCause(error)}`, { cause: error });
  }
  if (raw === null || raw === undefined) return { path: file, entries: {}, unknownKeys: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WeirError('CONFIG_INVALID', `${file} must hold a mapping of settings (key: value), not ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  }
  let configuration: Configuration;
  try {
    configuration = Configuration.fromEntries(raw as Record<string, unknown>);
    for (const option of KNOWN_OPTIONS) configuration.get(option);
  } catch (error) {
    if (error instanceof WeirError) throw new WeirError(error.code, `${file}: ${error.message}`, { cause: error, hint: error.hint });
    throw error;
  }
  return { path: file, entries: configuration.toMap(), unknownKeys: configuration.unknownKeys(KNOWN_OPTIONS) };
}
