/**
 * @module The state table for state scoped to the key alone (the void namespace): the per-record
 * fast path, one array slot and one `Map` lookup per access, plus one counter check per write for
 * copy-on-write snapshots.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { normalizeKey } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import type { DataInput } from '../types/data-input.ts';
import type { DataOutput } from '../types/data-output.ts';
import { describeKey } from './internal-key-context.ts';
import type { InternalKeyContext, NormalizedKey } from './internal-key-context.ts';
import { keySerializer, readKeyInGroup } from './key-serializer.ts';
import { VOID_NAMESPACE } from './namespace-id.ts';
import { OriginalKeys } from './original-keys.ts';
import { StateMap } from './state-map.ts';
import type { FrozenStateTable, StateSerializers, StateTable } from './state-table.ts';

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

  freeze(): FrozenStateTable {
    const frozen = this.stateMaps.slice();
    for (const stateMap of frozen) if (stateMap !== undefined) stateMap.snapshotRefs++;
    this.outstandingSnapshots++;
    return new FrozenKeyedStateTable(this.name, frozen, () => this.release(frozen));
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

/** A `KeyedStateTable`'s maps as one snapshot froze them. */
class FrozenKeyedStateTable<S> implements FrozenStateTable {
  private readonly name: string;
  private stateMaps: readonly (StateMap<S> | undefined)[] | undefined;
  private readonly onRelease: () => void;

  constructor(name: string, stateMaps: readonly (StateMap<S> | undefined)[], onRelease: () => void) {
    this.name = name;
    this.stateMaps = stateMaps;
    this.onRelease = onRelease;
  }

  writeKeyGroup(keyGroupIndex: number, out: DataOutput, serializers: StateSerializers): void {
    if (this.stateMaps === undefined) throw writeAfterRelease(this.name);
    const stateMap = this.stateMaps[keyGroupIndex];
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
