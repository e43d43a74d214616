/**
 * @module The keyed state snapshot (the heap backend's checkpoint of one operator subtask): the frozen
 * state a checkpoint's synchronous phase captured, its binary format, and the reader a restore uses to
 * pick out the key groups it owns. A snapshot is full (every entry) or, for incremental checkpoints,
 * a delta (the entries changed since the subtask's previous changes snapshot).
 *
 * Format, version 1 (little-endian; `varuint` is LEB128, `string` a varuint byte length and UTF-8):
 * ```
 * magic            4 bytes  'WKSS'
 * formatVersion    uint8    1
 * checkpointId     varuint
 * maxParallelism   varuint
 * keyGroupRange    int32 start, int32 end (inclusive; end < start when empty)
 * metadata         string   JSON { keySerializer: 'weir.key/1', states: StateMetaInfo[], timerQueues: TimerQueueMetaInfo[],
 *                           keyKinds?: string[], kind?: 'delta' } (keyKinds: the kinds of key written, 'string',
 *                           'number', 'bigint', 'boolean', 'array'; kind: absent for a full snapshot)
 * keyGroupCount    varuint
 * index            per key group: uint32 keyGroup, float64 offset (from the data start), uint32
 *                  CRC-32 of the key group's bytes, uint32 length of each section (one per state,
 *                  then one per timer queue)
 * dataLength       float64
 * data             per key group, its sections back to back:
 *   state          varuint entryCount, then entryCount x (key, value)
 *   namespaced     varuint namespaceCount, then per namespace: namespace, varuint entryCount, entries
 *   timer queue    varuint timerCount, then timerCount x (float64 timestamp, key, namespace),
 *                  by timestamp, ties in the order they were registered
 * data of a delta  the same, but a state's section holds its changes since the previous snapshot:
 *   state          varuint upsertCount, upsertCount x (key, value), varuint removeCount, removeCount x key
 *   namespaced     varuint namespaceCount, then per namespace: namespace, varuint upsertCount,
 *                  upsertCount x (key, value), varuint removeCount, removeCount x key
 *   timer queue    as in a full snapshot: every timer of the key group
 * ```
 * A key is the `keySerializer` encoding (tag byte and value); a namespace a tag byte (0 void, 1 value)
 * and the value with the state's namespace serializer; a value is written with the state's value
 * serializer (a list as `Types.array(element)`, a map as `Types.map(userKey, userValue)`). The index
 * lets a restore read only the key groups and states it needs, and check each key group it reads.
 * A delta's upsert carries a key's whole value as of the snapshot (a list or map entirely, not the
 * elements added); a restore applies a subtask's deltas in order onto its last full snapshot, and
 * takes a key group's timers from the last of them.
 */
import { WeirError, describeCause } from '../core/errors.ts';
import type { CheckpointId } from '../core/ids.ts';
import { KeyGroupRange } from '../core/key-groups.ts';
import { DataInput } from '../types/data-input.ts';
import { DataOutput } from '../types/data-output.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { crc32 } from './crc32.ts';
import type { FrozenTimers } from './heap-timer-queue.ts';
import { KEY_SERIALIZER_ID, keySerializer } from './key-serializer.ts';
import { writeNamespace } from './namespace-id.ts';
import { parseStateMetaInfo, parseTimerQueueMetaInfo } from './state-meta-info.ts';
import type { ResolvedStateSerializers, StateMetaInfo, TimerQueueMetaInfo } from './state-meta-info.ts';
import { SnapshotPiecePool } from './snapshot-piece-pool.ts';
import type { FrozenStateTable } from './state-table.ts';

/** 'WKSS' (weir keyed state snapshot). */
const MAGIC = [0x57, 0x4b, 0x53, 0x53] as const;
/** The format this module writes and reads; a restore refuses others. */
export const KEYED_STATE_SNAPSHOT_VERSION = 1;
const INITIAL_CAPACITY = 64 * 1024;
/** A piece's buffer: the data goes on in a new piece, between two entries, when one is full. */
const PIECE_CAPACITY = 5 * 1024 * 1024;

/**
 * This thread's reusable piece buffers (up to 240 MB): a task gives them back with `recycle` once
 * the checkpoint that carried them is complete.
 */
