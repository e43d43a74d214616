/**
 * @module Restoring a job from a completed checkpoint: match the checkpoint's operators to the job's by
 * uid, and hand each new subtask its share: the keyed state of every old subtask whose key groups
 * overlap its own (so a changed parallelism redistributes key groups), and operator state (source
 * splits) spread over the new subtasks.
 */
import { dirname, basename } from 'node:path';
import { WeirError } from '../core/errors.ts';
import { keyGroupRangeForSubtask } from '../core/key-groups.ts';
import type { CheckpointConfigData } from '../checkpoint/checkpoint-config.ts';
import type { OperatorSnapshot, StateHandle } from '../checkpoint/checkpoint-metadata.ts';
import type { CheckpointStorage, CompletedCheckpointRef } from '../checkpoint/checkpoint-storage.ts';
import { FileCheckpointStorage } from '../checkpoint/file-checkpoint-storage.ts';
import type { JobGraph, JobVertex } from '../graph/job-graph.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import type { RestoredTaskState } from '../runtime/stream-task.ts';

/** Restored state by vertex id, then subtask. */
export type RestoredJobState = Record<string, Record<number, RestoredTaskState>>;

export interface RestoreOptions {
  /** Drop state of operators that are no longer in the job instead of failing (`-n`). */
  readonly allowNonRestoredState: boolean;
}

/** A checkpoint to restore from, read and assigned to the job's subtasks. */
export interface RestorePlan {
  readonly ref: CompletedCheckpointRef;
  readonly state: RestoredJobState;
  readonly storage: CheckpointStorage;
}

/**
 * Restores from the first of `candidates` (newest first) whose files are all intact; a damaged one is
 * reported through `onSkipped` and the next older one is tried, never silently wrong state.
 */
export async function restoreFromNewestIntact(
  candidates: readonly CompletedCheckpointRef[],
  storage: CheckpointStorage,
  graph: JobGraph<OperatorSpec>,
  options: RestoreOptions & { readonly onSkipped?: (ref: CompletedCheckpointRef, reason: string) => void },
): Promise<RestorePlan | undefined> {
  const skipped: string[] = [];
  for (const ref of candidates) {
    try {
      return { ref, storage, state: await assignRestoredState(ref, storage, graph, options) };
    } catch (error) {
      if (!(error instanceof WeirError) || error.code !== 'CHECKPOINT_CORRUPT') throw error;
      skipped.push(`${ref.directory}: ${error.message}`);
      options.onSkipped?.(ref, error.message);
    }
  }
  if (skipped.length > 0) {
    throw new WeirError('RESTORE_FAILED', `every retained checkpoint of job '${graph.jobName}' is damaged`, { hint: skipped.join('; ') });
  }
  return undefined;
}

/**
 * Plans a start from a checkpoint or savepoint: `latest` is the newest intact completed checkpoint of a
 * job with this name under `state.checkpoints.dir` (damaged ones are skipped and reported); anything
 * else, and every `fromSavepoint` path (`weir run -s`), is a path to a checkpoint or savepoint
 * directory or its `_metadata`, which must be intact.
 */
export async function planRestore(
  from: string,
  graph: JobGraph<OperatorSpec>,
  config: CheckpointConfigData,
  options: RestoreOptions & {
    readonly onSkipped?: (ref: CompletedCheckpointRef, reason: string) => void;
    /** A directory under the checkpoint root that is not a usable checkpoint (never completed, or damaged). */
    readonly onInvalid?: (directory: string, reason: string) => void;
    /** `from` is a savepoint path (`-s`): never `latest`. */
    readonly fromSavepoint?: boolean;
  },
): Promise<RestorePlan> {
  if (options.fromSavepoint === true) {
    // One savepoint, chosen by the user: a damaged file fails the start, there is nothing to fall back to.
    const { refs, storage } = await loadPath(from, config);
    const ref = refs[0] as CompletedCheckpointRef;
    return { ref, storage, state: await assignRestoredState(ref, storage, graph, options) };
  }
  const { refs, storage } = await resolveCheckpoints(from, graph.jobName, config, options.onInvalid);
  const plan = await restoreFromNewestIntact(refs, storage, graph, options);
  if (plan === undefined) throw new WeirError('RESTORE_FAILED', `no completed checkpoint of job '${graph.jobName}' to restore from`);
  return plan;
}

