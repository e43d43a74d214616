/**
 * @module The heap keyed state backend (Flink's `HeapKeyedStateBackend`): one per keyed operator
 * subtask, it owns the subtask's key-group range, the current key, one state table per state and the
 * timer queues registered for snapshots; it takes copy-on-write snapshots, full or incremental (a
 * delta of the entries changed since the previous one), and restores from them.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import type { CheckpointId } from '../core/ids.ts';
import type { Key, KeyGroupRange } from '../core/key-groups.ts';
import { DataInput } from '../types/data-input.ts';
import { checkCompatibility, serializerFromDescription } from '../types/serializer-from-description.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import type { ReduceFunction } from './aggregate-function.ts';
import { HeapAggregatingState } from './heap-aggregating-state.ts';
import { HeapListState } from './heap-list-state.ts';
import { HeapMapState } from './heap-map-state.ts';
import { HeapReducingState } from './heap-reducing-state.ts';
import { HeapTimerQueue } from './heap-timer-queue.ts';
import { HeapValueState } from './heap-value-state.ts';
import { InternalKeyContext } from './internal-key-context.ts';
import type { InternalKvState, InternalStateOf } from './internal-kv-state.ts';
import { readKeyInGroup } from './key-serializer.ts';
import { KeyedStateSnapshot, KeyedStateSnapshotReader } from './keyed-state-snapshot.ts';
import type { KeyedStateSnapshotKind } from './keyed-state-snapshot.ts';
import { KeyedStateTable, readEntryCount } from './keyed-state-table.ts';
import { VOID_NAMESPACE, readNamespace } from './namespace-id.ts';
import { NamespacedStateTable } from './namespaced-state-table.ts';
import type { StateDescriptor, StateKind } from './state-descriptors.ts';
import { checkStateRestore, migrationOf, serializersOfDescriptor, serializersOfMetaInfo } from './state-meta-info.ts';
import type { ResolvedStateSerializers, StateMetaInfo, TimerQueueMetaInfo } from './state-meta-info.ts';
import type { SnapshotChanges, StateSerializers, StateTable } from './state-table.ts';
import type { State, StateOf } from './state.ts';

/** What a `HeapKeyedStateBackend` is built from. */
export interface HeapKeyedStateBackendOptions {
  /** The key groups this subtask owns; a key outside them is a partitioning bug. */
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  /** Where the backend lives, for error messages, e.g. `operator 'count' (uid count) subtask 1/2`. */
  readonly operatorDescription?: string;
}

/** How a snapshot takes part in incremental checkpoints (`execution.checkpointing.incremental`). */
export interface KeyedSnapshotOptions {
  /**
   * `'full'`: a full snapshot that starts (or restarts) change tracking at its freeze. `'delta'`: only
   * the entries changed since the previous snapshot taken with `changes`, or a full snapshot when
   * there is none to build on (see `KeyedStateSnapshot.kind`). Omitted: a full snapshot that leaves
   * change tracking alone (savepoints).
   */
  readonly changes?: SnapshotChanges | undefined;
}

/** A registered state: its object and table, how it was first requested, and its serializers. */
interface RegisteredKvState {
  readonly kind: StateKind;
  readonly namespaced: boolean;
  /** Undefined for state restored from a snapshot and not requested since. */
  state: (State & InternalKvState) | undefined;
  readonly table: StateTable<unknown>;
  /** What snapshots write the table with: the requested descriptor's, or the stored ones until requested. */
  serializers: ResolvedStateSerializers;
}

type ActiveKvState = RegisteredKvState & { state: State & InternalKvState };

/** A timer queue whose timers snapshots include. */
interface RegisteredTimerQueue {
  readonly queue: HeapTimerQueue<Key, unknown>;
  readonly meta: TimerQueueMetaInfo;
  readonly namespace: TypeSerializer<unknown>;
  /** True for a queue the backend made to hold restored timers until an operator registers its own. */
  readonly restoredOnly: boolean;
}

/**
 * Keyed state on the JavaScript heap. An operator calls `setCurrentKey(key)` before it hands a
 * record or timer of `key` to user code; every state object then reads and writes that key's values.
 *
 * Checkpoints: `snapshot(id)` is the synchronous phase (it freezes every state table and registered
 * timer queue in time proportional to key groups, not keys); the returned snapshot's `write()` is the
 * asynchronous phase. `restore(blobs)` loads the key groups of this backend's range from snapshots of
 * any parallelism, before the operator touches state.
 *
 * @example
 * const backend = new HeapKeyedStateBackend({ keyGroupRange: new KeyGroupRange(0, 127), maxParallelism: 128 });
 * const count = backend.getState(new ValueStateDescriptor<number>('count'));
 * backend.setCurrentKey('app1');
 * count.update((count.value() ?? 0) + 1);
 */
