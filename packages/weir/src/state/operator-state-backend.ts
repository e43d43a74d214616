/**
 * @module The operator state backend (Flink's `OperatorStateBackend`): list state per operator
 * subtask rather than per key, such as a source's split positions, with its snapshots and how a
 * restore at another parallelism redistributes it.
 *
 * Redistribution (Flink's `OperatorStateHandle.Mode`): every new subtask is handed the snapshots of
 * all old subtasks, in old subtask order, and picks its share itself, deterministically, so the task
 * runtime needs no knowledge of the format.
 * - split list state (`getListState`, Flink's SPLIT_DISTRIBUTE): at unchanged parallelism subtask i
 *   gets back exactly what old subtask i stored (a source keeps its splits); otherwise the elements of
 *   all old subtasks, concatenated in old subtask order, are cut into `parallelism` contiguous runs
 *   whose lengths differ by at most one, and subtask i takes run i. Every element lands exactly once.
 * - union list state (`getUnionListState`, Flink's UNION): every subtask gets all elements of all old
 *   subtasks, and usually keeps only what concerns it.
 * - broadcast state (`getBroadcastState`, Flink's BROADCAST): a map that every subtask holds alike;
 *   new subtask i gets old subtask (i mod old parallelism)'s copy whole, so every subtask has one.
 *
 * Format, version 1 (little-endian, as the keyed snapshot): magic 'WOSS', uint8 format version,
 * varuint checkpointId, a JSON string `{ states: [{ name, mode: 'split' | 'union' | 'broadcast',
 * element }] }` with each element serializer's description (a broadcast state's elements are
 * `[key, value]` tuples), then per state a varuint element count and the elements.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import type { CheckpointId, SubtaskIndex } from '../core/ids.ts';
import { DataInput } from '../types/data-input.ts';
import { DataOutput } from '../types/data-output.ts';
import { checkCompatibility, serializerFromDescription } from '../types/serializer-from-description.ts';
import type { TypeDescription, TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import { readEntryCount } from './keyed-state-table.ts';
import { migrationOf } from './state-meta-info.ts';
import { HeapBroadcastState, type BroadcastState } from './broadcast-state.ts';
import type { ListStateDescriptor, MapStateDescriptor } from './state-descriptors.ts';
import type { ListState } from './state.ts';

/** How a state is redistributed on restore: split among the subtasks, the union to each, or one copy to each. */
export type OperatorStateMode = 'split' | 'union' | 'broadcast';

/** What an operator state snapshot records about one list state. */
export interface OperatorStateMetaInfo {
  readonly name: string;
  readonly mode: OperatorStateMode;
  readonly element: TypeDescription;
}

/** What an `OperatorStateBackend` is built from. */
export interface OperatorStateBackendOptions {
  /** Where the backend lives, for error messages, e.g. `operator 'source' (uid src) subtask 1/2`. */
  readonly operatorDescription?: string;
}

/** This subtask's place in the job, which decides its share of split list state on restore. */
export interface OperatorStateRestoreTarget {
  readonly subtaskIndex: SubtaskIndex;
  readonly parallelism: number;
}

/** 'WOSS' (weir operator state snapshot). */
const MAGIC = [0x57, 0x4f, 0x53, 0x53] as const;
/** The format this module writes and reads; a restore refuses others. */
export const OPERATOR_STATE_SNAPSHOT_VERSION = 1;
const EMPTY: readonly never[] = Object.freeze([]);

/** A registered state: its elements (for broadcast state, its map), mode and element serializer. */
interface RegisteredOperatorState {
  readonly meta: OperatorStateMetaInfo;
  readonly serializer: TypeSerializer<unknown>;
  /** Undefined for restored state not requested since: its elements are kept for the next snapshot. */
  state: OperatorListState<unknown> | HeapBroadcastState<unknown, unknown> | undefined;
  elements: unknown[];
}

/** A state's elements as of now: a broadcast state's entries as `[key, value]` pairs. */
function currentElements(registered: RegisteredOperatorState): unknown[] {
  return registered.state instanceof HeapBroadcastState ? registered.state.toPairs() : registered.elements;
}

/**
 * Operator state of one operator subtask. Every state is a list; its mode says how a restore at a
 * new parallelism redistributes it (see the module comment).
 *
 * @example
 * const splits = operatorState.getListState(new ListStateDescriptor('splits', SplitType));
 * // on restore: for (const split of splits.get()) reader.addSplit(split);
 * // at a checkpoint barrier: splits.update(reader.currentSplits());
 */
