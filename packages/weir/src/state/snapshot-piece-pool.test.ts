/** @module Tests for SnapshotPiecePool: bounded, shared, reused only when given back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnapshotPiecePool } from './snapshot-piece-pool.ts';

test('the pool makes shared buffers up to its bound, and none beyond it', () => {
  const pool = new SnapshotPiecePool(1024, 3);
  const taken = [pool.take(), pool.take(), pool.take()];
  for (const piece of taken) {
    assert.ok(piece !== undefined);
    assert.ok(piece.buffer instanceof SharedArrayBuffer);
    assert.equal(piece.byteLength, 1024);
    assert.ok(pool.owns(piece));
  }
  assert.equal(new Set(taken.map((piece) => piece?.buffer)).size, 3, 'each take is a buffer of its own');
  assert.equal(pool.take(), undefined, 'at the bound the caller allocates an ordinary buffer');
  assert.equal(pool.ownedCount, 3);
});

test('takeFree never grows the pool; a recycled buffer is taken again, once', () => {
  const pool = new SnapshotPiecePool(64, 4);
  assert.equal(pool.takeFree(), undefined);
  const piece = pool.take();
  assert.ok(piece !== undefined);
  // a view into the piece, as a snapshot hands it over
  const written = piece.subarray(0, 10);
  pool.recycle([written, written]);
  assert.equal(pool.freeCount, 1, 'a buffer given back twice is free once');
  const again = pool.takeFree();
  assert.equal(again?.buffer, piece.buffer);
  assert.equal(again?.byteLength, 64, 'the whole buffer, not the view given back');
  assert.equal(pool.takeFree(), undefined);
});

test('buffers the pool did not make are not taken in', () => {
  const pool = new SnapshotPiecePool(64, 4);
  const other = new SnapshotPiecePool(64, 4).take();
  assert.ok(other !== undefined);
  pool.recycle([new Uint8Array(64), new Uint8Array(new SharedArrayBuffer(64)), other]);
  assert.equal(pool.freeCount, 0);
  assert.equal(pool.owns(other), false);
  assert.equal(pool.owns(new Uint8Array(64)), false);
});
