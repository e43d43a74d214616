/**
 * @module The heap keyed state backend (Flink's `HeapKeyedStateBackend`): one per keyed operator
 * subtask, it owns the subtask's key-group range, the current key and one state table per state.
 */
import { WeirError } from '../core/errors.ts';
import type { Key, KeyGroupRange } from '../core/key-groups.ts';
import type { ReduceFunction } from './aggregate-function.ts';
import { HeapAggregatingState } from './heap-aggregating-state.ts';
import { HeapListState } from './heap-list-state.ts';
import { HeapMapState } from './heap-map-state.ts';
import { HeapReducingState } from './heap-reducing-state.ts';
import { HeapValueState } from './heap-value-state.ts';
import { InternalKeyContext } from './internal-key-context.ts';
import type { InternalKvState, InternalStateOf } from './internal-kv-state.ts';
import { KeyedStateTable } from './keyed-state-table.ts';
import { VOID_NAMESPACE } from './namespace-id.ts';
import { NamespacedStateTable } from './namespaced-state-table.ts';
import type { StateDescriptor, StateKind } from './state-descriptors.ts';
import type { StateTable } from './state-table.ts';
import type { State, StateOf } from './state.ts';

/** What a `HeapKeyedStateBackend` is built from. */
export interface HeapKeyedStateBackendOptions {
  /** The key groups this subtask owns; a key outside them is a partitioning bug. */
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  /** Where the backend lives, for error messages, e.g. `operator 'count' (uid count) subtask 1/2`. */
  readonly operatorDescription?: string;
}

/** A registered state: its object and table, and how it was first requested. */
interface RegisteredKvState {
  readonly kind: StateKind;
  readonly namespaced: boolean;
  readonly state: State & InternalKvState;
  readonly table: StateTable<unknown>;
}

/**
 * Keyed state on the JavaScript heap. An operator calls `setCurrentKey(key)` before it hands a
 * record or timer of `key` to user code; every state object then reads and writes that key's values.
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
    if (registered !== undefined && registered.kind === descriptor.kind && !registered.namespaced) return registered.state as unknown as StateOf<D>;
    return this.register(descriptor, false).state as unknown as StateOf<D>;
  }

  /**
   * The state object for `descriptor` with its current namespace set to `namespace` (window
   * operators: the window). A state requested this way keeps values per (key, namespace) for its
   * whole life, and the one object is shared: its namespace is whatever was set last, so hot paths
   * keep the object and call `setCurrentNamespace` on it instead.
   */
  getPartitionedState<D extends StateDescriptor>(descriptor: D, namespace: unknown): InternalStateOf<D> {
    let registered = this.states.get(descriptor.name);
    if (registered === undefined || registered.kind !== descriptor.kind || !registered.namespaced) {
      registered = this.register(descriptor, true);
    }
    registered.state.setCurrentNamespace(namespace);
    return registered.state as InternalStateOf<D>;
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

  /** How many keys have a value in state `stateName`. */
  numKeys(stateName: string): number {
    return this.requireRegistered(stateName).table.numKeys();
  }

  /** The names of the registered states, in registration order. */
  getRegisteredStateNames(): string[] {
    return Array.from(this.states.keys());
  }

  /** Drops all state; any later access throws STATE_ACCESS. */
  dispose(): void {
    for (const registered of this.states.values()) registered.table.clearAll();
    this.states.clear();
    this.keyContext.clearCurrentKey();
    this.keyContext.disposed = true;
  }

  private register(descriptor: StateDescriptor, namespaced: boolean): RegisteredKvState {
    if (this.keyContext.disposed) {
      throw new WeirError('STATE_ACCESS', `state '${descriptor.name}' requested after the state backend of ${this.operatorDescription} was disposed`, {
        hint: 'this is a bug in the operator lifecycle: state must not be used after close()',
      });
    }
    const existing = this.states.get(descriptor.name);
    if (existing !== undefined) throw this.conflict(descriptor, existing, namespaced);
    const table = namespaced ? new NamespacedStateTable<unknown>(descriptor.name, this.keyContext) : new KeyedStateTable<unknown>(descriptor.name, this.keyContext);
    const registered: RegisteredKvState = { kind: descriptor.kind, namespaced, state: createState(descriptor, table), table };
    this.states.set(descriptor.name, registered);
    return registered;
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