export class OperatorStateBackend {
  readonly operatorDescription: string;
  private readonly states = new Map<string, RegisteredOperatorState>();
  private restored = false;
  private disposed = false;

  constructor(options: OperatorStateBackendOptions = {}) {
    this.operatorDescription = options.operatorDescription ?? 'an operator';
  }

  /** A list state whose elements are split among the subtasks on restore (Flink's `getListState`). */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.getState(descriptor, 'split');
  }

  /** A list state whose elements all go to every subtask on restore (Flink's `getUnionListState`). */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.getState(descriptor, 'union');
  }

  /**
   * A map that every subtask of a broadcast operator holds alike (Flink's `getBroadcastState`): on
   * restore, each subtask gets one old subtask's copy whole, whatever the parallelism.
   */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    this.checkNotDisposed(`broadcast state '${descriptor.name}'`);
    const existing = this.states.get(descriptor.name);
    if (existing?.state instanceof HeapBroadcastState) return existing.state as HeapBroadcastState<K, V>;
    const serializer = Types.tuple(descriptor.keySerializer ?? Types.generic(), descriptor.valueSerializer ?? Types.generic()) as TypeSerializer<unknown>;
    const meta: OperatorStateMetaInfo = { name: descriptor.name, mode: 'broadcast', element: serializer.describe() };
    if (existing?.state !== undefined) {
      throw new WeirError('STATE_ACCESS', `operator state '${descriptor.name}' of ${this.operatorDescription} is already registered as ${modeName(existing.meta.mode)} and cannot also be broadcast state`, {
        hint: 'give every operator state its own name; the name identifies it in snapshots',
      });
    }
    let pairs: unknown[] = [];
    if (existing !== undefined) {
      const migrate = this.restoreAction(existing.meta, meta, serializer);
      pairs = migrate === undefined ? existing.elements : existing.elements.map(migrate);
    }
    const state = new HeapBroadcastState<K, V>(descriptor.name, pairs as [K, V][]);
    this.states.set(descriptor.name, { meta, serializer, state, elements: [] });
    return state;
  }

  /** The names of the registered and restored states, in registration order. */
  getRegisteredStateNames(): string[] {
    return Array.from(this.states.keys());
  }

  /**
   * The synchronous phase of a checkpoint: copies every state's element array (operator state is
   * small: split positions, pending transactions), so later writes cannot change the snapshot.
   */
  snapshot(checkpointId: CheckpointId): OperatorStateSnapshot {
    this.checkNotDisposed('a snapshot');
    const states = Array.from(this.states.values(), (registered) => ({
      meta: registered.meta,
      serializer: registered.serializer,
      elements: registered.state instanceof HeapBroadcastState ? registered.state.toPairs() : registered.elements.slice(),
    }));
    return new OperatorStateSnapshot(checkpointId, this.operatorDescription, states);
  }

  /**
   * Loads this subtask's share of the snapshots of all old subtasks (`blobs[i]` from old subtask i,
   * all of one checkpoint): split state as described in the module comment, union state whole.
   * Call it once, before any state is written. Stored types are checked when a state is requested:
   * an incompatible type or a changed mode fails with RESTORE_FAILED, damaged bytes with
   * CHECKPOINT_CORRUPT.
   */
  restore(blobs: readonly Uint8Array[], target: OperatorStateRestoreTarget): void {
    this.checkNotDisposed('a restore');
    const where = this.operatorDescription;
    const { subtaskIndex, parallelism } = target;
    if (!Number.isInteger(parallelism) || parallelism < 1 || !Number.isInteger(subtaskIndex) || subtaskIndex < 0 || subtaskIndex >= parallelism) {
      throw new WeirError('INVALID_OPTION', `cannot restore ${where} as subtask ${subtaskIndex} of parallelism ${parallelism}`, {
        hint: 'this is a bug in the task runtime: pass a subtask index from 0 to parallelism - 1; please report it',
      });
    }
    if (this.restored) throw new WeirError('RESTORE_FAILED', `the operator state of ${where} was restored twice`, { hint: 'this is a bug in the task runtime: restore once, before open(); please report it' });
    if (Array.from(this.states.values()).some((registered) => currentElements(registered).length > 0)) {
      throw new WeirError('RESTORE_FAILED', `cannot restore the operator state of ${where}: state was written before the restore`, {
        hint: 'this is a bug in the task runtime: restore before the operator processes anything; please report it',
      });
    }
    this.restored = true;

    const snapshots = blobs.map((bytes, index) => readOperatorStateSnapshot(bytes, `${where}, operator state snapshot ${index + 1} of ${blobs.length}`));
    const byName = new Map<string, { meta: OperatorStateMetaInfo; perSubtask: unknown[][] }>();
    snapshots.forEach((snapshot, index) => {
      for (const { meta, elements } of snapshot) {
        let entry = byName.get(meta.name);
        if (entry === undefined) {
          entry = { meta, perSubtask: blobs.map(() => []) };
          byName.set(meta.name, entry);
        } else if (entry.meta.mode !== meta.mode || JSON.stringify(entry.meta.element) !== JSON.stringify(meta.element)) {
          throw new WeirError('RESTORE_FAILED', `cannot restore operator state '${meta.name}' of ${where}: operator state snapshot ${index + 1} of ${blobs.length} describes it differently from another snapshot`, {
            hint: 'the snapshots handed to the restore come from different checkpoints or job versions; restore from one checkpoint',
          });
        }
        entry.perSubtask[index] = elements;
      }
    });
    for (const [name, { meta, perSubtask }] of byName) {
      const elements =
        meta.mode === 'union' ? perSubtask.flat() : meta.mode === 'broadcast' ? (perSubtask[subtaskIndex % perSubtask.length] ?? []) : splitShare(perSubtask, subtaskIndex, parallelism);
      const existing = this.states.get(name);
      if (existing?.state instanceof HeapBroadcastState) {
        const migrate = this.restoreAction(meta, existing.meta, existing.serializer);
        existing.state.putAll((migrate === undefined ? elements : elements.map(migrate)) as [unknown, unknown][]);
        continue;
      }
      if (existing !== undefined) {
        const migrate = this.restoreAction(meta, existing.meta, existing.serializer);
        existing.elements = migrate === undefined ? elements : elements.map(migrate);
        continue;
      }
      this.states.set(name, { meta, serializer: serializerFromDescription(meta.element), state: undefined, elements });
    }
  }

  /** Drops all state; later access throws STATE_ACCESS. */
  dispose(): void {
    this.states.clear();
    this.disposed = true;
  }

  private getState<T>(descriptor: ListStateDescriptor<T>, mode: OperatorStateMode): ListState<T> {
    this.checkNotDisposed(`operator state '${descriptor.name}'`);
    const existing = this.states.get(descriptor.name);
    if (existing?.state instanceof OperatorListState && existing.meta.mode === mode) return existing.state as OperatorListState<T>;
    const serializer = (descriptor.serializer ?? Types.generic());
    const meta: OperatorStateMetaInfo = { name: descriptor.name, mode, element: serializer.describe() };
    if (existing?.state !== undefined) {
      throw new WeirError('STATE_ACCESS', `operator state '${descriptor.name}' of ${this.operatorDescription} is already registered as ${modeName(existing.meta.mode)} and cannot also be ${modeName(mode)}`, {
        hint: 'give every operator state its own name; the name identifies it in snapshots',
      });
    }
    const registered: RegisteredOperatorState = { meta, serializer, state: undefined, elements: [] };
    if (existing !== undefined) {
      const migrate = this.restoreAction(existing.meta, meta, serializer);
      registered.elements = migrate === undefined ? existing.elements : existing.elements.map(migrate);
    }
    const state = new OperatorListState<unknown>(registered);
    registered.state = state;
    this.states.set(descriptor.name, registered);
    return state as OperatorListState<T>;
  }

  /** Checks a stored state against its current request; returns the migration its elements need, if any. */
  private restoreAction(stored: OperatorStateMetaInfo, current: OperatorStateMetaInfo, serializer: TypeSerializer<unknown>): ((element: unknown) => unknown) | undefined {
    const subject = `operator state '${current.name}' of ${this.operatorDescription}`;
    if (stored.mode !== current.mode) {
      throw new WeirError('RESTORE_FAILED', `cannot restore ${subject}: the snapshot holds it as ${modeName(stored.mode)}, but it is now requested as ${modeName(current.mode)}`, {
        hint: `request it with ${stored.mode === 'union' ? 'getUnionListState' : stored.mode === 'broadcast' ? 'getBroadcastState' : 'getListState'} again, or give the new state another name (it then starts empty)`,
      });
    }
    const compatibility = checkCompatibility(stored.element, current.element);
    if (compatibility.kind === 'incompatible') {
      throw new WeirError('RESTORE_FAILED', `cannot restore ${subject}: its list element type changed incompatibly: ${compatibility.reason}`, {
        hint:
          'keep the stored type or change it compatibly (add or remove fields, make a field optional, widen int to number, or use Types.generic()); ' +
          'to drop the stored values instead, give the state a new name (it then starts empty)',
      });
    }
    return compatibility.kind === 'compatible' ? undefined : migrationOf(serializer, subject);
  }

  private checkNotDisposed(what: string): void {
    if (this.disposed) {
      throw new WeirError('STATE_ACCESS', `${what} requested after the operator state backend of ${this.operatorDescription} was disposed`, {
        hint: 'this is a bug in the operator lifecycle: state must not be used after close()',
      });
    }
  }
}

