/**
 * @module The state table for state kept per (key, namespace), such as window contents. Within a key
 * group, values are grouped by namespace first, then by key.
 *
 * Namespace first because a window operator has few live windows and many keys: one small, hot map of
 * namespaces leads to a key map as flat as the void-namespace table's, where a map of namespaces per
 * key would cost one extra `Map` per key and a cache miss per access (measured: about 2x slower per
 * record over 10k keys). It also makes "every key of this window" a single map walk.
 */
import { normalizeKey } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import type { DataInput } from '../types/data-input.ts';
import type { DataOutput } from '../types/data-output.ts';
import type { InternalKeyContext, NormalizedKey } from './internal-key-context.ts';
import { readKeyInGroup } from './key-serializer.ts';
import { FrozenParts, readEntryCount, throwChangesNotTracked, writeChanges, writeEntry } from './keyed-state-table.ts';
import type { KeyChanges } from './keyed-state-table.ts';
import { VOID_NAMESPACE, VOID_NAMESPACE_ID, namespaceId, readNamespace, writeNamespace } from './namespace-id.ts';
import { OriginalKeys } from './original-keys.ts';
import type { FrozenStateTable, SnapshotChanges, StateSerializers, StateTable } from './state-table.ts';

/** The keys of one namespace of one key group written since the last changes snapshot. */
interface NamespaceChanges {
  readonly namespace: unknown;
  readonly keys: KeyChanges;
}

/** One key group's changes, by namespace id. */
type KeyGroupChanges = Map<string, NamespaceChanges>;

/** The values of one namespace in one key group, and the namespace itself for iteration. */
export interface NamespaceEntries<S> {
  readonly namespace: unknown;
  readonly entries: Map<NormalizedKey, S>;
  /**
   * Defined while the values may be shared with a frozen map: the keys whose values were since copied
   * for in-place updates (see `StateMap.ownedKeys`).
   */
  owned: Set<NormalizedKey> | undefined;
}

/** One key group's share of a namespaced state. */
export class NamespacedStateMap<S> {
  /** By namespace id; a namespace without entries is removed. */
  readonly namespaces = new Map<string, NamespaceEntries<S>>();
  /** Undefined until the first tuple key; counts one use per (key, namespace) entry. */
  originalKeys: OriginalKeys | undefined = undefined;
  /** How many snapshots hold this map. Above 0 the map is frozen: a write replaces it by a `copy()`. */
  snapshotRefs = 0;

  originalKey(normalizedKey: NormalizedKey): Key {
    return this.originalKeys === undefined ? normalizedKey : this.originalKeys.originalKey(normalizedKey);
  }

  /**
   * A writable copy of this (frozen) map: every namespace's entries are copied, the values shared.
   * Copying all namespaces at once keeps the write path free of per-namespace freeze checks; window
   * state has few namespaces per key group.
   */
  copy(): NamespacedStateMap<S> {
    const copy = new NamespacedStateMap<S>();
    for (const [id, { namespace, entries }] of this.namespaces) copy.namespaces.set(id, { namespace, entries: new Map(entries), owned: new Set() });
    copy.originalKeys = this.originalKeys?.copy();
    return copy;
  }
}

/** Values by namespace and key, one `NamespacedStateMap` per key group; see `state-table.ts`. */
export class NamespacedStateTable<S> implements StateTable<S> {
  readonly name: string;
  readonly namespaced = true;
  /** Indexed by `keyGroup - keyGroupRange.start`; undefined until the key group's first write. */
  readonly stateMaps: (NamespacedStateMap<S> | undefined)[];
  copyForUpdate: (value: S) => S;
  private readonly keyContext: InternalKeyContext;
  private namespace: unknown = VOID_NAMESPACE;
  private namespaceId = VOID_NAMESPACE_ID;
  /** Snapshots holding maps of this table; at 0 no value is shared, so copies stop tracking owned keys. */
  private outstandingSnapshots = 0;
  /** Per key group, the (namespace, key) pairs written since the last changes snapshot; undefined while not tracked. */
  private changes: (KeyGroupChanges | undefined)[] | undefined = undefined;
  /** The pair marked last: a read-modify-write inserts it once. */
  private lastChangedKey: NormalizedKey | undefined = undefined;
  private lastChangedNamespaceId = '';

