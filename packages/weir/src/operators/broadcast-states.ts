/**
 * @module The broadcast states of one broadcast operator subtask: one per descriptor passed to
 * `broadcast(...)`, registered in the operator state backend when the operator is created (so every
 * subtask's checkpoint holds them), looked up by the descriptor's name.
 */
import { WeirError } from '../core/errors.ts';
import { readOnlyBroadcastState, type BroadcastState, type ReadOnlyBroadcastState } from '../state/broadcast-state.ts';
import type { OperatorStateBackend } from '../state/operator-state-backend.ts';
import type { MapStateDescriptor } from '../state/state-descriptors.ts';

export class BroadcastStates {
  readonly #states = new Map<string, BroadcastState<unknown, unknown>>();
  readonly #readOnly = new Map<string, ReadOnlyBroadcastState<unknown, unknown>>();
  readonly #description: string;

  constructor(descriptors: readonly MapStateDescriptor<unknown, unknown>[], backend: OperatorStateBackend, description: string) {
    this.#description = description;
    for (const descriptor of descriptors) {
      const state = backend.getBroadcastState(descriptor);
      this.#states.set(descriptor.name, state);
      this.#readOnly.set(descriptor.name, readOnlyBroadcastState(state));
    }
  }

  get<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return (this.#states.get(this.#name(descriptor)) as BroadcastState<K, V> | undefined) ?? this.#missing(descriptor);
  }

  readOnly<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return (this.#readOnly.get(this.#name(descriptor)) as ReadOnlyBroadcastState<K, V> | undefined) ?? this.#missing(descriptor);
  }

  #name(descriptor: MapStateDescriptor<unknown, unknown>): string {
    return typeof descriptor === 'object' && descriptor !== null ? descriptor.name : String(descriptor);
  }

  #missing(descriptor: MapStateDescriptor<unknown, unknown>): never {
    const known = [...this.#states.keys()].map((name) => `'${name}'`).join(', ');
    throw new WeirError('STATE_ACCESS', `${this.#description} asked for broadcast state '${this.#name(descriptor)}', which was not declared; declared: ${known === '' ? 'none' : known}`, {
      hint: 'pass every MapStateDescriptor the function uses to broadcast(...): stream.broadcast(descriptor1, descriptor2)',
    });
  }
}