/**
 * Operator list state: the keyed `ListState` API, for the subtask as a whole. `get()` is a live view
 * of the elements: do not keep it across a write.
 */
class OperatorListState<T> implements ListState<T> {
  private readonly registered: RegisteredOperatorState;

  constructor(registered: RegisteredOperatorState) {
    this.registered = registered;
  }

  get(): Iterable<T> {
    const elements = this.registered.elements as T[];
    return elements.length === 0 ? EMPTY : elements;
  }

  add(value: T): void {
    if (value === undefined) throw undefinedElement(this.registered.meta.name);
    this.registered.elements.push(value);
  }

  addAll(values: Iterable<T>): void {
    const added = toElements(values, this.registered.meta.name);
    for (const value of added) this.registered.elements.push(value);
  }

  update(values: Iterable<T>): void {
    this.registered.elements = toElements(values, this.registered.meta.name);
  }

  clear(): void {
    this.registered.elements = [];
  }
}

/** The elements of one state as a snapshot froze them. */
interface FrozenOperatorState {
  readonly meta: OperatorStateMetaInfo;
  readonly serializer: TypeSerializer<unknown>;
  readonly elements: readonly unknown[];
}

/**
 * The operator state of one subtask at one checkpoint; `write()` serializes it (the asynchronous
 * phase), `release()` drops it.
 */