  constructor(name: string, keyContext: InternalKeyContext, copyForUpdate: (value: S) => S = (value) => value) {
    this.name = name;
    this.keyContext = keyContext;
    this.copyForUpdate = copyForUpdate;
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
    const context = this.keyContext;
    const stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return undefined;
    }
    const normalizedKey = context.normalizedKey;
    let namespace = stateMap.namespaces.get(this.namespaceId);
    if (namespace === undefined) return undefined;
    if (stateMap.snapshotRefs !== 0) {
      if (!namespace.entries.has(normalizedKey)) return undefined;
      namespace = this.copyFrozen(context.keyGroupIndex, stateMap).namespaces.get(this.namespaceId) ?? namespace;
    }
    const value = namespace.entries.get(normalizedKey);
    // the caller may mutate the value in place: that is a change
    if (this.changes !== undefined && value !== undefined) this.markChanged();
    const owned = namespace.owned;
    // primitives are immutable, so only objects a snapshot may share need copying (once per key)
    if (owned === undefined || typeof value !== 'object' || value === null || owned.has(normalizedKey)) return value;
    const copy = this.copyForUpdate(value);
    namespace.entries.set(normalizedKey, copy);
    owned.add(normalizedKey);
    return copy;
  }

  put(value: S): void {
    const context = this.keyContext;
    let stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined || stateMap.snapshotRefs !== 0) stateMap = this.writableStateMap();
    let namespace = stateMap.namespaces.get(this.namespaceId);
    if (namespace === undefined) {
      namespace = { namespace: this.namespace, entries: new Map(), owned: undefined };
      stateMap.namespaces.set(this.namespaceId, namespace);
    }
    const entries = namespace.entries;
    const size = entries.size;
    entries.set(context.normalizedKey, value);
    if (entries.size !== size && context.tupleKey) (stateMap.originalKeys ??= new OriginalKeys()).retain(context.normalizedKey as string, context.key as Key);
    if (this.changes !== undefined) this.markChanged();
  }

  remove(): void {
    const context = this.keyContext;
    let stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return;
    }
    let namespace = stateMap.namespaces.get(this.namespaceId);
    if (namespace === undefined) return;
    if (stateMap.snapshotRefs !== 0) {
      if (!namespace.entries.has(context.normalizedKey)) return;
      stateMap = this.copyFrozen(context.keyGroupIndex, stateMap);
      namespace = stateMap.namespaces.get(this.namespaceId) ?? namespace;
    }
    if (!namespace.entries.delete(context.normalizedKey)) return;
    if (context.tupleKey) stateMap.originalKeys?.release(context.normalizedKey as string);
    // also when it empties the namespace: a namespace goes away only through removals of its keys
    if (this.changes !== undefined) this.markChanged();
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
        // the first value becomes the merge's accumulator, which `merge` may mutate: it must not be shared with a snapshot
        const value = merged === undefined ? this.getForUpdate() : this.get();
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

  numEntries(): number {
    let count = 0;
    for (const stateMap of this.stateMaps) if (stateMap !== undefined) for (const { entries } of stateMap.namespaces.values()) count += entries.size;
    return count;
  }

  clearAll(): void {
    this.stateMaps.fill(undefined);
    this.stopTrackingChanges();
  }

  freeze(changes?: SnapshotChanges): FrozenStateTable {
    const frozen = this.stateMaps.slice();
    for (const stateMap of frozen) if (stateMap !== undefined) stateMap.snapshotRefs++;
    this.outstandingSnapshots++;
    let frozenChanges: readonly (KeyGroupChanges | undefined)[] | undefined;
    if (changes === 'delta') frozenChanges = this.changes ?? throwChangesNotTracked(this.name, this.keyContext.operatorDescription);
    if (changes !== undefined) this.trackChanges();
    const given = frozenChanges;
    return new FrozenNamespacedStateTable(this.name, frozen, frozenChanges, () => this.release(frozen), given === undefined ? undefined : () => this.takeBackChanges(given));
  }

  trackChanges(): void {
    this.changes = new Array<KeyGroupChanges | undefined>(this.stateMaps.length).fill(undefined);
    this.lastChangedKey = undefined;
  }

  stopTrackingChanges(): void {
    this.changes = undefined;
    this.lastChangedKey = undefined;
  }

  readKeyGroup(keyGroup: number, input: DataInput, serializers: StateSerializers): void {
    const namespaceCount = readEntryCount(input);
    if (namespaceCount === 0) return;
    const maxParallelism = this.keyContext.maxParallelism;
    const valueSerializer = serializers.value;
    const stateMap = new NamespacedStateMap<S>();
    for (let n = 0; n < namespaceCount; n++) {
      const namespace = readNamespace(serializers.namespace, input);
      const count = readEntryCount(input);
      const entries = new Map<NormalizedKey, S>();
      for (let i = 0; i < count; i++) {
        const key = readKeyInGroup(input, keyGroup, maxParallelism);
        const value = valueSerializer.read(input) as S;
        if (typeof key === 'object') {
          const normalizedKey = normalizeKey(key) as string;
          entries.set(normalizedKey, value);
          (stateMap.originalKeys ??= new OriginalKeys()).retain(normalizedKey, key);
        } else {
          entries.set(key, value);
        }
      }
      if (entries.size > 0) stateMap.namespaces.set(namespaceId(namespace), { namespace, entries, owned: undefined });
    }
    this.stateMaps[keyGroup - this.keyContext.keyGroupRange.start] = stateMap;
  }

  readKeyGroupChanges(keyGroup: number, input: DataInput, serializers: StateSerializers): void {
    const index = keyGroup - this.keyContext.keyGroupRange.start;
    const maxParallelism = this.keyContext.maxParallelism;
    const namespaceCount = readEntryCount(input);
    for (let n = 0; n < namespaceCount; n++) {
      const namespace = readNamespace(serializers.namespace, input);
      const id = namespaceId(namespace);
      const upserts = readEntryCount(input);
      let stateMap = this.stateMaps[index];
      if (upserts > 0) stateMap = stateMap === undefined ? (this.stateMaps[index] = new NamespacedStateMap<S>()) : stateMap.snapshotRefs !== 0 ? this.copyFrozen(index, stateMap) : stateMap;
      for (let i = 0; i < upserts; i++) {
        const key = readKeyInGroup(input, keyGroup, maxParallelism);
        const value = serializers.value.read(input) as S;
        const target = stateMap as NamespacedStateMap<S>;
        let entries = target.namespaces.get(id)?.entries;
        if (entries === undefined) {
          entries = new Map();
          target.namespaces.set(id, { namespace, entries, owned: undefined });
        }
        const normalizedKey = normalizeKey(key);
        const size = entries.size;
        entries.set(normalizedKey, value);
        if (entries.size !== size && typeof key === 'object') (target.originalKeys ??= new OriginalKeys()).retain(normalizedKey as string, key);
      }
      const removals = readEntryCount(input);
      for (let i = 0; i < removals; i++) {
        const key = readKeyInGroup(input, keyGroup, maxParallelism);
        const normalizedKey = normalizeKey(key);
        if (stateMap === undefined || stateMap.namespaces.get(id)?.entries.has(normalizedKey) !== true) continue;
        if (stateMap.snapshotRefs !== 0) stateMap = this.copyFrozen(index, stateMap);
        const entries = (stateMap.namespaces.get(id) as NamespaceEntries<S>).entries;
        entries.delete(normalizedKey);
        if (typeof key === 'object') stateMap.originalKeys?.release(normalizedKey as string);
        if (entries.size === 0) stateMap.namespaces.delete(id);
      }
    }
  }

  transformValues(migrate: (value: S) => S): void {
    for (let index = 0; index < this.stateMaps.length; index++) {
      let stateMap = this.stateMaps[index];
      if (stateMap === undefined) continue;
      if (stateMap.snapshotRefs !== 0) stateMap = this.copyFrozen(index, stateMap);
      for (const { entries } of stateMap.namespaces.values()) {
        for (const [normalizedKey, value] of entries) entries.set(normalizedKey, migrate(value));
      }
    }
  }

  /** The current key group's map, created or copied from a frozen one so that it can be written. */
  private writableStateMap(): NamespacedStateMap<S> {
    const context = this.keyContext;
    context.checkKeyedContext(this.name);
    const index = context.keyGroupIndex;
    const existing = this.stateMaps[index];
    if (existing !== undefined) return this.copyFrozen(index, existing);
    const stateMap = new NamespacedStateMap<S>();
    this.stateMaps[index] = stateMap;
    return stateMap;
  }

  /** Records the current (namespace, key) as changed; called only while changes are tracked. */
  private markChanged(): void {
    const context = this.keyContext;
    const normalizedKey = context.normalizedKey;
    const id = this.namespaceId;
    if (normalizedKey === this.lastChangedKey && id === this.lastChangedNamespaceId) return;
    const byNamespace = ((this.changes as (KeyGroupChanges | undefined)[])[context.keyGroupIndex] ??= new Map<string, NamespaceChanges>());
    let changed = byNamespace.get(id);
    if (changed === undefined) {
      changed = { namespace: this.namespace, keys: new Map<NormalizedKey, Key>() };
      byNamespace.set(id, changed);
    }
    changed.keys.set(normalizedKey, context.key as Key);
    this.lastChangedKey = normalizedKey;
    this.lastChangedNamespaceId = id;
  }

  /**
   * Takes back the changed keys of a delta whose checkpoint was aborted, so the next delta writes
   * them (with the values they have then). False while changes are not tracked.
   */
  private takeBackChanges(frozen: readonly (KeyGroupChanges | undefined)[]): boolean {
    const changes = this.changes;
    if (changes === undefined || changes.length !== frozen.length) return false;
    for (let index = 0; index < frozen.length; index++) {
      const older = frozen[index];
      if (older === undefined) continue;
      const newer = changes[index];
      if (newer === undefined) {
        changes[index] = older;
        continue;
      }
      for (const [id, changed] of older) {
        const since = newer.get(id);
        if (since === undefined) newer.set(id, changed);
        else for (const [normalizedKey, key] of changed.keys) if (!since.keys.has(normalizedKey)) since.keys.set(normalizedKey, key);
      }
    }
    return true;
  }

  private copyFrozen(index: number, frozen: NamespacedStateMap<S>): NamespacedStateMap<S> {
    const copy = frozen.copy();
    this.stateMaps[index] = copy;
    return copy;
  }

  private release(frozen: readonly (NamespacedStateMap<S> | undefined)[]): void {
    for (const stateMap of frozen) if (stateMap !== undefined) stateMap.snapshotRefs--;
    if (--this.outstandingSnapshots > 0) return;
    for (const stateMap of this.stateMaps) {
      if (stateMap === undefined) continue;
      for (const namespace of stateMap.namespaces.values()) namespace.owned = undefined;
    }
  }
}

