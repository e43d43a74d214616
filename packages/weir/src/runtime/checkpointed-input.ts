/**
 * @module CheckpointedInput: the checkpoint barriers of a task's input channels, over one input gate or
 * the two of a two-input task (numbered as one range, Flink's CheckpointedInputGate over a single
 * barrier handler). It routes each barrier to the handler of the checkpointing mode (aligned,
 * at-least-once, unaligned, or aligned with a timeout that switches to unaligned) and carries out the
 * handler's decisions: block and unblock channels, take the task's snapshot, record channel state.
 */
import { WeirError } from '../core/errors.ts';
import type { CheckpointId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import type { CheckpointingMode } from '../checkpoint/checkpoint-config.ts';
import { Types } from '../types/types.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { encodeChannelState, type ChannelStateOrigin, type RecordedChannel } from './channel-state.ts';
import {
  AlignedBarrierHandler,
  AtLeastOnceBarrierHandler,
  UnalignedBarrierHandler,
  type BarrierDecision,
  type CheckpointBarrierHandler,
  type UnalignedDecision,
} from './checkpoint-barrier-handler.ts';

export interface BarrierSettings {
  readonly mode: CheckpointingMode;
  /** EXACTLY_ONCE without alignment: in-flight records are persisted as channel state. */
  readonly unaligned: boolean;
  /** Serializer of each input channel, for its channel state. */
  readonly channelSerializers: readonly TypeSerializer<unknown>[];
  /** With `unaligned`: align first, and switch to unaligned when alignment takes longer than this (ms; 0: never align). */
  readonly alignedCheckpointTimeout?: number | undefined;
}

/** The channels barriers arrive on, numbered from 0 across the task's gates. */
export interface InputChannels {
  readonly count: number;
  block(channel: number): void;
  unblockAll(): void;
  hasInput(): boolean;
}

/** What a CheckpointedInput needs of its task. */
export interface CheckpointedInputTask {
  readonly name: string;
  /** Takes the task's snapshot and forwards the barrier (StreamTask.performCheckpoint). */
  performCheckpoint(barrier: CheckpointBarrier, alignmentMs: number, unaligned?: { readonly channelState: Promise<Uint8Array>; readonly bytes: () => number }): void;
  /** Runs `action` in the task's mailbox at processing time `time`. */
  registerProcessingTimer(time: number, action: () => void): () => void;
  /** Declines checkpoint `checkpointId` to the JobManager. */
  decline(checkpointId: CheckpointId, error: unknown): void;
  /** The task has input to process: run it again. */
  schedule(): void;
  now(): number;
}

/** How recorded channel state says where its records belong on restore. */
export interface ChannelStateLabels {
  /** The input of a two-input task each channel feeds. */
  readonly inputOf?: ((channel: number) => 1 | 2) | undefined;
  readonly origin?: ChannelStateOrigin | undefined;
}

/** An unaligned checkpoint whose channel state is still being recorded. */
interface Recording {
  readonly checkpointId: CheckpointId;
  readonly channels: Map<number, RecordedChannel>;
  readonly done: (bytes: Uint8Array) => void;
  readonly fail: (error: unknown) => void;
}

export class CheckpointedInput {
  readonly #task: CheckpointedInputTask;
  readonly #channels: InputChannels;
  readonly #settings: BarrierSettings;
  readonly #labels: ChannelStateLabels;
  readonly #barriers: CheckpointBarrierHandler | undefined;
  readonly #unaligned: UnalignedBarrierHandler | undefined;
  /** Savepoints are always aligned: their barriers' handler where the mode's own does not align. */
  readonly #savepointBarriers: AlignedBarrierHandler | undefined;
  #recording: Recording | undefined;
  /** Channels of the current recording that delivered their barrier. */
  readonly #stopped = new Set<number>();

  constructor(task: CheckpointedInputTask, channels: InputChannels, settings: BarrierSettings, labels: ChannelStateLabels = {}) {
    this.#task = task;
    this.#channels = channels;
    this.#settings = settings;
    this.#labels = labels;
    const count = channels.count;
    const timeout = settings.alignedCheckpointTimeout ?? 0;
    if (settings.unaligned && settings.mode === 'EXACTLY_ONCE') {
      this.#unaligned = new UnalignedBarrierHandler(count);
      // Aligned first, unaligned once the alignment takes longer than the timeout (Flink's aligned-checkpoint-timeout).
      if (timeout > 0) this.#barriers = new AlignedBarrierHandler(count);
    } else {
      this.#barriers = settings.mode === 'AT_LEAST_ONCE' ? new AtLeastOnceBarrierHandler(count) : new AlignedBarrierHandler(count);
    }
    this.#savepointBarriers = this.#barriers instanceof AlignedBarrierHandler ? undefined : new AlignedBarrierHandler(count);
  }

  /** Routes a barrier: to the unaligned handler when it records that checkpoint (or aligns never), else to alignment. */
  onBarrier(channel: number, barrier: CheckpointBarrier): void {
    if (barrier.type === 'savepoint' && this.#savepointBarriers !== undefined) {
      this.#apply(this.#savepointBarriers.onBarrier(channel, barrier, performance.now()));
      return;
    }
    const unaligned = this.#unaligned;
    const aligned = this.#barriers;
    if (unaligned !== undefined && (aligned === undefined || unaligned.recording === barrier.checkpointId)) {
      this.#applyUnaligned(unaligned.onBarrier(channel, barrier));
      return;
    }
    const wasAligning = aligned instanceof AlignedBarrierHandler ? aligned.aligning : undefined;
    this.#apply(aligned?.onBarrier(channel, barrier, performance.now()) ?? []);
    // A savepoint's alignment never switches to unaligned after the timeout.
    if (barrier.type !== 'savepoint' && unaligned !== undefined && aligned instanceof AlignedBarrierHandler && aligned.aligning === barrier.checkpointId && wasAligning !== barrier.checkpointId) {
      this.#armAlignmentTimeout(aligned, unaligned, barrier.checkpointId);
    }
  }

  /** `channel` delivered its end of input: barriers are no longer awaited from it. */
  onChannelEnded(channel: number): void {
    if (this.#unaligned !== undefined) this.#applyUnaligned(this.#unaligned.onEndOfInput(channel));
    if (this.#barriers !== undefined) this.#apply(this.#barriers.onEndOfInput(channel, performance.now()));
    if (this.#savepointBarriers !== undefined) this.#apply(this.#savepointBarriers.onEndOfInput(channel, performance.now()));
  }

  /** The JobManager aborted `checkpointId`: stop aligning or recording for it. */
  onAborted(checkpointId: CheckpointId): void {
    if (this.#unaligned !== undefined) this.#applyUnaligned(this.#unaligned.onAborted(checkpointId));
    if (this.#barriers !== undefined) this.#apply(this.#barriers.onAborted(checkpointId));
    if (this.#savepointBarriers !== undefined) this.#apply(this.#savepointBarriers.onAborted(checkpointId));
  }

  /** The recorded list of `channel`, while its records are in flight across an unaligned checkpoint. */
  recordedChannel(channel: number): RecordedChannel | undefined {
    const recording = this.#recording;
    if (recording === undefined || this.#stopped.has(channel)) return undefined;
    return recording.channels.get(channel);
  }

  #armAlignmentTimeout(aligned: AlignedBarrierHandler, unaligned: UnalignedBarrierHandler, checkpointId: CheckpointId): void {
    const timeout = this.#settings.alignedCheckpointTimeout ?? 0;
    const time = this.#task.now() + timeout;
    this.#task.registerProcessingTimer(time, () => {
      const switched = aligned.switchToUnaligned(checkpointId);
      if (switched === undefined) return;
      this.#channels.unblockAll();
      this.#applyUnaligned(unaligned.adopt(switched.barrier, switched.pending));
      if (this.#channels.hasInput()) this.#task.schedule();
    });
  }

  #applyUnaligned(decisions: readonly UnalignedDecision[]): void {
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'snapshot-unaligned': {
          const channels = new Map<number, RecordedChannel>();
          for (const channel of decision.recordChannels) {
            const serializer = this.#settings.channelSerializers[channel] ?? Types.generic<unknown>();
            const input = this.#labels.inputOf?.(channel);
            channels.set(channel, input === undefined ? { serializer, values: [], timestamps: [] } : { serializer, values: [], timestamps: [], input });
          }
          let done!: (bytes: Uint8Array) => void;
          let fail!: (error: unknown) => void;
          const channelState = new Promise<Uint8Array>((resolve, reject) => {
            done = resolve;
            fail = reject;
          });
          channelState.catch(() => {});
          const recording: Recording = { checkpointId: decision.barrier.checkpointId, channels, done, fail };
          this.#recording = recording;
          this.#task.performCheckpoint(decision.barrier, 0, {
            channelState,
            bytes: () => [...recording.channels.values()].reduce((sum, c) => sum + c.values.length, 0),
          });
          break;
        }
        case 'stop-recording':
          // The channel's later records are after the checkpoint; what it recorded so far stays.
          if (this.#recording !== undefined) this.#stopped.add(decision.channel);
          break;
        case 'channel-state-complete': {
          const recording = this.#recording;
          this.#recording = undefined;
          this.#stopped.clear();
          if (recording === undefined) break;
          try {
            recording.done(encodeChannelState([...recording.channels.values()], this.#labels.origin));
          } catch (error) {
            recording.fail(error);
          }
          break;
        }
        case 'abort': {
          const recording = this.#recording;
          this.#recording = undefined;
          this.#stopped.clear();
          const error = new WeirError('CHECKPOINT_FAILED', `${this.#task.name} gave up checkpoint ${decision.checkpointId}: ${decision.reason}`);
          if (recording === undefined) this.#task.decline(decision.checkpointId, error);
          else recording.fail(error);
          break;
        }
      }
    }
  }

  #apply(decisions: readonly BarrierDecision[]): void {
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'block':
          this.#channels.block(decision.channel);
          break;
        case 'snapshot':
          this.#task.performCheckpoint(decision.barrier, decision.alignmentMs);
          this.#channels.unblockAll();
          break;
        case 'abort':
          this.#channels.unblockAll();
          this.#task.decline(decision.checkpointId, new WeirError('CHECKPOINT_FAILED', `${this.#task.name} gave up checkpoint ${decision.checkpointId}: ${decision.reason}`));
          break;
      }
    }
    if (this.#channels.hasInput()) this.#task.schedule();
  }
}