export class HeapKeyedStateBackend {
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  readonly operatorDescription: string;
  private readonly keyContext: InternalKeyContext;
  private readonly states = new Map<string, RegisteredKvState>();
  private readonly timerQueues = new Map<string, RegisteredTimerQueue>();
  private restored = false;
  /** The kinds of key (`string`, `number`, `bigint`, `boolean`, `array`) state was written with; snapshots record them. */
  private readonly keyKinds = new Set<string>();
  /** `typeof` of the last key set: a key of another kind takes the slow path that records it. */
  private lastKeyType = '';
  /** The key kinds of restored state: a key of another kind means the key type changed. */
  private restoredKeyKinds: ReadonlySet<string> | undefined;
  /**
   * True from a snapshot taken with `changes` until state changes wholesale (restore, migration,
   * dispose): every table then records its changes, and the next `'delta'` can be one.
   */
  private trackingChanges = false;

  constructor(options: HeapKeyedStateBackendOptions) {
    const { keyGroupRange, maxParallelism } = options;
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1) {
      throw new WeirError('INVALID_OPTION', `maxParallelism must be a positive integer, got ${maxParallelism}`);
    }
    if (keyGroupRange.size > 0 && (keyGroupRange.start < 0 || keyGroupRange.end >= maxParallelism)) {
      throw new WeirError('INVALID_OPTION', `key-group range ${keyGroupRange.toString()} does not fit maxParallelism ${maxParallelism}`);
    }
    this.keyGroupRange = keyGroupRange;
    this.maxParallelism = maxParallelism;
    this.operatorDescription = options.operatorDescription ?? 'a keyed operator';
    this.keyContext = new InternalKeyContext(keyGroupRange, maxParallelism, this.operatorDescription);
  }

  /**
   * Scopes all keyed state to `key` until the next call. Computes the key group and the normalized
   * key once; a key whose group this subtask does not own throws STATE_ACCESS.
   */
  setCurrentKey(key: Key): void {
    this.keyContext.setCurrentKey(key);
    const type = typeof key;
    if (type !== this.lastKeyType) this.noteKeyType(type);
  }

  /**
   * Records a kind of key. After a restore, a key of a kind the restored state was never keyed by
   * means the job's key type changed (Flink's incompatible key serializer): its state would never be
   * found, so the restore fails with RESTORE_FAILED.
   */
  private noteKeyType(type: string): void {
    this.lastKeyType = type;
    const kind = type === 'object' ? 'array' : type;
    const restored = this.restoredKeyKinds;
    if (restored !== undefined && restored.size > 0 && !restored.has(kind)) {
      const before = [...restored].join(' and ');
      throw new WeirError('RESTORE_FAILED', `cannot restore the keyed state of ${this.operatorDescription}: its key type changed from ${before} to ${kind}; the restored state is keyed by ${before} keys, which ${kind} keys would never find`, {
        hint: 'key the stream as the version that took the snapshot did (keyBy must return keys of the same type), or drop this state: give the operator a new uid and restore with --allow-non-restored-state (-n)',
      });
    }
    this.keyKinds.add(kind);
  }

  /** The current key, or undefined outside a keyed context. */
  getCurrentKey(): Key | undefined {
    return this.keyContext.key;
  }

  /** The current key's key group, or undefined outside a keyed context. */
  getCurrentKeyGroup(): number | undefined {
    const keyGroup = this.keyContext.keyGroup;
    return keyGroup < 0 ? undefined : keyGroup;
  }

  /**
   * The state object for `descriptor`, scoped to the void namespace (the key alone). Created on the
   * first call and cached by name, so calling it per record is cheap but calling it once in `open()`
   * is cheaper. Reusing a name for another kind of state throws STATE_ACCESS.
   */
  getState<D extends StateDescriptor>(descriptor: D): StateOf<D> {
    const registered = this.states.get(descriptor.name);
    // the registry erases the descriptor's type parameters; `kind` and `name` guarantee the match
    if (registered?.state !== undefined && registered.kind === descriptor.kind && !registered.namespaced) return registered.state as unknown as StateOf<D>;
    return this.register(descriptor, false).state as unknown as StateOf<D>;
  }

  /**
   * The state object for `descriptor` with its current namespace set to `namespace` (window
   * operators: the window). A state requested this way keeps values per (key, namespace) for its
   * whole life, and the one object is shared: its namespace is whatever was set last, so hot paths
   * keep the object and call `setCurrentNamespace` on it instead.
   */
  getPartitionedState<D extends StateDescriptor>(descriptor: D, namespace: unknown): InternalStateOf<D> {
    const registered = this.states.get(descriptor.name);
    let state = registered?.state;
    if (state === undefined || registered?.kind !== descriptor.kind || !registered.namespaced) state = this.register(descriptor, true).state;
    state.setCurrentNamespace(namespace);
    return state as InternalStateOf<D>;
  }

  /**
   * Calls `fn` for every key that has a value in `descriptor`'s state under `namespace`, with that key
   * set as the current key and the state scoped to `namespace`. Keys are collected first, so `fn` may
   * clear or write state. The previous current key is restored afterwards.
   */
  applyToAllKeys<D extends StateDescriptor>(
    descriptor: D,
    fn: (key: Key, state: StateOf<D>) => void,
    namespace: unknown = VOID_NAMESPACE,
  ): void {
    const registered = this.states.get(descriptor.name);
    if (registered === undefined) return;
    const state = registered.namespaced ? this.getPartitionedState(descriptor, namespace) : this.getState(descriptor);
    if (!registered.namespaced && namespace !== VOID_NAMESPACE) registered.table.setCurrentNamespace(namespace);
    const keys = Array.from(registered.table.keys(namespace));
    const previousKey = this.keyContext.key;
    try {
      for (const key of keys) {
        this.keyContext.setCurrentKey(key);
        fn(key, state);
      }
    } finally {
      if (previousKey === undefined) this.keyContext.clearCurrentKey();
      else this.keyContext.setCurrentKey(previousKey);
    }
  }

  /**
   * The keys with a value in state `stateName` (under `namespace`, or under any namespace when
   * omitted), as the operator passed them. A live view: do not write state while iterating.
   */
  getKeys(stateName: string, namespace?: unknown): IterableIterator<Key> {
    return this.requireRegistered(stateName).table.keys(namespace);
  }

  /** Every (key, namespace) pair with a value in state `stateName`. */
  getKeysAndNamespaces(stateName: string): IterableIterator<[Key, unknown]> {
    return this.requireRegistered(stateName).table.keysAndNamespaces();
  }

  /**
   * How many values every state holds together (one per key, or per key and namespace), counted per
   * key group and namespace rather than per key: cheap enough for a checkpoint's synchronous phase.
   */
  numEntries(): number {
    let count = 0;
    for (const registered of this.states.values()) count += registered.table.numEntries();
    return count;
  }

  /** How many keys have a value in state `stateName`. */
  numKeys(stateName: string): number {
    return this.requireRegistered(stateName).table.numKeys();
  }

  /** The names of the registered states, in registration order. */
  getRegisteredStateNames(): string[] {
    return Array.from(this.states.keys());
  }

  /**
   * Includes `queue`'s timers in this backend's snapshots under `name`, and hands it the timers a
   * restore found under that name (in firing order). Call it once per queue, e.g. for an
   * `InternalTimerService`'s event-time and processing-time queues, before the first snapshot; timers
   * restored into a processing-time queue need their wake-up armed afterwards (see `queue.peek()`).
   * `namespaceSerializer` writes the timers' namespaces (windows); it defaults to `Types.generic()`.
   * The queue must have this backend's key-group range and `maxParallelism`.
   *
   * @example
   * backend.registerTimerQueue('event-time-timers', eventTimers);
   */
  registerTimerQueue<N>(name: string, queue: HeapTimerQueue<Key, N>, namespaceSerializer?: TypeSerializer<N>): void {
    this.checkNotDisposed(`timer queue '${name}'`);
    const existing = this.timerQueues.get(name);
    if (existing !== undefined && !existing.restoredOnly) {
      throw new WeirError('STATE_ACCESS', `a timer queue named '${name}' is already registered in ${this.operatorDescription}`, {
        hint: 'give every timer queue of an operator its own name; the name identifies its timers in snapshots',
      });
    }
    if (queue.maxParallelism !== this.maxParallelism || queue.keyGroupRange.start !== this.keyGroupRange.start || queue.keyGroupRange.end !== this.keyGroupRange.end) {
      throw new WeirError(
        'STATE_ACCESS',
        `timer queue '${name}' covers key groups ${queue.keyGroupRange.toString()} of ${queue.maxParallelism}, but the state backend of ${this.operatorDescription} covers ${this.keyGroupRange.toString()} of ${this.maxParallelism}`,
        { hint: "this is a bug: create timer queues with the backend's keyGroupRange and maxParallelism; please report it" },
      );
    }
    const serializer = (namespaceSerializer ?? Types.generic());
    const meta: TimerQueueMetaInfo = { name, namespace: serializer.describe() };
    const target = queue as HeapTimerQueue<Key, unknown>;
    if (existing !== undefined) {
      const migrate = this.timerNamespaceMigration(existing.meta, meta, serializer);
      for (let timer = existing.queue.poll(); timer !== undefined; timer = existing.queue.poll()) {
        target.add({ timestamp: timer.timestamp, key: timer.key, namespace: migrate === undefined ? timer.namespace : migrate(timer.namespace) });
      }
    }
    this.timerQueues.set(name, { queue: target, meta, namespace: serializer, restoredOnly: false });
  }

  /**
   * The synchronous phase of a checkpoint: freezes every state (also restored state not requested
   * since) and every registered timer queue, in time proportional to key groups and states, not keys.
   * Writes after it copy a key group's map before changing it, so the snapshot keeps this moment's
   * view. Several snapshots may be outstanding; each must be released.
   *
   * Incremental checkpoints pass `changes` (see `KeyedSnapshotOptions`): a `'delta'` holds, per key
   * group, the keys written since the previous `changes` snapshot with their values at this freeze
   * (or their removal), and every timer; it is restored after the snapshots it builds on. Until the
   * first `changes` snapshot, writes track nothing; after it, each write marks its key once.
   *
   * @example
   * const snapshot = backend.snapshot(CheckpointId(3));
   * const bytes = snapshot.write(); // later, off the record path
   * snapshot.release();
   * const delta = backend.snapshot(CheckpointId(4), { changes: 'delta' }); // delta.kind: 'delta', or 'full' with nothing to build on
   */
  snapshot(checkpointId: CheckpointId, options?: KeyedSnapshotOptions): KeyedStateSnapshot {
    this.checkNotDisposed('a snapshot');
    const changes = options?.changes;
    if (changes !== undefined && changes !== 'full' && changes !== 'delta') {
      throw new WeirError('INVALID_OPTION', `snapshot changes must be 'full' or 'delta', got '${String(changes)}'`, { hint: 'omit it for a full snapshot that leaves change tracking alone' });
    }
    const kind: KeyedStateSnapshotKind = changes === 'delta' && this.trackingChanges ? 'delta' : 'full';
    const mode = changes === undefined ? undefined : kind;
    const states = Array.from(this.states.values(), (registered) => ({ serializers: registered.serializers, frozen: registered.table.freeze(mode) }));
    if (changes !== undefined) this.trackingChanges = true;
    const timerQueues = Array.from(this.timerQueues.values(), ({ meta, namespace, queue }) => ({ meta, namespace, frozen: queue.freeze() }));
    return new KeyedStateSnapshot({
      checkpointId,
      maxParallelism: this.maxParallelism,
      keyGroupRange: this.keyGroupRange,
      operatorDescription: this.operatorDescription,
      states,
      timerQueues,
      keyKinds: [...this.keyKinds],
      kind,
    });
  }

  /**
   * Loads this backend's key groups from the keyed snapshots of one operator, taken at any
   * parallelism: pass every old subtask's bytes; key groups outside this backend's range are skipped
   * without being decoded. With incremental checkpoints, pass each old subtask's chain in order, its
   * full snapshot first and then its deltas (chains one after the other): a delta applies onto what
   * the blobs before it restored for its key groups, and a key group's timers come from the last blob
   * that holds it. Call it once, before any state is written; states registered already are checked
   * now, the others when first requested (a changed kind or an incompatible type fails with
   * RESTORE_FAILED, a compatible change such as an added optional field migrates the values). Timers
   * go to the queue registered under their name (now or later). Damaged bytes fail with
   * CHECKPOINT_CORRUPT, a changed `maxParallelism` or a broken chain with RESTORE_FAILED.
   */
  restore(blobs: readonly Uint8Array[]): void {
    this.checkNotDisposed('a restore');
    const where = this.operatorDescription;
    if (this.restored) throw new WeirError('RESTORE_FAILED', `the keyed state of ${where} was restored twice`, { hint: 'this is a bug in the task runtime: restore once, before open(); please report it' });
    const written = Array.from(this.states.values()).some((registered) => registered.table.numKeys() > 0) || Array.from(this.timerQueues.values()).some(({ queue }) => !queue.isEmpty());
    if (written) throw new WeirError('RESTORE_FAILED', `cannot restore the keyed state of ${where}: state was written before the restore`, { hint: 'this is a bug in the task runtime: restore before the operator processes anything; please report it' });
    this.restored = true;
    // the restore replaces state without marking it: a delta must not build on anything before it
    this.stopTrackingChanges();

    const readers = blobs.map((bytes, index) => new KeyedStateSnapshotReader(bytes, { operatorDescription: where, index, count: blobs.length }));
    for (const reader of readers) {
      if (reader.maxParallelism !== this.maxParallelism) {
        throw new WeirError('RESTORE_FAILED', `cannot restore ${where}: its snapshot was taken with maxParallelism ${reader.maxParallelism}, the job now has ${this.maxParallelism}`, {
          hint: 'maxParallelism is fixed for the life of a job; set it back to the value the snapshot was taken with',
        });
      }
    }
    const restoredKeyKinds = new Set(readers.flatMap((reader) => reader.metadata.keyKinds));
    this.restoredKeyKinds = restoredKeyKinds;
    for (const kind of restoredKeyKinds) this.keyKinds.add(kind);
    const stateTargets = new Map<string, RestoreTarget>();
    const queueTargets = new Map<string, TimerRestoreTarget>();
    // every blob holds all timers of its key groups: per queue and key group, the last blob's replace the others
    const timerSources = new Map<string, Map<number, number>>();
    readers.forEach((reader, blob) => {
      for (const meta of reader.metadata.states) if (!stateTargets.has(meta.name)) stateTargets.set(meta.name, this.stateRestoreTarget(meta));
      for (const meta of reader.metadata.timerQueues) {
        if (!queueTargets.has(meta.name)) queueTargets.set(meta.name, this.timerRestoreTarget(meta));
        let sources = timerSources.get(meta.name);
        if (sources === undefined) timerSources.set(meta.name, (sources = new Map<number, number>()));
        for (const keyGroup of reader.keyGroups()) if (this.keyGroupRange.contains(keyGroup)) sources.set(keyGroup, blob);
      }
    });

    /** Per key group: the full blob it was restored from, and the last blob applied to it. */
    const fullBlobs = new Map<number, number>();
    const lastBlobs = new Map<number, number>();
    readers.forEach((reader, blob) => {
      const { states, timerQueues } = reader.metadata;
      const delta = reader.metadata.kind === 'delta';
      for (const keyGroup of reader.keyGroups()) {
        if (!this.keyGroupRange.contains(keyGroup)) continue;
        if (delta) this.checkDeltaFollows(readers, blob, keyGroup, fullBlobs.get(keyGroup), lastBlobs.get(keyGroup));
        else if (fullBlobs.has(keyGroup)) {
          throw new WeirError('RESTORE_FAILED', `cannot restore ${where}: key group ${keyGroup} is held by more than one of its ${readers.length} full snapshots`, {
            hint: 'this is a bug in the checkpoint handed to the restore: pass one full snapshot (and its deltas) per old subtask; please report it',
          });
        } else fullBlobs.set(keyGroup, blob);
        lastBlobs.set(keyGroup, blob);
        states.forEach((meta, section) => {
          const target = stateTargets.get(meta.name) as RestoreTarget;
          this.checkSameMeta(target.stored, meta, blob, readers.length);
          this.readSection(reader, keyGroup, section, `state '${meta.name}'`, (input) =>
            delta ? target.table.readKeyGroupChanges(keyGroup, input, target.read) : target.table.readKeyGroup(keyGroup, input, target.read),
          );
        });
        timerQueues.forEach((meta, i) => {
          if (timerSources.get(meta.name)?.get(keyGroup) !== blob) return;
          const target = queueTargets.get(meta.name) as TimerRestoreTarget;
          this.readSection(reader, keyGroup, states.length + i, `timer queue '${meta.name}'`, (input) => this.readTimers(keyGroup, input, target));
        });
      }
    });
    for (const target of stateTargets.values()) if (target.migrate !== undefined) target.table.transformValues(target.migrate);
  }

  /**
   * A delta applies onto its own chain: after the full snapshot of the same old subtask (the same
   * key-group range) and after every blob before it for the key group, by checkpoint id.
   */
  private checkDeltaFollows(readers: readonly KeyedStateSnapshotReader[], blob: number, keyGroup: number, fullBlob: number | undefined, lastBlob: number | undefined): void {
    const reader = readers[blob] as KeyedStateSnapshotReader;
    const base = fullBlob === undefined ? undefined : (readers[fullBlob] as KeyedStateSnapshotReader);
    const last = lastBlob === undefined ? undefined : (readers[lastBlob] as KeyedStateSnapshotReader);
    let problem: string | undefined;
    if (base === undefined) problem = 'no full snapshot comes before it';
    else if (base.keyGroupRange.start !== reader.keyGroupRange.start || base.keyGroupRange.end !== reader.keyGroupRange.end) {
      problem = `it covers key groups ${reader.keyGroupRange.toString()}, but the full snapshot before it (${(fullBlob as number) + 1}) covers ${base.keyGroupRange.toString()}`;
    } else if (last !== undefined && last.checkpointId >= reader.checkpointId) {
      problem = `it is of checkpoint ${reader.checkpointId}, but snapshot ${(lastBlob as number) + 1} before it is of checkpoint ${last.checkpointId}`;
    }
    if (problem === undefined) return;
    throw new WeirError('RESTORE_FAILED', `cannot restore ${this.operatorDescription}: keyed state snapshot ${blob + 1} of ${readers.length} is a delta for key group ${keyGroup}, but ${problem}`, {
      hint: "this is a bug in the checkpoint handed to the restore: pass each old subtask's full snapshot, then its deltas in checkpoint order; please report it",
    });
  }

  /** Drops all state; any later access throws STATE_ACCESS. Outstanding snapshots stay writable. */
  dispose(): void {
    this.trackingChanges = false;
    for (const registered of this.states.values()) registered.table.clearAll();
    this.states.clear();
    this.timerQueues.clear();
    this.keyContext.clearCurrentKey();
    this.keyContext.disposed = true;
  }

  private register(descriptor: StateDescriptor, namespaced: boolean): ActiveKvState {
    this.checkNotDisposed(`state '${descriptor.name}'`);
    const existing = this.states.get(descriptor.name);
    if (existing?.state !== undefined) throw this.conflict(descriptor, existing, namespaced);
    const serializers = serializersOfDescriptor(descriptor, namespaced);
    if (existing !== undefined) return this.adoptRestored(existing, descriptor, serializers);
    const table = createTable(descriptor.name, namespaced, this.keyContext, serializers.copyForUpdate);
    // new since the last changes snapshot: every entry it gets is a change
    if (this.trackingChanges) table.trackChanges();
    const registered: ActiveKvState = { kind: descriptor.kind, namespaced, state: createState(descriptor, table), table, serializers };
    this.states.set(descriptor.name, registered);
    return registered;
  }

  /** Turns restored state into requested state: checks the stored types against the descriptor's, migrating if needed. */
  private adoptRestored(restored: RegisteredKvState, descriptor: StateDescriptor, serializers: ResolvedStateSerializers): ActiveKvState {
    const action = checkStateRestore(restored.serializers.meta, serializers.meta, this.operatorDescription);
    // every value changes, or the description snapshots write does: a delta cannot build on a snapshot before
    if (action.kind === 'migrate' || JSON.stringify(restored.serializers.meta) !== JSON.stringify(serializers.meta)) this.stopTrackingChanges();
    if (action.kind === 'migrate') restored.table.transformValues(migrationOf(serializers.value, `state '${descriptor.name}' of ${this.operatorDescription}`));
    restored.table.copyForUpdate = serializers.copyForUpdate;
    restored.serializers = serializers;
    restored.state = createState(descriptor, restored.table);
    return restored as ActiveKvState;
  }

  /** Where a stored state's entries go: the registered state (checked now) or a new table awaiting its first request. */
  private stateRestoreTarget(stored: StateMetaInfo): RestoreTarget {
    const registered = this.states.get(stored.name);
    if (registered !== undefined) {
      const action = checkStateRestore(stored, registered.serializers.meta, this.operatorDescription);
      if (action.kind === 'use') return { stored, table: registered.table, read: registered.serializers, migrate: undefined };
      const subject = `state '${stored.name}' of ${this.operatorDescription}`;
      return { stored, table: registered.table, read: this.storedSerializers(stored), migrate: migrationOf(registered.serializers.value, subject) };
    }
    const serializers = this.storedSerializers(stored);
    const table = createTable(stored.name, stored.namespaced, this.keyContext, serializers.copyForUpdate);
    this.states.set(stored.name, { kind: stored.kind, namespaced: stored.namespaced, state: undefined, table, serializers });
    return { stored, table, read: serializers, migrate: undefined };
  }

  private timerRestoreTarget(stored: TimerQueueMetaInfo): TimerRestoreTarget {
    const registered = this.timerQueues.get(stored.name);
    if (registered !== undefined) {
      const migrate = this.timerNamespaceMigration(stored, registered.meta, registered.namespace);
      return { queue: registered.queue, read: migrate === undefined ? registered.namespace : this.storedNamespaceSerializer(stored), migrate };
    }
    const queue = new HeapTimerQueue<Key, unknown>({ keyGroupRange: this.keyGroupRange, maxParallelism: this.maxParallelism, operatorDescription: this.operatorDescription });
    const namespace = this.storedNamespaceSerializer(stored);
    this.timerQueues.set(stored.name, { queue, meta: stored, namespace, restoredOnly: true });
    return { queue, read: namespace, migrate: undefined };
  }

  /** How restored timers' namespaces become values of `current`'s namespace type; undefined when they already are. */
  private timerNamespaceMigration(stored: TimerQueueMetaInfo, current: TimerQueueMetaInfo, serializer: TypeSerializer<unknown>): ((namespace: unknown) => unknown) | undefined {
    const compatibility = checkCompatibility(stored.namespace, current.namespace);
    const subject = `the namespaces of timer queue '${current.name}' of ${this.operatorDescription}`;
    if (compatibility.kind === 'incompatible') {
      throw new WeirError('RESTORE_FAILED', `cannot restore ${subject}: their type changed incompatibly: ${compatibility.reason}`, {
        hint: 'keep the window (namespace) type the timers were stored with, or change it compatibly',
      });
    }
    if (compatibility.kind === 'compatible') return undefined;
    const migrate = migrationOf(serializer, subject);
    return (namespace) => (namespace === VOID_NAMESPACE ? namespace : migrate(namespace));
  }

  private storedSerializers(stored: StateMetaInfo): ResolvedStateSerializers {
    try {
      return serializersOfMetaInfo(stored);
    } catch (error) {
      throw new WeirError('RESTORE_FAILED', `cannot restore state '${stored.name}' of ${this.operatorDescription}: ${describeCause(error)}`, { cause: error, hint: 'the snapshot was written by a newer weir, or is damaged' });
    }
  }

  private storedNamespaceSerializer(stored: TimerQueueMetaInfo): TypeSerializer<unknown> {
    try {
      return serializerFromDescription(stored.namespace);
    } catch (error) {
      throw new WeirError('RESTORE_FAILED', `cannot restore timer queue '${stored.name}' of ${this.operatorDescription}: ${describeCause(error)}`, { cause: error, hint: 'the snapshot was written by a newer weir, or is damaged' });
    }
  }

  /** Snapshots of one checkpoint describe a state alike; a difference means they do not belong together. */
  private checkSameMeta(first: StateMetaInfo, other: StateMetaInfo, blob: number, count: number): void {
    if (first === other || JSON.stringify(first) === JSON.stringify(other)) return;
    throw new WeirError('RESTORE_FAILED', `cannot restore state '${first.name}' of ${this.operatorDescription}: keyed state snapshot ${blob + 1} of ${count} describes it differently from another snapshot`, {
      hint: 'the snapshots handed to the restore come from different checkpoints or job versions; restore from one checkpoint',
    });
  }

  private readSection(reader: KeyedStateSnapshotReader, keyGroup: number, section: number, what: string, read: (input: DataInput) => void): void {
    const input = new DataInput(reader.section(keyGroup, section) as Uint8Array);
    try {
      read(input);
    } catch (error) {
      if (error instanceof WeirError && error.code !== 'SERIALIZATION_FAILED') throw error;
      throw reader.corrupt(`${what}, key group ${keyGroup}: ${describeCause(error)}`, undefined, error);
    }
    if (input.remaining !== 0) throw reader.corrupt(`${what}, key group ${keyGroup}: ${input.remaining} bytes left over after its entries`);
  }

  private readTimers(keyGroup: number, input: DataInput, target: TimerRestoreTarget): void {
    const count = readEntryCount(input);
    const { queue, read, migrate } = target;
    for (let i = 0; i < count; i++) {
      const timestamp = input.readFloat64();
      const key = readKeyInGroup(input, keyGroup, this.maxParallelism);
      const namespace = readNamespace(read, input);
      queue.add({ timestamp, key, namespace: migrate === undefined ? namespace : migrate(namespace) });
    }
  }

  /** After a wholesale change: the next `'delta'` snapshot is a full one. */
  private stopTrackingChanges(): void {
    this.trackingChanges = false;
    for (const registered of this.states.values()) registered.table.stopTrackingChanges();
  }

  private checkNotDisposed(what: string): void {
    if (this.keyContext.disposed) {
      throw new WeirError('STATE_ACCESS', `${what} requested after the state backend of ${this.operatorDescription} was disposed`, {
        hint: 'this is a bug in the operator lifecycle: state must not be used after close()',
      });
    }
  }

  private conflict(descriptor: StateDescriptor, existing: RegisteredKvState, namespaced: boolean): WeirError {
    if (existing.kind !== descriptor.kind) {
      return new WeirError(
        'STATE_ACCESS',
        `state '${descriptor.name}' of ${this.operatorDescription} is already registered as ${existing.kind} state and cannot also be ${descriptor.kind} state`,
        { hint: 'give every state of an operator its own name; the name identifies the state in snapshots' },
      );
    }
    const how = (perNamespace: boolean): string => (perNamespace ? 'per namespace (getPartitionedState)' : 'without namespaces (getState)');
    return new WeirError(
      'STATE_ACCESS',
      `state '${descriptor.name}' of ${this.operatorDescription} is registered ${how(existing.namespaced)} and cannot be requested ${how(namespaced)}`,
      { hint: 'use separate state names for per-window state and for state kept per key across windows' },
    );
  }

  private requireRegistered(stateName: string): RegisteredKvState {
    const registered = this.states.get(stateName);
    if (registered === undefined) {
      const known = this.getRegisteredStateNames();
      throw new WeirError('STATE_ACCESS', `no state named '${stateName}' is registered in ${this.operatorDescription}`, {
        hint: known.length === 0 ? 'register it with getState(descriptor) first' : `registered states: ${known.map((name) => `'${name}'`).join(', ')}`,
      });
    }
    return registered;
  }
}