/** A `NamespacedStateTable`'s maps as one snapshot froze them, and for a delta the changes it holds. */
class FrozenNamespacedStateTable<S> extends FrozenParts<readonly (NamespacedStateMap<S> | undefined)[]> {
  private readonly changes: readonly (KeyGroupChanges | undefined)[] | undefined;

  constructor(
    name: string,
    stateMaps: readonly (NamespacedStateMap<S> | undefined)[],
    changes: readonly (KeyGroupChanges | undefined)[] | undefined,
    onRelease: () => void,
    takeBack?: () => boolean,
  ) {
    super(name, stateMaps, onRelease, takeBack);
    this.changes = changes;
  }

  writeKeyGroup(keyGroupIndex: number, out: DataOutput, serializers: StateSerializers): void {
    const stateMap = this.frozen()[keyGroupIndex];
    if (this.changes !== undefined) {
      const changed = this.changes[keyGroupIndex];
      out.writeVarUint(changed?.size ?? 0);
      if (changed === undefined) return;
      for (const [id, { namespace, keys }] of changed) {
        writeNamespace(namespace, serializers.namespace, out);
        writeChanges(keys, stateMap?.namespaces.get(id)?.entries, out, serializers.value);
      }
      return;
    }
    if (stateMap === undefined) {
      out.writeVarUint(0);
      return;
    }
    const valueSerializer = serializers.value;
    out.writeVarUint(stateMap.namespaces.size);
    for (const { namespace, entries } of stateMap.namespaces.values()) {
      writeNamespace(namespace, serializers.namespace, out);
      out.writeVarUint(entries.size);
      for (const [normalizedKey, value] of entries) {
        const key = stateMap.originalKey(normalizedKey);
        writeEntry(key, value, out, valueSerializer);
      }
    }
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