/** The candidate checkpoints for `from`, newest first: all of the job's for `latest`, else the one named. */
async function resolveCheckpoints(
  from: string,
  jobName: string,
  config: CheckpointConfigData,
  onInvalid?: (directory: string, reason: string) => void,
): Promise<{ refs: CompletedCheckpointRef[]; storage: CheckpointStorage }> {
  if (from === 'latest') {
    if (config.checkpointStorage === null) {
      throw new WeirError('RESTORE_FAILED', "--from-checkpoint latest needs a checkpoint directory, and the job has none", {
        hint: 'set state.checkpoints.dir in weir.yaml (or env.getCheckpointConfig().setCheckpointStorage(dir)), or give the path of a checkpoint',
      });
    }
    const storage = new FileCheckpointStorage({ directory: config.checkpointStorage });
    const invalid: string[] = [];
    const completed = (
      await storage.listCompleted(undefined, (directory, reason) => {
        invalid.push(`${directory}: ${reason}`);
        onInvalid?.(directory, reason);
      })
    ).filter((c) => c.metadata.jobName === jobName);
    if (completed.length === 0) {
      throw new WeirError('RESTORE_FAILED', `no completed checkpoint of job '${jobName}' under ${config.checkpointStorage}`, {
        hint: invalid.length > 0 ? `skipped, not complete or damaged: ${invalid.join('; ')}` : 'run the job with checkpointing enabled first',
      });
    }
    return { refs: completed, storage };
  }
  return loadPath(from, config);
}

/** The checkpoint or savepoint at `from` (a directory or its `_metadata`), verified. */
async function loadPath(from: string, config: CheckpointConfigData): Promise<{ refs: CompletedCheckpointRef[]; storage: CheckpointStorage }> {
  const path = basename(from) === '_metadata' ? dirname(from) : from;
  const storage = new FileCheckpointStorage({ directory: config.checkpointStorage ?? dirname(dirname(path)) });
  return { refs: [await storage.loadCheckpoint(from)], storage };
}

/** How messages name a snapshot: `checkpoint 7 (<dir>)` or `savepoint <dir>`. */
export function describeSnapshot(ref: CompletedCheckpointRef): string {
  return ref.metadata.type === 'savepoint' ? `savepoint ${ref.directory}` : `checkpoint ${ref.checkpointId} (${ref.directory})`;
}

/** How a snapshot's operators meet a job's by uid, decided before any state file is read. */
export interface RestoreMatch {
  /** Operators of the snapshot with state that no operator of the job has the uid of (`-n` drops their state). */
  readonly unmatched: readonly OperatorSnapshot[];
  /** Operators of the job whose state cannot be restored as the job is now, by uid (a changed maxParallelism). */
  readonly incompatible: ReadonlyMap<string, WeirError>;
}

/** Matches the snapshot's operators to the job's by uid. */
export function matchRestore(ref: CompletedCheckpointRef, graph: JobGraph<OperatorSpec>): RestoreMatch {
  const vertexOf = vertexByUid(graph);
  const unmatched = ref.metadata.operators.filter((o) => !vertexOf.has(o.uid) && o.subtasks.some((s) => s.keyedState !== undefined || s.operatorState !== undefined));
  const incompatible = new Map<string, WeirError>();
  for (const snapshot of ref.metadata.operators) {
    const vertex = vertexOf.get(snapshot.uid);
    if (vertex === undefined) continue;
    if (snapshot.maxParallelism !== vertex.maxParallelism && snapshot.subtasks.some((s) => s.keyedState !== undefined)) {
      incompatible.set(
        snapshot.uid,
        new WeirError('RESTORE_FAILED', `operator '${snapshot.name}' (uid ${snapshot.uid}) in ${describeSnapshot(ref)} has maxParallelism ${snapshot.maxParallelism}, the job now has ${vertex.maxParallelism}`, {
          hint: 'maxParallelism is fixed for the life of keyed state; set it back with setMaxParallelism',
        }),
      );
    }
  }
  return { unmatched, incompatible };
}

