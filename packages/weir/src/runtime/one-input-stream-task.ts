/**
 * @module OneInputStreamTask: a task fed by an InputGate. It takes batches while its outputs have room,
 * hands each record to the head operator, forwards combined watermarks and ends when every input has.
 */
import { WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { OneInputStreamOperator } from '../operators/stream-operator.ts';
import type { InputGate } from './input-gate.ts';
import { EncodedBatch, type RecordBatch } from './record-batch.ts';
import { decodeChannelState, encodeChannelState, type RecordedChannel } from './channel-state.ts';
import { Types } from '../types/types.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import type { CheckpointId } from '../core/ids.ts';
import type { CheckpointBarrier } from '../core/stream-element.ts';
import { keyGroupOf } from '../core/key-groups.ts';
import type { CheckpointingMode } from '../checkpoint/checkpoint-config.ts';
import {
  AlignedBarrierHandler,
  AtLeastOnceBarrierHandler,
  UnalignedBarrierHandler,
  type BarrierDecision,
  type CheckpointBarrierHandler,
  type UnalignedDecision,
} from './checkpoint-barrier-handler.ts';
import { StreamTask, type StreamTaskOptions } from './stream-task.ts';

const BATCHES_PER_RUN = 8;

export interface BarrierSettings {
  readonly mode: CheckpointingMode;
  /** EXACTLY_ONCE without alignment: in-flight records are persisted as channel state. */
  readonly unaligned: boolean;
  /** Serializer of each input channel, for its channel state. */
  readonly channelSerializers: readonly TypeSerializer<unknown>[];
  /** With `unaligned`: align first, and switch to unaligned when alignment takes longer than this (ms; 0: never align). */
  readonly alignedCheckpointTimeout?: number | undefined;
}

/** An unaligned checkpoint whose channel state is still being recorded. */
interface Recording {
  readonly checkpointId: CheckpointId;
  readonly channels: Map<number, RecordedChannel>;
  readonly done: (bytes: Uint8Array) => void;
  readonly fail: (error: unknown) => void;
}

export class OneInputStreamTask extends StreamTask {
  readonly #gate: InputGate;
  readonly #barriers: CheckpointBarrierHandler | undefined;
  readonly #unaligned: UnalignedBarrierHandler | undefined;
  readonly #settings: BarrierSettings;
  #recording: Recording | undefined;
  #head: OneInputStreamOperator<unknown, unknown> | undefined;

  constructor(options: StreamTaskOptions, gate: InputGate, settings: BarrierSettings) {
    super(options);
    this.#gate = gate;
    this.#settings = settings;
    const channels = gate.channels.length;
    const timeout = settings.alignedCheckpointTimeout ?? 0;
    if (settings.unaligned && settings.mode === 'EXACTLY_ONCE') {
      this.#unaligned = new UnalignedBarrierHandler(channels);
      // Aligned first, unaligned once the alignment takes longer than the timeout (Flink's aligned-checkpoint-timeout).
      if (timeout > 0) this.#barriers = new AlignedBarrierHandler(channels);
    } else {
      this.#barriers = settings.mode === 'AT_LEAST_ONCE' ? new AtLeastOnceBarrierHandler(channels) : new AlignedBarrierHandler(channels);
    }
    gate.onAvailable = () => {
      this.schedule();
    };
    gate.onChannelEnded = (channel) => {
      if (this.#unaligned !== undefined) this.#applyUnaligned(this.#unaligned.onEndOfInput(channel));
      if (this.#barriers !== undefined) this.#apply(this.#barriers.onEndOfInput(channel, performance.now()));
    };
  }

  /** Routes a barrier: to the unaligned handler when it records that checkpoint (or aligns never), else to alignment. */
  #onBarrier(channel: number, barrier: CheckpointBarrier): void {
    const unaligned = this.#unaligned;
    const aligned = this.#barriers;
    if (unaligned !== undefined && (aligned === undefined || unaligned.recording === barrier.checkpointId)) {
      this.#applyUnaligned(unaligned.onBarrier(channel, barrier));
      return;
    }
    const wasAligning = aligned instanceof AlignedBarrierHandler ? aligned.aligning : undefined;
    this.#apply(aligned?.onBarrier(channel, barrier, performance.now()) ?? []);
    if (unaligned !== undefined && aligned instanceof AlignedBarrierHandler && aligned.aligning === barrier.checkpointId && wasAligning !== barrier.checkpointId) {
      this.#armAlignmentTimeout(aligned, unaligned, barrier.checkpointId);
    }
  }

  #armAlignmentTimeout(aligned: AlignedBarrierHandler, unaligned: UnalignedBarrierHandler, checkpointId: CheckpointId): void {
    const timeout = this.#settings.alignedCheckpointTimeout ?? 0;
    const time = this.options.clock.now() + timeout;
    this.registerProcessingTimer(time, () => {
      const switched = aligned.switchToUnaligned(checkpointId);
      if (switched === undefined) return;
      this.#gate.unblockAll();
      this.#applyUnaligned(unaligned.adopt(switched.barrier, switched.pending));
      if (this.#gate.hasInput()) this.schedule();
    });
  }

  override notifyCheckpointAborted(checkpointId: CheckpointId): void {
    if (this.#unaligned !== undefined) this.#applyUnaligned(this.#unaligned.onAborted(checkpointId));
    if (this.#barriers !== undefined) this.#apply(this.#barriers.onAborted(checkpointId));
    super.notifyCheckpointAborted(checkpointId);
  }

  #applyUnaligned(decisions: readonly UnalignedDecision[]): void {
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'snapshot-unaligned': {
          const channels = new Map<number, RecordedChannel>();
          for (const channel of decision.recordChannels) {
            const serializer = this.#settings.channelSerializers[channel] ?? Types.generic<unknown>();
            channels.set(channel, { serializer, values: [], timestamps: [] });
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
          this.performCheckpoint(decision.barrier, 0, {
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
            recording.done(encodeChannelState([...recording.channels.values()]));
          } catch (error) {
            recording.fail(error);
          }
          break;
        }
        case 'abort': {
          const recording = this.#recording;
          this.#recording = undefined;
          this.#stopped.clear();
          recording?.fail(new WeirError('CHECKPOINT_FAILED', `${this.name} gave up checkpoint ${decision.checkpointId}: ${decision.reason}`));
          if (recording === undefined) {
            this.options.onCheckpointDecline(decision.checkpointId, new WeirError('CHECKPOINT_FAILED', `${this.name} gave up checkpoint ${decision.checkpointId}: ${decision.reason}`));
          }
          break;
        }
      }
    }
  }

  /** Channels of the current recording that delivered their barrier. */
  readonly #stopped = new Set<number>();

  /** The recorded list of `channel`, while its records are in flight across an unaligned checkpoint. */
  #recordedChannel(channel: number): RecordedChannel | undefined {
    const recording = this.#recording;
    if (recording === undefined || this.#stopped.has(channel)) return undefined;
    return recording.channels.get(channel);
  }

  #apply(decisions: readonly BarrierDecision[]): void {
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'block':
          this.#gate.block(decision.channel);
          break;
        case 'snapshot':
          this.performCheckpoint(decision.barrier, decision.alignmentMs);
          this.#gate.unblockAll();
          break;
        case 'abort':
          this.#gate.unblockAll();
          this.options.onCheckpointDecline(
            decision.checkpointId,
            new WeirError('CHECKPOINT_FAILED', `${this.name} gave up checkpoint ${decision.checkpointId}: ${decision.reason}`),
          );
          break;
      }
    }
    if (this.#gate.hasInput()) this.schedule();
  }

  protected initialize(): Promise<void> {
    const head = this.chain?.operators[0]?.instance;
    if (head === undefined) throw new WeirError('INTERNAL', `${this.name} has no head operator`);
    this.#head = head;
    // In-flight records of an unaligned checkpoint come first, before any new input.
    // A keyed task gets every old subtask's records (the parallelism may have changed) and keeps its own.
    const first = this.chain?.operators[0];
    const keyed = first?.context.keyed;
    const uid = first?.operator.uid;
    for (const bytes of (uid === undefined ? undefined : this.options.restored?.operators[uid]?.channel) ?? []) {
      const { values, timestamps } = decodeChannelState(bytes, this.name);
      for (let i = 0; i < values.length; i++) {
        if (keyed !== undefined && !keyed.backend.keyGroupRange.contains(keyGroupOf(keyed.keySelector(values[i]), keyed.backend.maxParallelism))) continue;
        head.processElement(values[i], timestamps[i] ?? NO_TIMESTAMP);
      }
    }
    return Promise.resolve();
  }

  protected processInput(): void {
    const head = this.#head as OneInputStreamOperator<unknown, unknown>;
    for (let n = 0; n < BATCHES_PER_RUN; n++) {
      if (!this.outputsAvailable()) return;
      const event = this.#gate.poll();
      if (event === undefined) return;
      switch (event.kind) {
        case 'batch': {
          const batch = event.batch;
          const recorded = this.#recording === undefined ? undefined : this.#recordedChannel(event.channel);
          if (recorded !== undefined) {
            this.#processRecorded(head, batch, recorded);
            break;
          }
          if (batch instanceof EncodedBatch) {
            const count = batch.count;
            this.counters.recordsIn += count;
            if (batch.hasTimestamps) {
              for (let i = 0; i < count; i++) head.processElement(batch.next(), batch.timestamp(i));
            } else {
              for (let i = 0; i < count; i++) head.processElement(batch.next(), NO_TIMESTAMP);
            }
            break;
          }
          const { values, timestamps } = batch;
          this.counters.recordsIn += values.length;
          if (timestamps === null) {
            for (let i = 0; i < values.length; i++) head.processElement(values[i], NO_TIMESTAMP);
          } else {
            for (let i = 0; i < values.length; i++) head.processElement(values[i], timestamps[i] ?? NO_TIMESTAMP);
          }
          break;
        }
        case 'watermark':
          head.processWatermark(event.timestamp);
          break;
        case 'end-of-input':
          void this.endOfInput();
          return;
        case 'control':
          if (event.element.kind !== 'barrier') throw new WeirError('INTERNAL', `${this.name} received an element it cannot handle: ${event.element.kind}`);
          this.#onBarrier(event.channel, event.element);
          break;
      }
      if (!this.isRunning) return;
    }
    if (this.#gate.hasInput()) this.schedule();
  }

  /** Processes a batch of a channel whose records are in flight across an unaligned checkpoint, keeping them. */
  #processRecorded(head: OneInputStreamOperator<unknown, unknown>, batch: RecordBatch | EncodedBatch, recorded: RecordedChannel): void {
    const { values, timestamps } = batch instanceof EncodedBatch ? batch.decodeAll() : batch;
    this.counters.recordsIn += values.length;
    for (let i = 0; i < values.length; i++) {
      const timestamp = timestamps?.[i] ?? NO_TIMESTAMP;
      recorded.values.push(values[i]);
      recorded.timestamps.push(timestamp);
      head.processElement(values[i], timestamp);
    }
  }
}
