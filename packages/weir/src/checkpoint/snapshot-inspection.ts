/**
 * @module What a savepoint or checkpoint holds, read from its files (`weir savepoint inspect`): per
 * operator its uid, parallelism and size; per state its name, kind, scope (keyed, or operator state
 * split, union or broadcast), type, number of entries and bytes; per subtask its key-group range.
 */
import { DataInput } from '../types/data-input.ts';
import { formatTypeDescription } from '../types/type-serializer.ts';
import { readEntryCount } from '../state/keyed-state-table.ts';
import { KeyedStateSnapshotReader } from '../state/keyed-state-snapshot.ts';
import { readOperatorStateSnapshot } from '../state/operator-state-backend.ts';
import type { StateMetaInfo } from '../state/state-meta-info.ts';
import type { SnapshotType } from './checkpoint-metadata.ts';
import type { CheckpointStorage, CompletedCheckpointRef } from './checkpoint-storage.ts';
import { metadataStateSize, subtaskStateHandles } from './completed-checkpoint.ts';

/** How a state is kept and spread on restore: by key group, or operator state split, union or broadcast. */
export type StateScope = 'keyed' | 'operator (split)' | 'operator (union)' | 'operator (broadcast)';

export interface StateInspection {
  readonly name: string;
  /** `value`, `list`, `map`, `reducing`, `aggregating`, or `timers` for a timer queue. */
  readonly kind: string;
  readonly scope: StateScope;
  /** The stored type, as error messages print it (`object { count, last }`); `-` for timers. */
  readonly type: string;
  /** Keys (keyed state), timers, or elements (operator state); undefined where it is not counted (state per namespace). */
  readonly entries: number | undefined;
  /** Bytes of its values in the snapshot; undefined for operator state (see the operator's size). */
  readonly bytes: number | undefined;
}

export interface SubtaskInspection {
  readonly subtask: number;
  /** The key groups its keyed state covers, inclusive. */
  readonly keyGroups: readonly [number, number] | undefined;
  readonly keyedBytes: number;
  readonly operatorBytes: number;
  readonly channelBytes: number;
}

export interface OperatorInspection {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Bytes of all its state files. */
  readonly bytes: number;
  readonly states: readonly StateInspection[];
  /** Subtasks with state, ascending. */
  readonly subtasks: readonly SubtaskInspection[];
}

export interface SnapshotInspection {
  readonly directory: string;
  readonly type: SnapshotType;
  readonly checkpointId: number;
  readonly jobId: string;
  readonly jobName: string;
  /** Trigger time, epoch ms. */
  readonly timestamp: number;
  /** Number of state files. */
  readonly files: number;
  readonly bytes: number;
  readonly operators: readonly OperatorInspection[];
}