export class OperatorStateSnapshot {
  readonly checkpointId: CheckpointId;
  private readonly operatorDescription: string;
  private states: readonly FrozenOperatorState[] | undefined;

  constructor(checkpointId: CheckpointId, operatorDescription: string, states: readonly FrozenOperatorState[]) {
    this.checkpointId = checkpointId;
    this.operatorDescription = operatorDescription;
    this.states = states;
  }

  /** The snapshot's bytes; throws CHECKPOINT_FAILED for an element its serializer rejects. */
  write(): Uint8Array {
    if (this.states === undefined) {
      throw new WeirError('INTERNAL', `operator state snapshot of checkpoint ${this.checkpointId} of ${this.operatorDescription} was written after release()`, {
        hint: 'this is a bug in the task runtime: write a snapshot before releasing it; please report it',
      });
    }
    const out = new DataOutput(1024);
    for (const byte of MAGIC) out.writeUint8(byte);
    out.writeUint8(OPERATOR_STATE_SNAPSHOT_VERSION);
    out.writeVarUint(this.checkpointId);
    out.writeString(JSON.stringify({ states: this.states.map(({ meta }) => meta) }));
    for (const { meta, serializer, elements } of this.states) {
      out.writeVarUint(elements.length);
      for (let i = 0; i < elements.length; i++) {
        try {
          serializer.write(elements[i], out);
        } catch (error) {
          throw new WeirError('CHECKPOINT_FAILED', `cannot write checkpoint ${this.checkpointId} of operator state '${meta.name}' of ${this.operatorDescription} (element ${i}): ${describeCause(error)}`, {
            cause: error,
            hint: error instanceof WeirError && error.hint !== undefined ? error.hint : 'declare the state with a serializer that matches its elements',
          });
        }
      }
    }
    return out.toUint8Array();
  }

  /** Drops the copied elements; idempotent. */
  release(): void {
    this.states = undefined;
  }
}