export const snapshotPieces = new SnapshotPiecePool(PIECE_CAPACITY, 48);

/** A full snapshot holds every entry; a delta the entries changed since the previous changes snapshot. */
export type KeyedStateSnapshotKind = 'full' | 'delta';

/** What a keyed snapshot's metadata section holds. */
export interface KeyedStateSnapshotMetadata {
  /** In the bytes only for a delta: absent (as in snapshots older than incremental checkpoints) reads as 'full'. */
  readonly kind: KeyedStateSnapshotKind;
  readonly keySerializer: string;
  readonly states: readonly StateMetaInfo[];
  readonly timerQueues: readonly TimerQueueMetaInfo[];
  /** The kinds of key the state was written with (`string`, `number`, ...); empty when unknown. */
  readonly keyKinds: readonly string[];
}

/** One state as the synchronous phase froze it. */
export interface SnapshotState {
  readonly serializers: ResolvedStateSerializers;
  readonly frozen: FrozenStateTable;
}

/** One timer queue as the synchronous phase froze it. */
export interface SnapshotTimerQueue {
  readonly meta: TimerQueueMetaInfo;
  readonly namespace: TypeSerializer<unknown>;
  readonly frozen: FrozenTimers;
}

/** What `HeapKeyedStateBackend.snapshot` hands a `KeyedStateSnapshot`. */
export interface KeyedStateSnapshotOptions {
  readonly checkpointId: CheckpointId;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly operatorDescription: string;
  readonly states: readonly SnapshotState[];
  readonly timerQueues: readonly SnapshotTimerQueue[];
  /** The kinds of key the backend has seen (see `KeyedStateSnapshotMetadata.keyKinds`). */
  readonly keyKinds?: readonly string[] | undefined;
  /** 'delta' when the states were frozen with their changes; 'full' by default. */
  readonly kind?: KeyedStateSnapshotKind | undefined;
}

/**
 * The keyed state of one operator subtask at one checkpoint. Taking it (the synchronous phase) froze
 * the state; `write()` is the asynchronous phase: it serializes the frozen maps while processing goes
 * on, and may be called more than once. `release()` lets the backend write those maps in place again;
 * call it once the bytes are stored, or when the checkpoint is aborted.
 *
 * @example
 * const snapshot = backend.snapshot(CheckpointId(7));   // at the barrier, before forwarding it
 * forwardBarrier();
 * queueMicrotask(() => { try { store(snapshot.write()); } finally { snapshot.release(); } });
 */
export class KeyedStateSnapshot {
  /** Whether the bytes hold every entry or only the changes since the previous changes snapshot. */
  readonly kind: KeyedStateSnapshotKind;
  readonly checkpointId: CheckpointId;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  private readonly operatorDescription: string;
  private readonly states: readonly SnapshotState[];
  private readonly timerQueues: readonly SnapshotTimerQueue[];
  private readonly keyKinds: readonly string[];
  private released = false;

  constructor(options: KeyedStateSnapshotOptions) {
    this.checkpointId = options.checkpointId;
    this.maxParallelism = options.maxParallelism;
    this.keyGroupRange = options.keyGroupRange;
    this.operatorDescription = options.operatorDescription;
    this.states = options.states;
    this.timerQueues = options.timerQueues;
    this.keyKinds = options.keyKinds ?? [];
    this.kind = options.kind ?? 'full';
  }

  /** The snapshot's bytes in the format above. Throws CHECKPOINT_FAILED for a value its serializer rejects. */
  write(): Uint8Array {
    const writer = this.writer();
    writer.step(Number.POSITIVE_INFINITY);
    const chunks = writer.chunks();
    const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    snapshotPieces.recycle(chunks);
    return bytes;
  }

