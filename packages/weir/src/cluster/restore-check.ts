/**
 * @module Predicting a restore without running the job (`weir savepoint check`): which operators get
 * state back, which start empty, whose state would be dropped and which restore would fail, with the
 * messages the restore itself gives. It matches uids as a run does, reads and verifies every state
 * file the job would read, and opens each stateful operator (not sources, not sinks) of each subtask on
 * its restored state, where changed state types are found; then closes it again.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import { systemClock } from '../core/clock.ts';
import { JobId } from '../core/ids.ts';
import type { OperatorSnapshot } from '../checkpoint/checkpoint-metadata.ts';
import type { CompletedCheckpointRef } from '../checkpoint/checkpoint-storage.ts';
import { FileCheckpointStorage } from '../checkpoint/file-checkpoint-storage.ts';
import type { JobGraph, JobVertex } from '../graph/job-graph.ts';
import { isCheckpointedFunction } from '../operators/functions.ts';
import type { OperatorSpec } from '../operators/operator-spec.ts';
import { userFunctionFailed } from '../operators/user-function-error.ts';
import type { ChannelWriter } from '../runtime/channels.ts';
import { createOperatorChain, type OperatorInstance } from '../runtime/operator-chain.ts';
import { createRecordWriter, type RecordWriter } from '../runtime/record-writer.ts';
import { assignRestoredState, matchRestore, unmatchedStateError, type RestoredJobState } from './restore-assignment.ts';
import { dirname, basename } from 'node:path';

/**
 * What a restore would do with one operator:
 * - `restored`: the snapshot holds state for its uid, and it restores;
 * - `new`: the snapshot holds no state for its uid: it starts empty (a new or stateless operator);
 * - `dropped`: state of an operator the job no longer has, dropped (`-n`);
 * - `failed`: the restore fails here; `error` says why, as the restore would.
 */
export type RestoreOutcome = 'restored' | 'new' | 'dropped' | 'failed';

export interface OperatorRestoreCheck {
  readonly uid: string;
  readonly name: string;
  readonly outcome: RestoreOutcome;
  /** For `failed`: the restore's error; for `dropped`, what is dropped. */
  readonly message?: string | undefined;
  readonly hint?: string | undefined;
  /** True for operators whose restore was also tried by opening them on their state. */
  readonly opened?: boolean | undefined;
}

export interface RestoreCheckReport {
  readonly snapshot: { readonly directory: string; readonly type: 'checkpoint' | 'savepoint'; readonly checkpointId: number; readonly jobName: string };
  readonly jobName: string;
  readonly parallelism: number;
  readonly allowNonRestoredState: boolean;
  /** The job's operators in graph order, then the snapshot's operators the job no longer has. */
  readonly operators: readonly OperatorRestoreCheck[];
  /** True when the restore would succeed. */
  readonly ok: boolean;
  /** The error a restore would stop with first, when it would fail. */
  readonly error?: { readonly message: string; readonly hint?: string | undefined } | undefined;
}

export interface RestoreCheckOptions {
  /** The savepoint or checkpoint: its directory or `_metadata`. */
  readonly from: string;
  readonly graph: JobGraph<OperatorSpec>;
  readonly allowNonRestoredState: boolean;
  readonly jobParameters: Readonly<Record<string, string>>;
}

/** Predicts the restore of `options.graph` from the snapshot at `options.from`. Never starts a task. */
export async function checkRestore(options: RestoreCheckOptions): Promise<RestoreCheckReport> {
  const { graph, allowNonRestoredState } = options;
  const path = basename(options.from) === '_metadata' ? dirname(options.from) : options.from;
  const storage = new FileCheckpointStorage({ directory: dirname(path) });
  const ref = await storage.loadCheckpoint(options.from);
  const { unmatched, incompatible } = matchRestore(ref, graph);
  const failures = new Map<string, WeirError>(incompatible);
  const snapshotOf = new Map(ref.metadata.operators.map((o) => [o.uid, o]));

  // Read and verify every file the job would read, and open the stateful operators on it.
  let state: RestoredJobState = {};
  let readError: WeirError | undefined;
  try {
    state = await assignRestoredState(ref, storage, graph, { allowNonRestoredState: true, skip: new Set(incompatible.keys()) });
  } catch (error) {
    readError = asWeirError(error);
  }
  const opened = new Set<string>();
  if (readError === undefined) {
    for (const vertex of graph.vertices) {
      const byVertex = state[vertex.id];
      if (byVertex === undefined) continue;
      for (let subtask = 0; subtask < vertex.parallelism; subtask++) {
        const restored = byVertex[subtask];
        if (restored === undefined) continue;
        await openOnRestoredState(ref, graph.jobName, vertex, subtask, restored.operators, options.jobParameters, failures, opened);
      }
    }
  }

  const operators: OperatorRestoreCheck[] = [];
  for (const vertex of graph.vertices) {
    for (const operator of vertex.operators) {
      const name = operator.node.name;
      const failure = failures.get(operator.uid);
      if (failure !== undefined) {
        operators.push({ uid: operator.uid, name, outcome: 'failed', message: failure.message, hint: failure.hint, opened: opened.has(operator.uid) });
      } else {
        operators.push({ uid: operator.uid, name, outcome: hasState(snapshotOf.get(operator.uid)) ? 'restored' : 'new', opened: opened.has(operator.uid) });
      }
    }
  }
  for (const snapshot of unmatched) {
    operators.push(
      allowNonRestoredState
        ? { uid: snapshot.uid, name: snapshot.name, outcome: 'dropped', message: 'not in the job: its state is dropped (--allow-non-restored-state)' }
        : { uid: snapshot.uid, name: snapshot.name, outcome: 'failed', message: 'not in the job: its state has no operator to go to' },
    );
  }
  // The first error the restore itself would stop with: unmatched state, then a changed maxParallelism,
  // then a damaged file, then what the operators said when they opened.
  const first =
    unmatched.length > 0 && !allowNonRestoredState ? unmatchedStateError(ref, graph, unmatched) : (readError ?? [...failures.values()][0]);
  return {
    snapshot: { directory: ref.directory, type: ref.metadata.type, checkpointId: ref.checkpointId, jobName: ref.metadata.jobName },
    jobName: graph.jobName,
    parallelism: Math.max(...graph.vertices.map((v) => v.parallelism)),
    allowNonRestoredState,
    operators,
    ok: first === undefined,
    error: first === undefined ? undefined : { message: first.message, hint: first.hint },
  };
}

