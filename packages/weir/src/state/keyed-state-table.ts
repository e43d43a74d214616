/**
 * @module The state table for state scoped to the key alone (the void namespace): the per-record
 * fast path, one array slot and one `Map` lookup per access, plus one counter check per write for
 * copy-on-write snapshots and one field check for change tracking (one `Map` insert when it is on).
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { normalizeKey } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import type { DataInput } from '../types/data-input.ts';
import type { DataOutput } from '../types/data-output.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { describeKey } from './internal-key-context.ts';
import type { InternalKeyContext, NormalizedKey } from './internal-key-context.ts';
import { keySerializer, readKeyInGroup } from './key-serializer.ts';
import { VOID_NAMESPACE } from './namespace-id.ts';
import { OriginalKeys } from './original-keys.ts';
import { StateMap } from './state-map.ts';
import type { FrozenStateTable, SnapshotChanges, StateSerializers, StateTable } from './state-table.ts';

/**
 * The keys of one key group (or of one namespace in it) written since the last changes snapshot, by
 * normalized key, each with the key as the operator passed it: a removed tuple key has no other record.
 */
export type KeyChanges = Map<NormalizedKey, Key>;

/** Values by key, one `StateMap` per key group; see `state-table.ts` for the layout and copy-on-write. */
export class KeyedStateTable<S> implements StateTable<S> {
  readonly name: string;
  readonly namespaced = false;
  /** Indexed by `keyGroup - keyGroupRange.start`; undefined until the key group's first write. */
  readonly stateMaps: (StateMap<S> | undefined)[];
  copyForUpdate: (value: S) => S;
  private readonly keyContext: InternalKeyContext;
  /** Snapshots holding maps of this table; at 0 no value is shared, so copies stop tracking owned keys. */
  private outstandingSnapshots = 0;
  /**
   * Per key group (indexed like `stateMaps`), the keys written since the last changes snapshot;
   * undefined while changes are not tracked, so the write path then pays one field check.
   */
  private changes: (KeyChanges | undefined)[] | undefined = undefined;
  /** The key marked last: a read-modify-write (`getForUpdate`, then `put`) inserts it once. */
  private lastChanged: NormalizedKey | undefined = undefined;

