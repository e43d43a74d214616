/**
 * @module Buffers for the pieces of large keyed snapshots, kept from one checkpoint to the next.
 *
 * A snapshot of hundreds of MB written into fresh ArrayBuffers is external memory to V8, and every
 * 64 MB of new external memory starts a full marking of the thread's heap: with a heap of gigabytes
 * of state that costs more than writing the snapshot. So the pieces are SharedArrayBuffers, which V8
 * does not count as external memory of one isolate (they go to the JobManager thread without a copy
 * or a transfer), and a piece is used again once the checkpoint that carried it is complete, when
 * the JobManager has written it. A piece that does not come back (its checkpoint was aborted, its
 * task stopped, it was replaced by a larger buffer) is left to the garbage collector; the pool counts
 * it as its own until then, so it never holds more than `maxPieces`. Free buffers are kept for the
 * thread's life: a job whose snapshots once passed a piece's size is likely to do so again.
 */

/** Reusable piece buffers of one thread: module state is per worker thread. */
export class SnapshotPiecePool {
  readonly #free = new Set<SharedArrayBuffer>();
  /** The pool's buffers still alive: free, in a snapshot, or on their way to the garbage collector. */
  #owned = 0;
  readonly #mine = new WeakSet<SharedArrayBuffer>();
  readonly #collected = new FinalizationRegistry<undefined>(() => this.#owned--);

  /**
   * @param pieceBytes the size of each buffer
   * @param maxPieces the most buffers alive at once; beyond them `take()` answers undefined
   */
  constructor(
    readonly pieceBytes: number,
    readonly maxPieces: number,
  ) {}

  /** A buffer of `pieceBytes` to write a piece into: a free one, or a new one while the pool may grow. */
  take(): Uint8Array | undefined {
    const free = this.takeFree();
    if (free !== undefined || this.#owned >= this.maxPieces) return free;
    const buffer = new SharedArrayBuffer(this.pieceBytes);
    this.#owned++;
    this.#mine.add(buffer);
    this.#collected.register(buffer, undefined);
    return new Uint8Array(buffer);
  }

  /** A free buffer, if there is one: for a snapshot that may stay small, which should not grow the pool. */
  takeFree(): Uint8Array | undefined {
    for (const buffer of this.#free) {
      this.#free.delete(buffer);
      return new Uint8Array(buffer);
    }
    return undefined;
  }

  /** How many buffers are free now. */
  get freeCount(): number {
    return this.#free.size;
  }

  /** How many of the pool's buffers are alive (free or not) as far as it knows. */
  get ownedCount(): number {
    return this.#owned;
  }

  /** Whether `piece` views one of this pool's buffers. */
  owns(piece: Uint8Array): boolean {
    return piece.buffer instanceof SharedArrayBuffer && this.#mine.has(piece.buffer);
  }

  /**
   * The pieces of a snapshot nobody reads any more (its checkpoint is complete): their buffers are
   * free again. Pieces of other buffers are ignored, and so is a buffer already free.
   */
  recycle(pieces: Iterable<Uint8Array>): void {
    for (const piece of pieces) if (this.owns(piece)) this.#free.add(piece.buffer as SharedArrayBuffer);
  }
}