  /**
   * Writes the snapshot a few key groups at a time: `step(deadline)` writes key groups until
   * `performance.now()` passes `deadline` and says whether it is done; `chunks()` then returns the
   * result as consecutive pieces (the header, then the data in pieces that end between entries, each
   * the start of a buffer of its own), so that a large state is neither copied as it grows nor
   * joined at the end. A task interleaves the steps with processing, so a large state never stalls
   * it. The pieces are written in buffers of `pool` where it has them (SharedArrayBuffers, which
   * another thread reads without a copy or a transfer), else in ArrayBuffers of their own.
   */
  writer(pool: SnapshotPiecePool = snapshotPieces): { step(deadline: number): boolean; chunks(): Uint8Array[] } {
    if (this.released) {
      throw new WeirError('INTERNAL', `snapshot of checkpoint ${this.checkpointId} of ${this.operatorDescription} was written after release()`, {
        hint: 'this is a bug in the task runtime: write a snapshot before releasing it; please report it',
      });
    }
    const range = this.keyGroupRange;
    const sectionCount = this.states.length + this.timerQueues.length;
    // A free pooled buffer costs nothing; a snapshot that may stay small does not grow the pool.
    const data = new DataOutput(pool.takeFree() ?? INITIAL_CAPACITY);
    // The data written so far in earlier pieces, before `data`'s.
    const pieces: Uint8Array[] = [];
    let piecesLength = 0;
    // The current key group: where it starts, and the checksum of its bytes in earlier pieces.
    let keyGroupStart = 0;
    let checksum = 0;
    data.writeInPieces({
      next: (bytes) => (bytes <= PIECE_CAPACITY ? pool.take() : undefined) ?? new Uint8Array(Math.max(PIECE_CAPACITY, bytes)),
      full: (piece) => {
        checksum = crc32(piece.subarray(Math.max(0, keyGroupStart - piecesLength)), checksum);
        pieces.push(piece);
        piecesLength += piece.length;
      },
    });
    const offsets: number[] = [];
    const checksums = new Uint32Array(range.size);
    const lengths = new Uint32Array(range.size * sectionCount);
    let next = 0;
    const step = (deadline: number): boolean => {
      for (; next < range.size; next++) {
        if (next > 0 && performance.now() > deadline) return false;
        const index = next;
        data.boundary();
        keyGroupStart = data.position;
        checksum = 0;
        offsets.push(keyGroupStart);
        let section = index * sectionCount;
        for (const state of this.states) {
          const start = data.position;
          try {
            state.frozen.writeKeyGroup(index, data, state.serializers);
          } catch (error) {
            throw this.writeFailed(`state '${state.serializers.meta.name}'`, range.start + index, error);
          }
          lengths[section++] = data.position - start;
        }
        for (const queue of this.timerQueues) {
          const start = data.position;
          try {
            writeTimers(queue, index, data);
          } catch (error) {
            throw this.writeFailed(`timer queue '${queue.meta.name}'`, range.start + index, error);
          }
          lengths[section++] = data.position - start;
        }
        checksums[index] = crc32(data.view().subarray(Math.max(0, keyGroupStart - piecesLength)), checksum);
      }
      return true;
    };
    const chunks = (): Uint8Array[] => {
      const metadata = {
        keySerializer: KEY_SERIALIZER_ID,
        states: this.states.map((state) => state.serializers.meta),
        timerQueues: this.timerQueues.map((queue) => queue.meta),
        keyKinds: this.keyKinds,
        // only for deltas, so a full snapshot reads as one to any weir version
        ...(this.kind === 'delta' ? { kind: this.kind } : {}),
      };
      const dataLength = data.position;
      const head = new DataOutput(1024 + range.size * (16 + 4 * sectionCount));
      for (const byte of MAGIC) head.writeUint8(byte);
      head.writeUint8(KEYED_STATE_SNAPSHOT_VERSION);
      head.writeVarUint(this.checkpointId);
      head.writeVarUint(this.maxParallelism);
      head.writeInt32(range.start);
      head.writeInt32(range.end);
      head.writeString(JSON.stringify(metadata));
      head.writeVarUint(range.size);
      for (let index = 0; index < range.size; index++) {
        head.writeUint32(range.start + index);
        const offset = offsets[index] as number;
        head.writeFloat64(offset);
        head.writeUint32(checksums[index] as number);
        for (let section = 0; section < sectionCount; section++) head.writeUint32(lengths[index * sectionCount + section] as number);
      }
      head.writeFloat64(dataLength);
      const last = data.view();
      return [head.view(), ...pieces, ...(last.length > 0 ? [last] : [])];
    };
    return { step, chunks };
  }

