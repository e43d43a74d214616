/**
 * @module The state table for state scoped to the key alone (the void namespace): the per-record
 * fast path, one array slot and one `Map` lookup per access, plus one counter check per write for
 * copy-on-write snapshots and one field check for change tracking (one `Map` insert when it is on).
 * Tuple keys are kept by their normalized string alone and recovered from it (`denormalizeKey`).
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { denormalizeKey, normalizeKey } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import type { DataInput } from '../types/data-input.ts';
import type { DataOutput } from '../types/data-output.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { describeKey } from './internal-key-context.ts';
import type { InternalKeyContext, NormalizedKey } from './internal-key-context.ts';
import { keySerializer, readKeyInGroup } from './key-serializer.ts';
import { VOID_NAMESPACE } from './namespace-id.ts';
import { StateMap } from './state-map.ts';
import type { FrozenStateTable, SnapshotChanges, StateSerializers, StateTable } from './state-table.ts';

/**
 * The keys of one key group (or of one namespace in it) written since the last changes snapshot, by
 * normalized key, each with the key as the operator passed it: a removed tuple key has no other record.
 */
export type KeyChanges = Map<NormalizedKey, Key>;

/** What a change records for a key that was removed. */
const REMOVED: unique symbol = Symbol('removed');

/**
 * The keys of one key group written since the last changes snapshot, by normalized key, each with
 * the value written last (REMOVED for a removal): a delta snapshot takes these maps and leaves the
 * key group's entries alone, so writes after it copy nothing but the values updated in place.
 */