/**
 * The states of one operator state snapshot, decoded with the serializers it was written with.
 * `where` names the snapshot in errors (CHECKPOINT_CORRUPT for damaged bytes).
 */
export function readOperatorStateSnapshot(bytes: Uint8Array, where: string): { meta: OperatorStateMetaInfo; elements: unknown[] }[] {
  const corrupt = (what: string, cause?: unknown, hint?: string): WeirError =>
    new WeirError('CHECKPOINT_CORRUPT', `cannot restore ${where}: ${what}`, {
      cause,
      hint: hint ?? 'the checkpoint file is damaged or truncated; restore from another checkpoint or savepoint',
    });
  if (bytes.length < MAGIC.length + 1 || MAGIC.some((byte, i) => bytes[i] !== byte)) throw corrupt('it does not start with an operator state snapshot header');
  const input = new DataInput(bytes);
  let metas: OperatorStateMetaInfo[];
  try {
    input.readBytes(MAGIC.length);
    const version = input.readUint8();
    if (version !== OPERATOR_STATE_SNAPSHOT_VERSION) {
      throw corrupt(`it has format version ${version}, this weir reads version ${OPERATOR_STATE_SNAPSHOT_VERSION}`, undefined, 'restore it with the weir version that wrote it');
    }
    input.readVarUint();
    metas = parseMetas(JSON.parse(input.readString()));
  } catch (error) {
    if (error instanceof WeirError && error.code === 'CHECKPOINT_CORRUPT') throw error;
    throw corrupt(`its header cannot be read: ${describeCause(error)}`, error);
  }
  const states = metas.map((meta) => {
    let serializer: TypeSerializer<unknown>;
    try {
      serializer = serializerFromDescription(meta.element);
    } catch (error) {
      throw new WeirError('RESTORE_FAILED', `cannot restore operator state '${meta.name}' of ${where}: ${describeCause(error)}`, { cause: error, hint: 'the snapshot was written by a newer weir, or is damaged' });
    }
    try {
      const count = readEntryCount(input);
      const elements: unknown[] = [];
      for (let i = 0; i < count; i++) elements.push(serializer.read(input));
      return { meta, elements };
    } catch (error) {
      throw corrupt(`operator state '${meta.name}': ${describeCause(error)}`, error);
    }
  });
  if (input.remaining !== 0) throw corrupt(`${input.remaining} bytes left over after its states`);
  return states;
}

function parseMetas(parsed: unknown): OperatorStateMetaInfo[] {
  const states = (parsed as { states?: unknown } | null)?.states;
  if (!Array.isArray(states)) throw new Error('its metadata lacks the list of states');
  for (const meta of states as Partial<Record<keyof OperatorStateMetaInfo, unknown>>[]) {
    const element = meta.element as { type?: unknown } | null | undefined;
    if (typeof meta.name !== 'string' || (meta.mode !== 'split' && meta.mode !== 'union' && meta.mode !== 'broadcast') || typeof element?.type !== 'string') {
      throw new Error('a state entry lacks a name, mode or element type');
    }
  }
  return states as OperatorStateMetaInfo[];
}

/**
 * Subtask `index`'s share of split state: old subtask `index`'s own elements when the parallelism is
 * unchanged, else run `index` of `parallelism` contiguous, near-equal runs of all elements in order.
 */
function splitShare(perSubtask: readonly unknown[][], index: number, parallelism: number): unknown[] {
  if (perSubtask.length === parallelism) return perSubtask[index] ?? [];
  const all = perSubtask.flat();
  return all.slice(Math.floor((index * all.length) / parallelism), Math.floor(((index + 1) * all.length) / parallelism));
}

function modeName(mode: OperatorStateMode): string {
  return mode === 'union' ? 'union list state' : mode === 'broadcast' ? 'broadcast state' : 'split list state';
}

/** A fresh array of `values` (never the caller's own array, which the caller may go on mutating). */
function toElements<T>(values: Iterable<T>, name: string): T[] {
  const list = Array.from(values);
  for (const value of list) if (value === undefined) throw undefinedElement(name);
  return list;
}

function undefinedElement(name: string): WeirError {
  return new WeirError('STATE_ACCESS', `cannot add undefined to operator list state '${name}'`, {
    hint: 'list elements must be defined; filter undefined values out before adding them',
  });
}
