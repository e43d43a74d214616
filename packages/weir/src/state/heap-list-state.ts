/**
 * @module `ListState` on the heap backend: the state table stores one array per key (and namespace),
 * appended to in place.
 */
import { WeirError } from '../core/errors.ts';
import type { ListState } from './state.ts';
import type { InternalMergingState } from './internal-kv-state.ts';
import type { StateTable } from './state-table.ts';

const EMPTY: readonly never[] = Object.freeze([]);

/** Heap `ListState<T>`; created by `HeapKeyedStateBackend.getState`. */
export class HeapListState<T> implements ListState<T>, InternalMergingState {
  readonly name: string;
  private readonly table: StateTable<T[]>;

  constructor(table: StateTable<T[]>) {
    this.name = table.name;
    this.table = table;
  }

  get(): Iterable<T> {
    return this.table.get() ?? EMPTY;
  }

  add(value: T): void {
    if (value === undefined) throw undefinedElement(this.name);
    const list = this.table.getForUpdate();
    if (list === undefined) this.table.put([value]);
    else list.push(value);
  }

  addAll(values: Iterable<T>): void {
    const added = toElements(values, this.name);
    if (added.length === 0) return;
    const list = this.table.getForUpdate();
    if (list === undefined) this.table.put(added);
    else for (const value of added) list.push(value);
  }

  update(values: Iterable<T>): void {
    const list = toElements(values, this.name);
    if (list.length === 0) this.table.remove();
    else this.table.put(list);
  }

  clear(): void {
    this.table.remove();
  }

  setCurrentNamespace(namespace: unknown): void {
    this.table.setCurrentNamespace(namespace);
  }

  getCurrentNamespace(): unknown {
    return this.table.getCurrentNamespace();
  }

  mergeNamespaces(target: unknown, sources: Iterable<unknown>): void {
    // concat, not push: a source's array may still be referenced by a snapshot
    this.table.mergeNamespaces(target, sources, (a, b) => a.concat(b));
  }
}

/** A fresh array of `values` (never the caller's own array, which the caller may go on mutating). */
function toElements<T>(values: Iterable<T>, name: string): T[] {
  const list = Array.from(values);
  for (const value of list) if (value === undefined) throw undefinedElement(name);
  return list;
}

function undefinedElement(name: string): WeirError {
  return new WeirError('STATE_ACCESS', `cannot add undefined to list state '${name}'`, {
    hint: 'list elements must be defined; filter undefined values out before adding them',
  });
}
