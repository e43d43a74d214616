/**
 * @module What a keyed snapshot records about each state and timer queue (Flink's
 * `StateMetaInfoSnapshot`): name, kind, namespacing and every serializer's description; how a
 * descriptor's serializers are resolved, compared with the stored ones and used to migrate values.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { DataInput } from '../types/data-input.ts';
import { DataOutput } from '../types/data-output.ts';
import { checkCompatibility, serializerFromDescription } from '../types/serializer-from-description.ts';
import { withDefaults } from '../types/type-defaults.ts';
import type { TypeDescription, TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import type { StateDescriptor, StateKind } from './state-descriptors.ts';
import type { StateSerializers } from './state-table.ts';

/** What each serializer of a state serializes. */
export type SerializerRole = 'value' | 'element' | 'userKey' | 'userValue' | 'accumulator';

/** The roles each kind of state has serializers for, in the order error messages list them. */
const ROLES: Readonly<Record<StateKind, readonly SerializerRole[]>> = {
  value: ['value'],
  list: ['element'],
  map: ['userKey', 'userValue'],
  reducing: ['value'],
  aggregating: ['accumulator'],
};

const ROLE_LABELS: Readonly<Record<SerializerRole, string>> = {
  value: 'value',
  element: 'list element',
  userKey: 'map key',
  userValue: 'map value',
  accumulator: 'accumulator',
};

const KINDS = new Set<string>(Object.keys(ROLES));

/** One state as a snapshot describes it. JSON; the key serializer is the format's own (`KEY_SERIALIZER_ID`). */
export interface StateMetaInfo {
  readonly name: string;
  readonly kind: StateKind;
  /** True for state requested with `getPartitionedState` (kept per key and namespace). */
  readonly namespaced: boolean;
  readonly namespace: TypeDescription;
  readonly serializers: Readonly<Partial<Record<SerializerRole, TypeDescription>>>;
}

/** One timer queue as a snapshot describes it. */
export interface TimerQueueMetaInfo {
  readonly name: string;
  readonly namespace: TypeDescription;
}

/** A state's serializers, resolved: what its table is written and read with, and its description. */
export interface ResolvedStateSerializers extends StateSerializers {
  readonly meta: StateMetaInfo;
  /** Copies what the table holds before an in-place update (see `StateTable.copyForUpdate`). */
  readonly copyForUpdate: (value: unknown) => unknown;
}

/**
 * The serializers `descriptor` declares, `Types.generic()` where it declares none. Namespaces have no
 * declared type in weir's API, so they are always generic.
 */
export function serializersOfDescriptor(descriptor: StateDescriptor, namespaced: boolean): ResolvedStateSerializers {
  const declared = descriptor as { serializer?: TypeSerializer<unknown>; keySerializer?: TypeSerializer<unknown>; valueSerializer?: TypeSerializer<unknown>; accumulatorSerializer?: TypeSerializer<unknown> };
  const generic = Types.generic();
  const roles: Partial<Record<SerializerRole, TypeSerializer<unknown>>> = {};
  switch (descriptor.kind) {
    case 'value':
    case 'reducing':
      roles.value = declared.serializer ?? generic;
      break;
    case 'list':
      roles.element = declared.serializer ?? generic;
      break;
    case 'map':
      roles.userKey = declared.keySerializer ?? generic;
      roles.userValue = declared.valueSerializer ?? generic;
      break;
    case 'aggregating':
      roles.accumulator = declared.accumulatorSerializer ?? generic;
      break;
  }
  return resolve(descriptor.name, descriptor.kind, namespaced, roles, generic);
}

/** Serializers with the binary layout a snapshot's state was written with, to read it back. */
export function serializersOfMetaInfo(meta: StateMetaInfo): ResolvedStateSerializers {
  const roles: Partial<Record<SerializerRole, TypeSerializer<unknown>>> = {};
  for (const role of ROLES[meta.kind]) roles[role] = serializerFromDescription(meta.serializers[role] as TypeDescription);
  return resolve(meta.name, meta.kind, meta.namespaced, roles, serializerFromDescription(meta.namespace));
}

function resolve(
  name: string,
  kind: StateKind,
  namespaced: boolean,
  roles: Partial<Record<SerializerRole, TypeSerializer<unknown>>>,
  namespace: TypeSerializer<unknown>,
): ResolvedStateSerializers {
  const descriptions: Partial<Record<SerializerRole, TypeDescription>> = {};
  for (const role of ROLES[kind]) descriptions[role] = (roles[role] as TypeSerializer<unknown>).describe();
  const meta: StateMetaInfo = { name, kind, namespaced, namespace: namespace.describe(), serializers: descriptions };
  switch (kind) {
    case 'list':
      // elements are immutable by contract: copying the array is enough before `add` appends to it
      return { meta, namespace, value: Types.array(roles.element as TypeSerializer<unknown>), copyForUpdate: (list) => (list as unknown[]).slice() };
    case 'map':
      return {
        meta,
        namespace,
        value: Types.map(roles.userKey as TypeSerializer<unknown>, roles.userValue as TypeSerializer<unknown>),
        copyForUpdate: (map) => new Map(map as Map<unknown, unknown>),
      };
    default: {
      // reduce and aggregate functions may mutate the value in place anywhere inside it: a deep copy
      const value = (roles.value ?? roles.accumulator) as TypeSerializer<unknown>;
      return { meta, namespace, value, copyForUpdate: (held) => value.copy(held) };
    }
  }
}