  constructor(name: string, keyContext: InternalKeyContext, copyForUpdate: (value: S) => S = (value) => value) {
    this.name = name;
    this.keyContext = keyContext;
    this.copyForUpdate = copyForUpdate;
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
    const context = this.keyContext;
    let stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined) {
      context.checkKeyedContext(this.name);
      return undefined;
    }
    const normalizedKey = context.normalizedKey;
    if (stateMap.snapshotRefs !== 0) {
      if (!stateMap.entries.has(normalizedKey)) return undefined;
      stateMap = this.copyFrozen(context.keyGroupIndex, stateMap);
    }
    const value = stateMap.entries.get(normalizedKey);
    // the caller may mutate the value in place: that is a change
    if (this.changes !== undefined && value !== undefined) this.markChanged();
    const owned = stateMap.ownedKeys;
    // primitives are immutable, so only objects a snapshot may share need copying (once per key)
    if (owned === undefined || typeof value !== 'object' || value === null || owned.has(normalizedKey)) return value;
    const copy = this.copyForUpdate(value);
    stateMap.entries.set(normalizedKey, copy);
    owned.add(normalizedKey);
    return copy;
  }

  put(value: S): void {
    const context = this.keyContext;
    let stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined || stateMap.snapshotRefs !== 0) stateMap = this.writableStateMap();
    const entries = stateMap.entries;
    const size = entries.size;
    entries.set(context.normalizedKey, value);
    // a grown map means a new key: only then can a tuple key need remembering (no extra lookup)
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
    if (stateMap.snapshotRefs !== 0) {
      if (!stateMap.entries.has(context.normalizedKey)) return;
      stateMap = this.copyFrozen(context.keyGroupIndex, stateMap);
    }
    if (!stateMap.entries.delete(context.normalizedKey)) return;
    if (context.tupleKey) stateMap.originalKeys?.release(context.normalizedKey as string);
    if (this.changes !== undefined) this.markChanged();
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
    this.stopTrackingChanges();
  }

  freeze(changes?: SnapshotChanges): FrozenStateTable {
    const frozen = this.stateMaps.slice();
    for (const stateMap of frozen) if (stateMap !== undefined) stateMap.snapshotRefs++;
    this.outstandingSnapshots++;
    let frozenChanges: readonly (KeyChanges | undefined)[] | undefined;
    if (changes === 'delta') frozenChanges = this.changes ?? throwChangesNotTracked(this.name, this.keyContext.operatorDescription);
    if (changes !== undefined) this.trackChanges();
    return new FrozenKeyedStateTable(this.name, frozen, frozenChanges, () => this.release(frozen));
  }

  trackChanges(): void {
    this.changes = new Array<KeyChanges | undefined>(this.stateMaps.length).fill(undefined);
    this.lastChanged = undefined;
  }

  stopTrackingChanges(): void {
    this.changes = undefined;
    this.lastChanged = undefined;
  }

  readKeyGroup(keyGroup: number, input: DataInput, serializers: StateSerializers): void {
    const count = readEntryCount(input);
    if (count === 0) return;
    const maxParallelism = this.keyContext.maxParallelism;
    const valueSerializer = serializers.value;
    const entries = new Map<NormalizedKey, S>();
    let originalKeys: OriginalKeys | undefined;
    for (let i = 0; i < count; i++) {
      const key = readKeyInGroup(input, keyGroup, maxParallelism);
      const value = valueSerializer.read(input) as S;
      if (typeof key === 'object') {
        const normalizedKey = normalizeKey(key) as string;
        entries.set(normalizedKey, value);
        (originalKeys ??= new OriginalKeys()).retain(normalizedKey, key);
      } else {
        entries.set(key, value);
      }
    }
    this.stateMaps[keyGroup - this.keyContext.keyGroupRange.start] = new StateMap(entries, originalKeys);
  }

  readKeyGroupChanges(keyGroup: number, input: DataInput, serializers: StateSerializers): void {
    const index = keyGroup - this.keyContext.keyGroupRange.start;
    const maxParallelism = this.keyContext.maxParallelism;
    const upserts = readEntryCount(input);
    let stateMap = this.stateMaps[index];
    if (upserts > 0) stateMap = stateMap === undefined ? (this.stateMaps[index] = new StateMap<S>()) : stateMap.snapshotRefs !== 0 ? this.copyFrozen(index, stateMap) : stateMap;
    for (let i = 0; i < upserts; i++) {
      const key = readKeyInGroup(input, keyGroup, maxParallelism);
      const value = serializers.value.read(input) as S;
      const entries = (stateMap as StateMap<S>).entries;
      const normalizedKey = normalizeKey(key);
      const size = entries.size;
      entries.set(normalizedKey, value);
      if (entries.size !== size && typeof key === 'object') ((stateMap as StateMap<S>).originalKeys ??= new OriginalKeys()).retain(normalizedKey as string, key);
    }
    const removals = readEntryCount(input);
    for (let i = 0; i < removals; i++) {
      const key = readKeyInGroup(input, keyGroup, maxParallelism);
      const normalizedKey = normalizeKey(key);
      if (stateMap === undefined || !stateMap.entries.has(normalizedKey)) continue;
      if (stateMap.snapshotRefs !== 0) stateMap = this.copyFrozen(index, stateMap);
      stateMap.entries.delete(normalizedKey);
      if (typeof key === 'object') stateMap.originalKeys?.release(normalizedKey as string);
    }
  }

  transformValues(migrate: (value: S) => S): void {
    for (let index = 0; index < this.stateMaps.length; index++) {
      let stateMap = this.stateMaps[index];
      if (stateMap === undefined) continue;
      if (stateMap.snapshotRefs !== 0) stateMap = this.copyFrozen(index, stateMap);
      const entries = stateMap.entries;
      for (const [normalizedKey, value] of entries) entries.set(normalizedKey, migrate(value));
    }
  }

  /** The current key group's map, created or copied from a frozen one so that it can be written. */
  private writableStateMap(): StateMap<S> {
    const context = this.keyContext;
    context.checkKeyedContext(this.name);
    const index = context.keyGroupIndex;
    const existing = this.stateMaps[index];
    if (existing !== undefined) return this.copyFrozen(index, existing);
    const stateMap = new StateMap<S>();
    this.stateMaps[index] = stateMap;
    return stateMap;
  }

  /** Records the current key as changed; called only while changes are tracked. */
  private markChanged(): void {
    const context = this.keyContext;
    const normalizedKey = context.normalizedKey;
    if (normalizedKey === this.lastChanged) return;
    const changes = this.changes as (KeyChanges | undefined)[];
    (changes[context.keyGroupIndex] ??= new Map<NormalizedKey, Key>()).set(normalizedKey, context.key as Key);
    this.lastChanged = normalizedKey;
  }

  private copyFrozen(index: number, frozen: StateMap<S>): StateMap<S> {
    const copy = frozen.copy();
    this.stateMaps[index] = copy;
    return copy;
  }

  private release(frozen: readonly (StateMap<S> | undefined)[]): void {
    for (const stateMap of frozen) if (stateMap !== undefined) stateMap.snapshotRefs--;
    if (--this.outstandingSnapshots > 0) return;
    for (const stateMap of this.stateMaps) if (stateMap !== undefined) stateMap.ownedKeys = undefined;
  }
}

