/**
 * @module The state table for state scoped to the key alone (the void namespace): the per-record
 * fast path, one array slot and one `Map` lookup per access.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key-groups.ts';
import type { InternalKeyContext } from './internal-key-context.ts';
import { VOID_NAMESPACE } from './namespace-id.ts';
import { OriginalKeys } from './original-keys.ts';
import { StateMap } from './state-map.ts';
import type { StateTable } from './state-table.ts';

/** Values by key, one `StateMap` per key group; see `state-table.ts` for the layout. */
export class KeyedStateTable<S> implements StateTable<S> {
  readonly name: string;
  readonly namespaced = false;
  /** Indexed by `keyGroup - keyGroupRange.start`; undefined until the key group's first write. */
  readonly stateMaps: (StateMap<S> | undefined)[];
  private readonly keyContext: InternalKeyContext;

  constructor(name: string, keyContext: InternalKeyContext) {
    this.name = name;
    this.keyContext = keyContext;
    // filled, not holey, so reads of a missing key group stay on the fast elements path
    this.stateMaps = new Array<StateMap<S> | undefined>(keyContext.keyGroupRange.size).fill(undefined);
  }

  get(): S | undefined {
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return undefined;
    }
    return stateMap.entries.get(context.normalizedKey);
  }

  getForUpdate(): S | undefined {
    return this.get();
  }

  put(value: S): void {
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex] ?? this.createStateMap();
    const entries = stateMap.entries;
    const size = entries.size;
    entries.set(context.normalizedKey, value);
    // a grown map means a new key: only then can a tuple key need remembering (no extra lookup)
    if (entries.size !== size && context.tupleKey) (stateMap.originalKeys ??= new OriginalKeys()).retain(context.normalizedKey as string, context.key as Key);
  }

  remove(): void {
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return;
    }
    if (stateMap.entries.delete(context.normalizedKey) && context.tupleKey) stateMap.originalKeys?.release(context.normalizedKey as string);
  }

  setCurrentNamespace(namespace: unknown): void {
    if (namespace !== VOID_NAMESPACE) throw notNamespaced(this.name, this.keyContext.operatorDescription);
  }

  getCurrentNamespace(): unknown {
    return VOID_NAMESPACE;
  }

  mergeNamespaces(): void {
    throw notNamespaced(this.name, this.keyContext.operatorDescription);
  }

  *keys(namespace?: unknown): IterableIterator<Key> {
    if (namespace !== undefined && namespace !== VOID_NAMESPACE) return;
    for (const stateMap of this.stateMaps) {
      if (stateMap === undefined) continue;
      for (const normalizedKey of stateMap.entries.keys()) yield stateMap.originalKey(normalizedKey);
    }
  }

  *keysAndNamespaces(): IterableIterator<[Key, unknown]> {
    for (const key of this.keys()) yield [key, VOID_NAMESPACE];
  }

  numKeys(): number {
    let count = 0;
    for (const stateMap of this.stateMaps) count += stateMap?.entries.size ?? 0;
    return count;
  }

  clearAll(): void {
    this.stateMaps.fill(undefined);
  }

  private createStateMap(): StateMap<S> {
    const context = this.keyContext;
    context.checkKeyedContext(this.name);
    const stateMap = new StateMap<S>();
    this.stateMaps[context.keyGroupIndex] = stateMap;
    return stateMap;
  }
}

function notNamespaced(name: string, where: string): WeirError {
  return new WeirError('STATE_ACCESS', `state '${name}' of ${where} was registered without namespaces (getState) and cannot be scoped to one`, {
    hint: 'request state that is kept per window with getPartitionedState(descriptor, namespace) from the start, under its own name',
  });
}