/** What a restore must do with a stored state's values to use them with the current serializers. */
export type StateRestoreAction = { readonly kind: 'use' } | { readonly kind: 'migrate'; readonly changes: readonly string[] };

/**
 * Compares a stored state with the current request for it. Throws RESTORE_FAILED, naming `where`
 * (the operator) and the state, for a changed kind or namespacing or an incompatible type.
 */
export function checkStateRestore(stored: StateMetaInfo, current: StateMetaInfo, where: string): StateRestoreAction {
  const subject = `state '${current.name}' of ${where}`;
  if (stored.kind !== current.kind) {
    throw new WeirError('RESTORE_FAILED', `cannot restore ${subject}: the snapshot holds it as ${stored.kind} state, but it is now requested as ${current.kind} state`, {
      hint: `request it with a ${descriptorName(stored.kind)} again, or give the new state another name (it then starts empty)`,
    });
  }
  if (stored.namespaced !== current.namespaced) {
    const how = (namespaced: boolean): string => (namespaced ? 'per namespace (getPartitionedState)' : 'without namespaces (getState)');
    throw new WeirError('RESTORE_FAILED', `cannot restore ${subject}: the snapshot holds it ${how(stored.namespaced)}, but it is now requested ${how(current.namespaced)}`, {
      hint: 'request it the way it was stored, or give the new state another name (it then starts empty)',
    });
  }
  const changes: string[] = [];
  const roles: readonly (SerializerRole | 'namespace')[] = [...ROLES[current.kind], 'namespace'];
  for (const role of roles) {
    const before = role === 'namespace' ? stored.namespace : (stored.serializers[role] as TypeDescription);
    const now = role === 'namespace' ? current.namespace : (current.serializers[role] as TypeDescription);
    const label = role === 'namespace' ? 'namespace' : ROLE_LABELS[role];
    const compatibility = checkCompatibility(before, now);
    if (compatibility.kind === 'incompatible') {
      throw new WeirError('RESTORE_FAILED', `cannot restore ${subject}: its ${label} type changed incompatibly: ${compatibility.reason}`, {
        hint:
          'keep the stored type or change it compatibly (add or remove fields, make a field optional, widen int to number, or use Types.generic()); ' +
          'to drop the stored values instead, give the state a new name (it then starts empty), or start without the savepoint'
      });
    }
    if (compatibility.kind === 'compatible-after-migration') for (const change of compatibility.changes) changes.push(`${label}: ${change}`);
  }
  return changes.length === 0 ? { kind: 'use' } : { kind: 'migrate', changes };
}

/**
 * The function that turns a value read with a stored layout into a value of `current`'s type: it gives
 * added fields their defaults, writes the value with `current` (which drops removed fields and leaves
 * added optional ones absent) and reads it back. Throws RESTORE_FAILED naming the state when a value
 * does not fit.
 */
export function migrationOf(current: TypeSerializer<unknown>, subject: string): (value: unknown) => unknown {
  const out = new DataOutput();
  const description = current.describe();
  return (value) => {
    out.reset();
    try {
      current.write(withDefaults(description, value), out);
    } catch (error) {
      throw new WeirError('RESTORE_FAILED', `cannot migrate ${subject} to its new type: ${describeCause(error)}`, {
        cause: error,
        hint: 'keep the stored type, or give the state a new name (it then starts empty)',
      });
    }
    return current.read(new DataInput(out.view()));
  };
}

/** Checks the shape of a state description read from a snapshot; throws SERIALIZATION_FAILED when it is damaged. */
export function parseStateMetaInfo(value: unknown): StateMetaInfo {
  const meta = value as Partial<Record<keyof StateMetaInfo, unknown>> | null;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || typeof meta.kind !== 'string' || !KINDS.has(meta.kind)) {
    throw damagedMetadata('a state entry lacks a name or a known kind');
  }
  const kind = meta.kind as StateKind;
  if (typeof meta.namespaced !== 'boolean' || !isDescription(meta.namespace)) throw damagedMetadata(`state '${meta.name}' lacks its namespace type`);
  const serializers = meta.serializers as Partial<Record<SerializerRole, unknown>> | null;
  if (typeof serializers !== 'object' || serializers === null || !ROLES[kind].every((role) => isDescription(serializers[role]))) {
    throw damagedMetadata(`state '${meta.name}' lacks the types of its ${kind} state`);
  }
  return meta as StateMetaInfo;
}

/** Checks the shape of a timer queue description read from a snapshot. */
export function parseTimerQueueMetaInfo(value: unknown): TimerQueueMetaInfo {
  const meta = value as Partial<Record<keyof TimerQueueMetaInfo, unknown>> | null;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || !isDescription(meta.namespace)) {
    throw damagedMetadata('a timer queue entry lacks a name or namespace type');
  }
  return meta as TimerQueueMetaInfo;
}

function isDescription(value: unknown): value is TypeDescription {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function damagedMetadata(what: string): WeirError {
  return new WeirError('SERIALIZATION_FAILED', `damaged state metadata: ${what}`, { hint: 'the snapshot is damaged, or was not written by weir' });
}

function descriptorName(kind: StateKind): string {
  return `${kind[0]?.toUpperCase() ?? ''}${kind.slice(1)}StateDescriptor`;
}