/** Reads every state file of `ref` (verifying each) and describes what it holds. */
export async function inspectSnapshot(ref: CompletedCheckpointRef, storage: CheckpointStorage): Promise<SnapshotInspection> {
  const operators: OperatorInspection[] = [];
  let files = 0;
  for (const operator of ref.metadata.operators) {
    const where = `operator '${operator.name}' (uid ${operator.uid})`;
    const keyed = new Map<string, { meta: StateMetaInfo | undefined; kind: string; type: string; entries: number | undefined; bytes: number }>();
    const operatorStates = new Map<string, { scope: StateScope; type: string; entries: number }>();
    const subtasks: SubtaskInspection[] = [];
    let bytes = 0;
    const withKeyed = operator.subtasks.filter((s) => s.keyedState !== undefined);
    for (const subtask of [...operator.subtasks].sort((a, b) => a.subtask - b.subtask)) {
      const handles = subtaskStateHandles(subtask);
      files += handles.length;
      bytes += handles.reduce((sum, h) => sum + h.size, 0);
      subtasks.push({
        subtask: subtask.subtask,
        keyGroups: subtask.keyedState === undefined ? undefined : [subtask.keyedState.keyGroupStart, subtask.keyedState.keyGroupEnd],
        keyedBytes: (subtask.keyedState?.size ?? 0) + (subtask.keyedState?.base ?? []).reduce((sum, h) => sum + h.size, 0),
        operatorBytes: subtask.operatorState?.size ?? 0,
        channelBytes: subtask.channelState?.size ?? 0,
      });
      // An incremental checkpoint's keyed state is a full snapshot and the changes after it: bytes add
      // up over the files, entries are only counted from a single full snapshot.
      const keyedFiles = subtask.keyedState === undefined ? [] : [...(subtask.keyedState.base ?? []), subtask.keyedState];
      for (const keyedFile of keyedFiles) {
        const blob = await storage.readState(ref.directory, keyedFile);
        const reader = new KeyedStateSnapshotReader(blob, { operatorDescription: where, index: withKeyed.indexOf(subtask), count: withKeyed.length });
        const counted = keyedFiles.length === 1;
        const { states, timerQueues } = reader.metadata;
        for (const meta of states) {
          if (!keyed.has(meta.name)) keyed.set(meta.name, { meta, kind: meta.kind, type: describeStateType(meta), entries: meta.namespaced || !counted ? undefined : 0, bytes: 0 });
          else if (!counted) (keyed.get(meta.name) as { entries: number | undefined }).entries = undefined;
        }
        for (const queue of timerQueues) {
          if (!keyed.has(`timers:${queue.name}`)) keyed.set(`timers:${queue.name}`, { meta: undefined, kind: 'timers', type: '-', entries: counted ? 0 : undefined, bytes: 0 });
          else if (!counted) (keyed.get(`timers:${queue.name}`) as { entries: number | undefined }).entries = undefined;
        }
        for (const keyGroup of reader.keyGroups()) {
          states.forEach((meta, section) => {
            const entry = keyed.get(meta.name);
            const bytesOf = reader.section(keyGroup, section);
            if (entry === undefined || bytesOf === undefined) return;
            entry.bytes += bytesOf.length;
            if (entry.entries !== undefined) entry.entries += readEntryCount(new DataInput(bytesOf));
          });
          timerQueues.forEach((queue, i) => {
            const entry = keyed.get(`timers:${queue.name}`);
            const bytesOf = reader.section(keyGroup, states.length + i);
            if (entry === undefined || bytesOf === undefined) return;
            entry.bytes += bytesOf.length;
            if (entry.entries !== undefined) entry.entries += readEntryCount(new DataInput(bytesOf));
          });
        }
      }
      if (subtask.operatorState !== undefined) {
        const blob = await storage.readState(ref.directory, subtask.operatorState);
        for (const { meta, elements } of readOperatorStateSnapshot(blob, `${where}, operator state of subtask ${subtask.subtask}`)) {
          const entry = operatorStates.get(meta.name) ?? { scope: `operator (${meta.mode})` as StateScope, type: formatTypeDescription(meta.element), entries: 0 };
          // Broadcast state is a copy per subtask: count one copy.
          entry.entries = meta.mode === 'broadcast' ? elements.length : entry.entries + elements.length;
          operatorStates.set(meta.name, entry);
        }
      }
    }
    const states: StateInspection[] = [];
    for (const [key, entry] of keyed) {
      states.push({ name: entry.meta?.name ?? key.slice('timers:'.length), kind: entry.kind, scope: 'keyed', type: entry.type, entries: entry.entries, bytes: entry.bytes });
    }
    for (const [name, entry] of operatorStates) {
      states.push({ name, kind: entry.scope === 'operator (broadcast)' ? 'broadcast' : 'list', scope: entry.scope, type: entry.type, entries: entry.entries, bytes: undefined });
    }
    operators.push({
      uid: operator.uid,
      name: operator.name,
      parallelism: operator.parallelism,
      maxParallelism: operator.maxParallelism,
      bytes,
      states,
      subtasks: subtasks.filter((s) => s.keyedBytes + s.operatorBytes + s.channelBytes > 0),
    });
  }
  const { metadata } = ref;
  return {
    directory: ref.directory,
    type: metadata.type,
    checkpointId: metadata.checkpointId,
    jobId: metadata.jobId,
    jobName: metadata.jobName,
    timestamp: metadata.timestamp,
    files,
    bytes: metadataStateSize(metadata),
    operators,
  };
}

/** `number`, `list<string>`, `map<string, int>`: the type of a keyed state's values. */
function describeStateType(meta: StateMetaInfo): string {
  const { serializers } = meta;
  switch (meta.kind) {
    case 'list':
      return serializers.element === undefined ? 'generic' : formatTypeDescription(serializers.element);
    case 'map':
      return `${serializers.userKey === undefined ? 'generic' : formatTypeDescription(serializers.userKey)} -> ${serializers.userValue === undefined ? 'generic' : formatTypeDescription(serializers.userValue)}`;
    case 'aggregating':
      return serializers.accumulator === undefined ? 'generic' : formatTypeDescription(serializers.accumulator);
    default:
      return serializers.value === undefined ? 'generic' : formatTypeDescription(serializers.value);
  }
}