/** The error of a restore that would leave state of `unmatched` operators behind (without `-n`). */
export function unmatchedStateError(ref: CompletedCheckpointRef, graph: JobGraph<OperatorSpec>, unmatched: readonly OperatorSnapshot[]): WeirError {
  return new WeirError(
    'RESTORE_FAILED',
    `${describeSnapshot(ref)} holds state of operators that are not in job '${graph.jobName}': ${unmatched.map((o) => `'${o.name}' (uid ${o.uid})`).join(', ')}`,
    { hint: 'give those operators their old uids with .uid(...), or drop their state with --allow-non-restored-state (-n)' },
  );
}

function vertexByUid(graph: JobGraph<OperatorSpec>): Map<string, JobVertex<OperatorSpec>> {
  const vertexOf = new Map<string, JobVertex<OperatorSpec>>();
  for (const vertex of graph.vertices) for (const operator of vertex.operators) vertexOf.set(operator.uid, vertex);
  return vertexOf;
}

/**
 * Reads the state files a job needs from `ref` and assigns them to subtasks. `skip` leaves operators
 * out (`weir savepoint check` reports their problems itself).
 */
export async function assignRestoredState(
  ref: CompletedCheckpointRef,
  storage: CheckpointStorage,
  graph: JobGraph<OperatorSpec>,
  options: RestoreOptions & { readonly skip?: ReadonlySet<string> | undefined },
): Promise<RestoredJobState> {
  const vertexOf = vertexByUid(graph);
  const { unmatched, incompatible } = matchRestore(ref, graph);
  if (unmatched.length > 0 && !options.allowNonRestoredState) throw unmatchedStateError(ref, graph, unmatched);
  for (const [uid, error] of incompatible) if (options.skip?.has(uid) !== true) throw error;
  const cache = new Map<string, Promise<Uint8Array>>();
  const read = (handle: StateHandle): Promise<Uint8Array> => {
    let bytes = cache.get(handle.path);
    if (bytes === undefined) {
      bytes = storage.readState(ref.directory, handle);
      cache.set(handle.path, bytes);
    }
    return bytes;
  };
  const restored: RestoredJobState = {};
  for (const snapshot of ref.metadata.operators) {
    const vertex = vertexOf.get(snapshot.uid);
    if (vertex === undefined || options.skip?.has(snapshot.uid) === true) continue;
    const byVertex = (restored[vertex.id] ??= {});
    for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
      const range = keyGroupRangeForSubtask(vertex.maxParallelism, vertex.parallelism, subtask);
      const keyed: Uint8Array[] = [];
      const operator: Uint8Array[] = [];
      const channel: Uint8Array[] = [];
      // A keyed or two-input head gets every old subtask's in-flight records and keeps its own (see TwoInputStreamTask).
      const head = vertex.operators[0];
      const everyChannelState = head?.uid === snapshot.uid && (head.node.keyed || head.node.payload.kind === 'two-input');
      for (const old of snapshot.subtasks) {
        const handle = old.keyedState;
        if (handle !== undefined && handle.keyGroupStart <= range.end && handle.keyGroupEnd >= range.start) {
          // Incremental: the full snapshot and the changes after it, in order, then this checkpoint's changes.
          for (const base of handle.base ?? []) keyed.push(await read(base));
          keyed.push(await read(handle));
        }
        // Operator state: every old subtask's; the backend takes this subtask's share (split lists) or all (union).
        if (old.operatorState !== undefined) operator.push(await read(old.operatorState));
        // In-flight records: a keyed task replays those of its own key groups from every old subtask;
        // other tasks take old subtask j's when j mod p is theirs.
        if (old.channelState !== undefined && (everyChannelState || old.subtask % vertex.parallelism === subtask)) channel.push(await read(old.channelState));
      }
      const task = (byVertex[subtask] ??= { operators: {} });
      (task.operators as Record<string, { keyed: Uint8Array[]; operator: Uint8Array[]; channel: Uint8Array[] }>)[snapshot.uid] = { keyed, operator, channel };
    }
  }
  return restored;
}
