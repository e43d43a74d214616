/**
 * @module The state table for state kept per (key, namespace), such as window contents. Within a key
 * group, values are grouped by namespace first, then by key.
 *
 * Namespace first because a window operator has few live windows and many keys: one small, hot map of
 * namespaces leads to a key map as flat as the void-namespace table's, where a map of namespaces per
 * key would cost one extra `Map` per key and a cache miss per access (measured: about 2x slower per
 * record over 10k keys). It also makes "every key of this window" a single map walk.
 */
import type { Key } from '../core/key-groups.ts';
import type { InternalKeyContext, NormalizedKey } from './internal-key-context.ts';
import { VOID_NAMESPACE, VOID_NAMESPACE_ID, namespaceId } from './namespace-id.ts';
import { OriginalKeys } from './original-keys.ts';
import type { StateTable } from './state-table.ts';

/** The values of one namespace in one key group, and the namespace itself for iteration. */
export interface NamespaceEntries<S> {
  readonly namespace: unknown;
  readonly entries: Map<NormalizedKey, S>;
}

/** One key group's share of a namespaced state. */
export class NamespacedStateMap<S> {
  /** By namespace id; a namespace without entries is removed. */
  readonly namespaces = new Map<string, NamespaceEntries<S>>();
  /** Undefined until the first tuple key; counts one use per (key, namespace) entry. */
  originalKeys: OriginalKeys | undefined = undefined;

  originalKey(normalizedKey: NormalizedKey): Key {
    return this.originalKeys === undefined ? normalizedKey : this.originalKeys.originalKey(normalizedKey);
  }
}

/** Values by namespace and key, one `NamespacedStateMap` per key group; see `state-table.ts`. */
export class NamespacedStateTable<S> implements StateTable<S> {
  readonly name: string;
  readonly namespaced = true;
  /** Indexed by `keyGroup - keyGroupRange.start`; undefined until the key group's first write. */
  readonly stateMaps: (NamespacedStateMap<S> | undefined)[];
  private readonly keyContext: InternalKeyContext;
  private namespace: unknown = VOID_NAMESPACE;
  private namespaceId = VOID_NAMESPACE_ID;

  constructor(name: string, keyContext: InternalKeyContext) {
    this.name = name;
    this.keyContext = keyContext;
    this.stateMaps = new Array<NamespacedStateMap<S> | undefined>(keyContext.keyGroupRange.size).fill(undefined);
  }

  get(): S | undefined {
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return undefined;
    }
    return stateMap.namespaces.get(this.namespaceId)?.entries.get(context.normalizedKey);
  }

  getForUpdate(): S | undefined {
    return this.get();
  }

  put(value: S): void {
    const context = this.keyContext;
    let stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      stateMap = new NamespacedStateMap<S>();
      this.stateMaps[context.keyGroupIndex] = stateMap;
    }
    let namespace = stateMap.namespaces.get(this.namespaceId);
    if (namespace === undefined) {
      namespace = { namespace: this.namespace, entries: new Map() };
      stateMap.namespaces.set(this.namespaceId, namespace);
    }
    const entries = namespace.entries;
    const size = entries.size;
    entries.set(context.normalizedKey, value);
    if (entries.size !== size && context.tupleKey) (stateMap.originalKeys ??= new OriginalKeys()).retain(context.normalizedKey as string, context.key as Key);
  }

  remove(): void {
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return;
    }
    const namespace = stateMap.namespaces.get(this.namespaceId);
    if (namespace === undefined || !namespace.entries.delete(context.normalizedKey)) return;
    if (context.tupleKey) stateMap.originalKeys?.release(context.normalizedKey as string);
    // a window's last value gone means the window is gone: keeps the namespace map small
    if (namespace.entries.size === 0) stateMap.namespaces.delete(this.namespaceId);
  }

  setCurrentNamespace(namespace: unknown): void {
    // window operators set the same window for several states and records in a row
    if (namespace === this.namespace) return;
    this.namespaceId = namespaceId(namespace);
    this.namespace = namespace;
  }

  getCurrentNamespace(): unknown {
    return this.namespace;
  }

  mergeNamespaces(target: unknown, sources: Iterable<unknown>, merge: (a: S, b: S) => S): void {
    const previous = this.namespace;
    try {
      let merged: S | undefined;
      for (const source of sources) {
        this.setCurrentNamespace(source);
        const value = this.get();
        if (value === undefined) continue;
        this.remove();
        merged = merged === undefined ? value : merge(merged, value);
      }
      if (merged === undefined) return;
      this.setCurrentNamespace(target);
      const existing = this.getForUpdate();
      this.put(existing === undefined ? merged : merge(existing, merged));
    } finally {
      this.setCurrentNamespace(previous);
    }
  }

  *keys(namespace?: unknown): IterableIterator<Key> {
    if (namespace !== undefined) {
      const id = namespaceId(namespace);
      for (const stateMap of this.stateMaps) {
        const entries = stateMap?.namespaces.get(id)?.entries;
        if (stateMap === undefined || entries === undefined) continue;
        for (const normalizedKey of entries.keys()) yield stateMap.originalKey(normalizedKey);
      }
      return;
    }
    for (const stateMap of this.stateMaps) {
      if (stateMap === undefined) continue;
      for (const normalizedKey of distinctKeys(stateMap).keys()) yield stateMap.originalKey(normalizedKey);
    }
  }

  *keysAndNamespaces(): IterableIterator<[Key, unknown]> {
    for (const stateMap of this.stateMaps) {
      if (stateMap === undefined) continue;
      for (const { namespace, entries } of stateMap.namespaces.values()) {
        for (const normalizedKey of entries.keys()) yield [stateMap.originalKey(normalizedKey), namespace];
      }
    }
  }

  numKeys(): number {
    let count = 0;
    for (const stateMap of this.stateMaps) if (stateMap !== undefined) count += distinctKeys(stateMap).size;
    return count;
  }

  clearAll(): void {
    this.stateMaps.fill(undefined);
  }
}

/** The keys of one key group with a value under any namespace (use `keys()` and `size`). */
function distinctKeys<S>(stateMap: NamespacedStateMap<S>): ReadonlySet<NormalizedKey> | ReadonlyMap<NormalizedKey, S> {
  const namespaces = stateMap.namespaces;
  if (namespaces.size === 1) return (namespaces.values().next().value as NamespaceEntries<S>).entries;
  const keys = new Set<NormalizedKey>();
  for (const { entries } of namespaces.values()) for (const normalizedKey of entries.keys()) keys.add(normalizedKey);
  return keys;
}