/** Where one stored state's entries are read into, with which serializers, and how they migrate after. */
interface RestoreTarget {
  readonly stored: StateMetaInfo;
  readonly table: StateTable<unknown>;
  readonly read: StateSerializers;
  readonly migrate: ((value: unknown) => unknown) | undefined;
}

interface TimerRestoreTarget {
  readonly queue: HeapTimerQueue<Key, unknown>;
  readonly read: TypeSerializer<unknown>;
  readonly migrate: ((namespace: unknown) => unknown) | undefined;
}

function createTable(name: string, namespaced: boolean, keyContext: InternalKeyContext, copyForUpdate: (value: unknown) => unknown): StateTable<unknown> {
  return namespaced ? new NamespacedStateTable<unknown>(name, keyContext, copyForUpdate) : new KeyedStateTable<unknown>(name, keyContext, copyForUpdate);
}

// The descriptor's type parameters are erased at this point; the public signatures (StateOf,
// InternalStateOf) carry them, so the casts below only restore what the descriptor's kind implies.
function createState(descriptor: StateDescriptor, table: StateTable<unknown>): State & InternalKvState {
  switch (descriptor.kind) {
    case 'value':
      return new HeapValueState(table);
    case 'list':
      return new HeapListState(table as StateTable<unknown[]>);
    case 'map':
      return new HeapMapState(table as StateTable<Map<unknown, unknown>>);
    case 'reducing':
      return new HeapReducingState(table, descriptor.reduceFunction as ReduceFunction<unknown>);
    case 'aggregating':
      return new HeapAggregatingState(table, descriptor.aggregateFunction);
  }
}