  /**
   * For a delta whose checkpoint was aborted: hands its changes back to the state, so that the next
   * delta writes them too and the chain goes on from the snapshot before this one. Call before
   * `release()`. False when that cannot be (a full snapshot, released, or a state that stopped
   * tracking changes since): the next snapshot must then be full.
   */
  giveBackChanges(): boolean {
    if (this.kind !== 'delta' || this.released) return false;
    let all = true;
    for (const state of this.states) if (!state.frozen.giveBack()) all = false;
    return all;
  }

  /** Drops the frozen state, so later writes stop copying it; idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const state of this.states) state.frozen.release();
    for (const queue of this.timerQueues) queue.frozen.release();
  }

  private writeFailed(what: string, keyGroup: number, error: unknown): WeirError {
    return new WeirError(
      'CHECKPOINT_FAILED',
      `cannot write checkpoint ${this.checkpointId} of ${what} of ${this.operatorDescription} (key group ${keyGroup}): ${describeCause(error)}`,
      { cause: error, hint: error instanceof WeirError && error.hint !== undefined ? error.hint : undefined },
    );
  }
}

function writeTimers(queue: SnapshotTimerQueue, keyGroupIndex: number, out: DataOutput): void {
  const timers = queue.frozen.timersOfKeyGroup(keyGroupIndex);
  const namespaceSerializer = queue.namespace;
  out.writeVarUint(timers.length);
  for (const timer of timers) {
    out.boundary();
    out.writeFloat64(timer.timestamp);
    keySerializer.write(timer.key, out);
    writeNamespace(timer.namespace, namespaceSerializer, out);
  }
}

/** Where a blob sits among the blobs of one restore, for error messages. */
export interface SnapshotSource {
  readonly operatorDescription: string;
  readonly index: number;
  readonly count: number;
}

/**
 * A keyed snapshot opened for restore: its header and index are parsed and checked, its sections are
 * read on demand. Throws CHECKPOINT_CORRUPT, naming the operator and the blob, when the bytes are
 * truncated, damaged or not a keyed snapshot.
 */
export class KeyedStateSnapshotReader {
  readonly checkpointId: number;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly metadata: KeyedStateSnapshotMetadata;
  private readonly bytes: Uint8Array;
  private readonly source: SnapshotSource;
  private readonly dataStart: number;
  /** Per key group: the offset of its first section, its checksum and the length of each section. */
  private readonly index = new Map<number, { readonly offset: number; readonly length: number; readonly checksum: number; readonly lengths: readonly number[] }>();
  /** Key groups whose checksum was verified. */
  private readonly verified = new Set<number>();

  constructor(bytes: Uint8Array, source: SnapshotSource) {
    this.bytes = bytes;
    this.source = source;
    const input = new DataInput(bytes);
    try {
      if (bytes.length < MAGIC.length + 1 || MAGIC.some((byte, i) => bytes[i] !== byte)) throw this.corrupt('it does not start with a keyed snapshot header');
      input.readBytes(MAGIC.length);
      const version = input.readUint8();
      if (version !== KEYED_STATE_SNAPSHOT_VERSION) {
        throw this.corrupt(`it has format version ${version}, this weir reads version ${KEYED_STATE_SNAPSHOT_VERSION}`, 'restore it with the weir version that wrote it');
      }
      this.checkpointId = input.readVarUint();
      this.maxParallelism = input.readVarUint();
      this.keyGroupRange = new KeyGroupRange(input.readInt32(), input.readInt32());
      this.metadata = this.parseMetadata(input.readString());
      const sectionCount = this.metadata.states.length + this.metadata.timerQueues.length;
      const keyGroupCount = input.readVarUint();
      if (keyGroupCount > input.remaining) throw this.corrupt(`its index claims ${keyGroupCount} key groups`);
      let expectedOffset = 0;
      for (let i = 0; i < keyGroupCount; i++) {
        const keyGroup = input.readUint32();
        const offset = input.readFloat64();
        const checksum = input.readUint32();
        const lengths: number[] = [];
        let length = 0;
        for (let section = 0; section < sectionCount; section++) {
          const sectionLength = input.readUint32();
          lengths.push(sectionLength);
          length += sectionLength;
        }
        if (!this.keyGroupRange.contains(keyGroup) || this.index.has(keyGroup) || offset !== expectedOffset) {
          throw this.corrupt(`its index entry ${i} (key group ${keyGroup} at offset ${offset}) does not fit the range ${this.keyGroupRange.toString()}`);
        }
        this.index.set(keyGroup, { offset, length, checksum, lengths });
        expectedOffset += length;
      }
      const dataLength = input.readFloat64();
      this.dataStart = input.position;
      if (dataLength !== expectedOffset || this.dataStart + dataLength !== bytes.length) {
        throw this.corrupt(`it has ${bytes.length - this.dataStart} bytes of data where its index describes ${expectedOffset} (truncated or damaged)`);
      }
    } catch (error) {
      if (error instanceof WeirError && error.code === 'CHECKPOINT_CORRUPT') throw error;
      throw this.corrupt(`its header cannot be read: ${describeCause(error)}`, undefined, error);
    }
  }