/** A `KeyedStateTable`'s maps as one snapshot froze them, and for a delta the changes it holds. */
class FrozenKeyedStateTable<S> implements FrozenStateTable {
  private readonly name: string;
  private stateMaps: readonly (StateMap<S> | undefined)[] | undefined;
  private readonly changes: readonly (KeyChanges | undefined)[] | undefined;
  private readonly onRelease: () => void;

  constructor(name: string, stateMaps: readonly (StateMap<S> | undefined)[], changes: readonly (KeyChanges | undefined)[] | undefined, onRelease: () => void) {
    this.name = name;
    this.stateMaps = stateMaps;
    this.changes = changes;
    this.onRelease = onRelease;
  }

  writeKeyGroup(keyGroupIndex: number, out: DataOutput, serializers: StateSerializers): void {
    if (this.stateMaps === undefined) throw writeAfterRelease(this.name);
    const stateMap = this.stateMaps[keyGroupIndex];
    if (this.changes !== undefined) {
      writeChanges(this.changes[keyGroupIndex], stateMap?.entries, out, serializers.value);
      return;
    }
    if (stateMap === undefined) {
      out.writeVarUint(0);
      return;
    }
    const entries = stateMap.entries;
    const valueSerializer = serializers.value;
    out.writeVarUint(entries.size);
    for (const [normalizedKey, value] of entries) {
      const key = stateMap.originalKey(normalizedKey);
      keySerializer.write(key, out);
      try {
        valueSerializer.write(value, out);
      } catch (error) {
        throw entryWriteFailed(key, error);
      }
    }
  }

  release(): void {
    if (this.stateMaps === undefined) return;
    this.stateMaps = undefined;
    this.onRelease();
  }
}

/**
 * Writes the changes of one key group (or namespace) as a delta section: varuint upsertCount, the
 * changed keys present in the frozen `entries` with their frozen values, then varuint removeCount and
 * the changed keys absent from them. Work proportional to the changes, not to `entries`.
 */
export function writeChanges(changed: KeyChanges | undefined, entries: ReadonlyMap<NormalizedKey, unknown> | undefined, out: DataOutput, valueSerializer: TypeSerializer<unknown>): void {
  if (changed === undefined || changed.size === 0) {
    out.writeVarUint(0);
    out.writeVarUint(0);
    return;
  }
  const removed: Key[] = [];
  for (const [normalizedKey, key] of changed) if (entries === undefined || !entries.has(normalizedKey)) removed.push(key);
  out.writeVarUint(changed.size - removed.length);
  if (entries !== undefined && removed.length < changed.size) {
    for (const [normalizedKey, key] of changed) {
      const value = entries.get(normalizedKey);
      if (value === undefined && !entries.has(normalizedKey)) continue;
      keySerializer.write(key, out);
      try {
        valueSerializer.write(value, out);
      } catch (error) {
        throw entryWriteFailed(key, error);
      }
    }
  }
  out.writeVarUint(removed.length);
  for (const key of removed) keySerializer.write(key, out);
}

/** The error for a delta freeze of a table that does not track changes: the backend's bug. */
export function throwChangesNotTracked(name: string, where: string): never {
  throw new WeirError('INTERNAL', `a delta snapshot of state '${name}' of ${where} was requested, but its changes are not tracked`, {
    hint: 'this is a bug: a delta must follow a snapshot taken with changes; please report it',
  });
}

/** Reads an entry count and rejects one the remaining bytes cannot hold (every entry takes at least one byte). */
export function readEntryCount(input: DataInput): number {
  const position = input.position;
  const count = input.readVarUint();
  if (count > input.remaining) {
    throw new WeirError('SERIALIZATION_FAILED', `corrupt data at position ${position}: ${count} entries cannot fit in the ${input.remaining} remaining bytes`, {
      hint: 'the snapshot is damaged, or was not written by weir',
    });
  }
  return count;
}

/** The error for a value its state's serializer cannot write, naming the key. */
export function entryWriteFailed(key: Key, error: unknown): WeirError {
  return new WeirError('CHECKPOINT_FAILED', `the value of key ${describeKey(key)} cannot be written: ${describeCause(error)}`, {
    cause: error,
    hint: error instanceof WeirError && error.hint !== undefined ? error.hint : 'declare the state with a serializer that matches its values',
  });
}

/** The error for writing a snapshot after `release()`: the runtime's bug, not the user's. */
export function writeAfterRelease(name: string): WeirError {
  return new WeirError('INTERNAL', `the snapshot of state '${name}' was written after it was released`, {
    hint: 'this is a bug: a snapshot must be written before release(); please report it',
  });
}

function notNamespaced(name: string, where: string): WeirError {
  return new WeirError('STATE_ACCESS', `state '${name}' of ${where} was registered without namespaces (getState) and cannot be scoped to one`, {
    hint: 'request state that is kept per window with getPartitionedState(descriptor, namespace) from the start, under its own name',
  });
}