function hasState(snapshot: OperatorSnapshot | undefined): boolean {
  return snapshot !== undefined && snapshot.subtasks.some((s) => s.keyedState !== undefined || s.operatorState !== undefined);
}

/**
 * Builds one subtask's operator chain on its restored state as a task would, then gives each
 * operator with state (but no sink: its open may connect or commit) its state and opens it, which
 * checks every state it requests against the stored types; then closes them.
 */
async function openOnRestoredState(
  ref: CompletedCheckpointRef,
  jobName: string,
  vertex: JobVertex<OperatorSpec>,
  subtaskIndex: number,
  restored: Readonly<Record<string, { readonly keyed: readonly Uint8Array[]; readonly operator: readonly Uint8Array[] }>>,
  jobParameters: Readonly<Record<string, string>>,
  failures: Map<string, WeirError>,
  opened: Set<string>,
): Promise<void> {
  const withState = (uid: string): boolean => (restored[uid]?.keyed.length ?? 0) > 0 || (restored[uid]?.operator.length ?? 0) > 0;
  const candidates = vertex.operators.filter((o) => o.node.payload.kind !== 'source' && withState(o.uid) && !failures.has(o.uid));
  if (candidates.length === 0) return;
  const writers = new Map<number, RecordWriter>();
  for (const operator of vertex.operators) {
    for (const edge of operator.networkOutputs) writers.set(edge, discardingWriter());
    for (const side of operator.sideOutputs) if (side.kind === 'network') writers.set(side.edge, discardingWriter());
  }
  const entries = Object.entries(restored);
  let operators: readonly OperatorInstance[];
  try {
    operators = createOperatorChain({
      jobId: JobId(ref.metadata.jobId),
      jobName,
      jobParameters,
      attemptNumber: 0,
      vertex,
      subtaskIndex,
      writers,
      clock: systemClock,
      processingTimeService: { now: () => systemClock.now(), registerTimer: () => () => {} },
      counters: { recordsIn: 0, recordsOut: 0 },
      restoredKeyed: new Map(entries.map(([uid, s]) => [uid, s.keyed])),
      restoredOperator: new Map(entries.map(([uid, s]) => [uid, s.operator])),
      restored: true,
      restoredCheckpointId: ref.checkpointId,
      sendEventToCoordinator: () => {},
    }).operators;
  } catch (error) {
    // A state backend refused the restore while the chain was built: blame the operator it names.
    const failure = asWeirError(error);
    const named = candidates.find((o) => failure.message.includes(`(uid ${o.uid})`)) ?? candidates[0];
    if (named !== undefined) failures.set(named.uid, failure);
    return;
  }
  const toClose: OperatorInstance[] = [];
  for (const instance of operators) {
    const { operator, context } = instance;
    if (operator.node.kind === 'sink' || !candidates.includes(operator) || failures.has(operator.uid)) continue;
    opened.add(operator.uid);
    const fn = instance.instance.userFunction;
    try {
      if (isCheckpointedFunction(fn)) {
        try {
          await fn.initializeState({ isRestored: () => context.restored, getOperatorStateStore: () => context.operatorState });
        } catch (error) {
          throw userFunctionFailed(context.description, 'initializeState()', error);
        }
      }
      toClose.push(instance);
      try {
        await instance.instance.open();
      } catch (error) {
        throw userFunctionFailed(context.description, 'open()', error);
      }
    } catch (error) {
      failures.set(operator.uid, asWeirError(error));
    }
  }
  for (const instance of toClose.reverse()) {
    try {
      await instance.instance.close();
    } catch {
      // what matters is whether the state restored; a close() that fails does not change that
    }
  }
}

function discardingWriter(): RecordWriter {
  const channel: ChannelWriter = { add: () => {}, emitControl: () => {}, flush: () => {}, isAvailable: () => true, partialSince: -1, onAvailable: () => {} };
  return createRecordWriter({ partitioner: { kind: 'forward' }, channels: [channel], producerSubtask: 0, maxParallelism: 1, describe: () => 'restore check' });
}

function asWeirError(error: unknown): WeirError {
  return error instanceof WeirError ? error : new WeirError('RESTORE_FAILED', describeCause(error), { cause: error });
}