  /** The key groups the snapshot holds, ascending. */
  keyGroups(): number[] {
    return Array.from(this.index.keys());
  }

  /**
   * The bytes of one section (`section` counts the states, then the timer queues, in metadata order)
   * of `keyGroup`; undefined when the snapshot does not hold the key group. The key group's checksum
   * is verified on its first section (CHECKPOINT_CORRUPT when it does not match).
   */
  section(keyGroup: number, section: number): Uint8Array | undefined {
    const entry = this.index.get(keyGroup);
    if (entry === undefined) return undefined;
    if (!this.verified.has(keyGroup)) {
      const start = this.dataStart + entry.offset;
      if (crc32(this.bytes.subarray(start, start + entry.length)) !== entry.checksum) throw this.corrupt(`key group ${keyGroup} fails its checksum (damaged)`);
      this.verified.add(keyGroup);
    }
    let offset = this.dataStart + entry.offset;
    for (let i = 0; i < section; i++) offset += entry.lengths[i] as number;
    return this.bytes.subarray(offset, offset + (entry.lengths[section] as number));
  }

  /** The error for damaged bytes, naming the operator, the blob and `what` is wrong. */
  corrupt(what: string, hint?: string, cause?: unknown): WeirError {
    const { operatorDescription, index, count } = this.source;
    return new WeirError('CHECKPOINT_CORRUPT', `cannot restore ${operatorDescription} from keyed state snapshot ${index + 1} of ${count}: ${what}`, {
      cause,
      hint: hint ?? 'the checkpoint file is damaged or truncated; restore from another checkpoint or savepoint',
    });
  }

  private parseMetadata(json: string): KeyedStateSnapshotMetadata {
    let parsed: Partial<Record<keyof KeyedStateSnapshotMetadata, unknown>>;
    try {
      parsed = JSON.parse(json) as Partial<Record<keyof KeyedStateSnapshotMetadata, unknown>>;
    } catch (error) {
      throw this.corrupt('its metadata is not valid JSON', undefined, error);
    }
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.states) || !Array.isArray(parsed.timerQueues)) {
      throw this.corrupt('its metadata lacks the list of states or timer queues');
    }
    if (parsed.kind !== undefined && parsed.kind !== 'full' && parsed.kind !== 'delta') {
      throw this.corrupt(`its metadata names an unknown kind of snapshot ${JSON.stringify(parsed.kind)}`, 'restore it with the weir version that wrote it');
    }
    if (parsed.keySerializer !== KEY_SERIALIZER_ID) {
      throw this.corrupt(`its keys are encoded as '${String(parsed.keySerializer)}', this weir reads '${KEY_SERIALIZER_ID}'`, 'restore it with the weir version that wrote it');
    }
    try {
      const keyKinds = Array.isArray(parsed.keyKinds) ? parsed.keyKinds.filter((kind): kind is string => typeof kind === 'string') : [];
      return { kind: parsed.kind ?? 'full', keySerializer: KEY_SERIALIZER_ID, states: parsed.states.map(parseStateMetaInfo), timerQueues: parsed.timerQueues.map(parseTimerQueueMetaInfo), keyKinds };
    } catch (error) {
      throw this.corrupt(describeCause(error), undefined, error);
    }
  }
}
