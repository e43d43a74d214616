/**
 * @module The state table for state kept per (key, namespace), such as window contents: per key a
 * map from namespace id to the namespace and its value.
 */
import type { Key } from '../core/key-groups.ts';
import type { InternalKeyContext } from './internal-key-context.ts';
import { VOID_NAMESPACE, VOID_NAMESPACE_ID, namespaceId } from './namespace-id.ts';
import { StateMap } from './state-map.ts';
import type { StateTable } from './state-table.ts';

/** A value and the namespace it belongs to, kept so iteration can return the namespace itself. */
export interface NamespacedValue<S> {
  readonly namespace: unknown;
  value: S;
}

/** The namespaces of one key, by namespace id. */
export type NamespaceMap<S> = Map<string, NamespacedValue<S>>;

/** Values by key and namespace, one `StateMap` per key group; see `state-table.ts` for the layout. */
export class NamespacedStateTable<S> implements StateTable<S> {
  readonly name: string;
  readonly namespaced = true;
  /** Indexed by `keyGroup - keyGroupRange.start`; undefined until the key group's first write. */
  readonly stateMaps: (StateMap<NamespaceMap<S>> | undefined)[];
  private readonly keyContext: InternalKeyContext;
  private namespace: unknown = VOID_NAMESPACE;
  private namespaceId = VOID_NAMESPACE_ID;

  constructor(name: string, keyContext: InternalKeyContext) {
    this.name = name;
    this.keyContext = keyContext;
    this.stateMaps = new Array<StateMap<NamespaceMap<S>> | undefined>(keyContext.keyGroupRange.size).fill(undefined);
  }

  get(): S | undefined {
    return this.namespacesOfCurrentKey()?.get(this.namespaceId)?.value;
  }

  getForUpdate(): S | undefined {
    return this.get();
  }

  put(value: S): void {
    const context = this.keyContext;
    let stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      stateMap = new StateMap<NamespaceMap<S>>();
      this.stateMaps[context.keyGroupIndex] = stateMap;
    }
    let namespaces = stateMap.entries.get(context.normalizedKey);
    if (namespaces === undefined) {
      namespaces = new Map();
      stateMap.entries.set(context.normalizedKey, namespaces);
      if (context.tupleKey) stateMap.rememberKey(context.normalizedKey as string, context.key as Key);
    }
    const entry = namespaces.get(this.namespaceId);
    if (entry === undefined) namespaces.set(this.namespaceId, { namespace: this.namespace, value });
    else entry.value = value;
  }

  remove(): void {
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return;
    }
    const namespaces = stateMap.entries.get(context.normalizedKey);
    if (namespaces === undefined || !namespaces.delete(this.namespaceId) || namespaces.size > 0) return;
    // a key without namespaces is a key without state: keep numKeys and key iteration exact
    stateMap.entries.delete(context.normalizedKey);
    if (context.tupleKey) stateMap.forgetKey(context.normalizedKey as string);
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
    const id = namespace === undefined ? undefined : namespaceId(namespace);
    for (const stateMap of this.stateMaps) {
      if (stateMap === undefined) continue;
      for (const [normalizedKey, namespaces] of stateMap.entries) {
        if (id === undefined || namespaces.has(id)) yield stateMap.originalKey(normalizedKey);
      }
    }
  }

  *keysAndNamespaces(): IterableIterator<[Key, unknown]> {
    for (const stateMap of this.stateMaps) {
      if (stateMap === undefined) continue;
      for (const [normalizedKey, namespaces] of stateMap.entries) {
        const key = stateMap.originalKey(normalizedKey);
        for (const entry of namespaces.values()) yield [key, entry.namespace];
      }
    }
  }

  numKeys(): number {
    let count = 0;
    for (const stateMap of this.stateMaps) count += stateMap?.entries.size ?? 0;
    return count;
  }

  clearAll(): void {
    this.stateMaps.fill(undefined);
  }

  private namespacesOfCurrentKey(): NamespaceMap<S> | undefined {
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return undefined;
    }
    return stateMap.entries.get(context.normalizedKey);
  }
}