type ValueChanges<S> = Map<NormalizedKey, S | typeof REMOVED>;

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
  private changes: (ValueChanges<S> | undefined)[] | undefined = undefined;
  /** The changes that delta snapshots not yet released hold: their values must not change in place. */
  private readonly frozenChanges = new Set<readonly (ValueChanges<S> | undefined)[]>();

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
    let value = stateMap.entries.get(normalizedKey);
    if (value === undefined) return undefined;
    // primitives are immutable, so only objects a snapshot may share need copying (once per key)
    if (typeof value === 'object' && value !== null) {
      const owned = stateMap.ownedKeys;
      const sharedWithFull = owned !== undefined && !owned.has(normalizedKey);
      if (sharedWithFull || (this.frozenChanges.size > 0 && this.sharedWithDelta(context.keyGroupIndex, normalizedKey))) {
        value = this.copyForUpdate(value);
        stateMap.entries.set(normalizedKey, value);
        owned?.add(normalizedKey);
      }
    }
    // the caller may mutate the value in place: that is a change
    if (this.changes !== undefined) this.markChanged(value);
    return value;
  }

  put(value: S): void {
    const context = this.keyContext;
    let stateMap = this.stateMaps[context.keyGroupIndex];
    if (stateMap === undefined || stateMap.snapshotRefs !== 0) stateMap = this.writableStateMap();
    stateMap.entries.set(context.normalizedKey, value);
    if (this.changes !== undefined) this.markChanged(value);
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
    if (this.changes !== undefined) this.markChanged(REMOVED);
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
      for (const normalizedKey of stateMap.entries.keys()) yield denormalizeKey(normalizedKey);
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

  numEntries(): number {
    return this.numKeys();
  }

  clearAll(): void {
    this.stateMaps.fill(undefined);
    this.stopTrackingChanges();
  }

  freeze(changes?: SnapshotChanges): FrozenStateTable {
    if (changes === 'delta') {
      // The changes hold the values as of now; the entries stay writable, copied by nothing.
      const frozenChanges = this.changes ?? throwChangesNotTracked(this.name, this.keyContext.operatorDescription);
      this.trackChanges();
      this.frozenChanges.add(frozenChanges);
      return new FrozenKeyedDelta(
        this.name,
        frozenChanges,
        () => this.frozenChanges.delete(frozenChanges),
        (frozen) => this.takeBackChanges(frozen),
      );
    }
    const frozen = this.stateMaps.slice();
    for (const stateMap of frozen) if (stateMap !== undefined) stateMap.snapshotRefs++;
    this.outstandingSnapshots++;
    if (changes !== undefined) this.trackChanges();
    return new FrozenKeyedStateTable(this.name, frozen, () => this.release(frozen));
  }

  trackChanges(): void {
    this.changes = new Array<ValueChanges<S> | undefined>(this.stateMaps.length).fill(undefined);
  }

  stopTrackingChanges(): void {
    this.changes = undefined;
  }

  readKeyGroup(keyGroup: number, input: DataInput, serializers: StateSerializers): void {
    const count = readEntryCount(input);
    if (count === 0) return;
    const maxParallelism = this.keyContext.maxParallelism;
    const valueSerializer = serializers.value;
    const entries = new Map<NormalizedKey, S>();
    for (let i = 0; i < count; i++) {
      const key = readKeyInGroup(input, keyGroup, maxParallelism);
      const value = valueSerializer.read(input) as S;
      entries.set(typeof key === 'object' ? normalizeKey(key) : key, value);
    }
    this.stateMaps[keyGroup - this.keyContext.keyGroupRange.start] = new StateMap(entries);
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
      (stateMap as StateMap<S>).entries.set(normalizeKey(key), value);
    }
    const removals = readEntryCount(input);
    for (let i = 0; i < removals; i++) {
      const key = readKeyInGroup(input, keyGroup, maxParallelism);
      const normalizedKey = normalizeKey(key);
      if (stateMap === undefined || !stateMap.entries.has(normalizedKey)) continue;
      if (stateMap.snapshotRefs !== 0) stateMap = this.copyFrozen(index, stateMap);
      stateMap.entries.delete(normalizedKey);
    }
  }

  transformValues(migrate: (value: S) => S): void {
    for (let index = 0; index < this.stateMaps.length; index++) {
      let stateMap = this.stateMaps[index];
      if (stateMap === undefined) continue;
      if (stateMap.snapshotRefs !== 0) stateMap = this.copyFrozen(index, stateMap);
      const entries = stateMap.entries;
      for (const [normalizedKey, value] of entries) entries.set(normalizedKey, migrate(value));
      // a delta taken later must hold the migrated values too
      const changed = this.changes?.[index];
      if (changed !== undefined) for (const normalizedKey of changed.keys()) if (entries.has(normalizedKey)) changed.set(normalizedKey, entries.get(normalizedKey) as S);
    }
  }

  /**
   * Takes back the changes of a delta whose checkpoint was aborted, so the next delta writes them:
   * per key group, a key changed since keeps its newer value. False while changes are not tracked.
   */
  private takeBackChanges(frozen: readonly (ValueChanges<S> | undefined)[]): boolean {
    const changes = this.changes;
    if (changes === undefined || changes.length !== frozen.length) return false;
    for (let index = 0; index < frozen.length; index++) {
      const older = frozen[index];
      if (older === undefined || older.size === 0) continue;
      const newer = changes[index];
      if (newer === undefined) {
        changes[index] = older;
      } else if (older.size > newer.size) {
        for (const [normalizedKey, value] of newer) older.set(normalizedKey, value);
        changes[index] = older;
      } else {
        for (const [normalizedKey, value] of older) if (!newer.has(normalizedKey)) newer.set(normalizedKey, value);
      }
    }
    return true;
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

  /** Records the current key's new value (or removal); called only while changes are tracked. */
  private markChanged(value: S | typeof REMOVED): void {
    const context = this.keyContext;
    const changes = this.changes as (ValueChanges<S> | undefined)[];
    (changes[context.keyGroupIndex] ??= new Map<NormalizedKey, S | typeof REMOVED>()).set(context.normalizedKey, value);
  }

  /**
   * True when a delta snapshot not yet written may hold the key's current value: some frozen
   * changes record the key, and it was not written since the last freeze (which would have made
   * the value its own).
   */
  private sharedWithDelta(keyGroupIndex: number, normalizedKey: NormalizedKey): boolean {
    if (this.changes?.[keyGroupIndex]?.has(normalizedKey) === true) return false;
    for (const frozen of this.frozenChanges) if (frozen[keyGroupIndex]?.has(normalizedKey) === true) return true;
    return false;
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

/**
 * What a snapshot of one state froze (`T`), held until `release()`, which tells the table once.
 * Writing after it is the runtime's bug and throws.
 */
export abstract class FrozenParts<T> implements FrozenStateTable {
  #frozen: T | undefined;

  /** @param takeBack for a delta: gives its frozen changes back to the table, false when it cannot */
  constructor(
    private readonly name: string,
    frozen: T,
    private readonly onRelease: () => void,
    private readonly takeBack?: (frozen: T) => boolean,
  ) {
    this.#frozen = frozen;
  }

  abstract writeKeyGroup(keyGroupIndex: number, out: DataOutput, serializers: StateSerializers): void;

  /** The frozen parts, for `writeKeyGroup`. */
  protected frozen(): T {
    if (this.#frozen === undefined) throw writeAfterRelease(this.name);
    return this.#frozen;
  }

  /** Hands a delta's changes back through `takeBack` (see FrozenStateTable.giveBack); false for others. */
  giveBack(): boolean {
    return this.#frozen !== undefined && this.takeBack !== undefined && this.takeBack(this.#frozen);
  }

  release(): void {
    if (this.#frozen === undefined) return;
    this.#frozen = undefined;
    this.onRelease();
  }
}

/** A `KeyedStateTable`'s maps as a full snapshot froze them. */
class FrozenKeyedStateTable<S> extends FrozenParts<readonly (StateMap<S> | undefined)[]> {
  writeKeyGroup(keyGroupIndex: number, out: DataOutput, serializers: StateSerializers): void {
    const stateMap = this.frozen()[keyGroupIndex];
    if (stateMap === undefined) {
      out.writeVarUint(0);
      return;
    }
    const entries = stateMap.entries;
    const valueSerializer = serializers.value;
    out.writeVarUint(entries.size);
    for (const [normalizedKey, value] of entries) {
      const key = denormalizeKey(normalizedKey);
      writeEntry(key, value, out, valueSerializer);
    }
  }
}

/** The changes a delta snapshot of a `KeyedStateTable` took: per key group, the values written last. */
class FrozenKeyedDelta<S> extends FrozenParts<readonly (ValueChanges<S> | undefined)[]> {
  /** The delta section of one key group (see `writeChanges`), from the recorded values alone. */
  writeKeyGroup(keyGroupIndex: number, out: DataOutput, serializers: StateSerializers): void {
    const changed = this.frozen()[keyGroupIndex];
    if (changed === undefined || changed.size === 0) {
      out.writeVarUint(0);
      out.writeVarUint(0);
      return;
    }
    let removals = 0;
    for (const value of changed.values()) if (value === REMOVED) removals++;
    out.writeVarUint(changed.size - removals);
    const valueSerializer = serializers.value;
    for (const [normalizedKey, value] of changed) {
      if (value === REMOVED) continue;
      const key = denormalizeKey(normalizedKey);
      writeEntry(key, value, out, valueSerializer);
    }
    out.writeVarUint(removals);
    if (removals > 0) for (const [normalizedKey, value] of changed) if (value === REMOVED) keySerializer.write(denormalizeKey(normalizedKey), out);
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
      writeEntry(key, value, out, valueSerializer);
    }
  }
  out.writeVarUint(removed.length);
  for (const key of removed) keySerializer.write(key, out);
}

/** Writes one entry, the key and then its value; CHECKPOINT_FAILED naming the key when the value's serializer rejects it. */
export function writeEntry(key: Key, value: unknown, out: DataOutput, valueSerializer: TypeSerializer<unknown>): void {
  out.boundary();
  keySerializer.write(key, out);
  try {
    valueSerializer.write(value, out);
  } catch (error) {
    throw entryWriteFailed(key, error);
  }
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
