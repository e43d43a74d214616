/**
 * @module Tests of record batches: appending with and without timestamps, and the BatchEncoder /
 * decodeBatch round trip with declared and generic serializers, including its error messages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WeirError } from '../core/errors.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { TypeSerializer } from '../types/type-serializer.ts';
import { Types } from '../types/types.ts';
import { BatchEncoder, appendRecord, decodeBatch, newBatch } from './record-batch.ts';
import type { RecordBatch } from './record-batch.ts';

const DESCRIBE = (): string => "operator 'parse' (uid parse) subtask 1/2";

/** Encodes `records` ([value, timestamp] pairs) into one sealed batch and decodes it again. */
function roundTrip(serializer: TypeSerializer<unknown>, records: readonly (readonly [unknown, number])[]): RecordBatch {
  const encoder = new BatchEncoder(serializer, 16, DESCRIBE);
  for (const [value, timestamp] of records) encoder.add(value, timestamp);
  assert.equal(encoder.count, records.length);
  return decodeBatch(encoder.seal(), serializer, DESCRIBE);
}

/** What the batch should hold: the values, and the timestamps only when some record has one. */
function expectedBatch(records: readonly (readonly [unknown, number])[]): RecordBatch {
  const anyTimestamp = records.some(([, t]) => t !== NO_TIMESTAMP);
  return { values: records.map(([v]) => v), timestamps: anyTimestamp ? records.map(([, t]) => t) : null };
}

test('appendRecord leaves timestamps null until a record has one', () => {
  const batch = newBatch();
  appendRecord(batch, 'a', NO_TIMESTAMP);
  appendRecord(batch, 'b', NO_TIMESTAMP);
  assert.deepEqual(batch, { values: ['a', 'b'], timestamps: null });
});

test('appendRecord back-fills the timestamps of earlier records with NO_TIMESTAMP', () => {
  const batch = newBatch();
  const records = [['a', NO_TIMESTAMP], ['b', NO_TIMESTAMP], ['c', 30], ['d', NO_TIMESTAMP], ['e', 50]] as const;
  for (const [value, timestamp] of records) appendRecord(batch, value, timestamp);
  assert.deepEqual(batch, expectedBatch(records));
});

test('a batch without timestamps round-trips with timestamps null', () => {
  const records = Array.from({ length: 100 }, (_, i) => [`record-${i}`, NO_TIMESTAMP] as const);
  assert.deepEqual(roundTrip(Types.string, records), expectedBatch(records));
});

test('a batch with timestamps on every record round-trips them exactly', () => {
  const stamps = [0, 1, -1, 1.5, 2 ** 53 - 1, -(2 ** 53), Date.UTC(2024, 0, 1), Number.MAX_VALUE];
  const records = stamps.map((t, i) => [i, t] as const);
  assert.deepEqual(roundTrip(Types.number, records), expectedBatch(records));
});

test('a batch with mixed timestamps keeps NO_TIMESTAMP on the records that had none', () => {
  const records = Array.from({ length: 20 }, (_, i) => [i, i % 3 === 2 ? i * 1000 : NO_TIMESTAMP] as const);
  const decoded = roundTrip(Types.int, records);
  assert.deepEqual(decoded, expectedBatch(records));
  assert.equal(decoded.timestamps?.[0], NO_TIMESTAMP);
});

test('Types.object records round-trip through a batch', () => {
  const PageView = Types.object({ user: Types.string, url: Types.string, at: Types.number, referrer: Types.optional(Types.string) });
  const records = Array.from(
    { length: 50 },
    (_, i) => [{ user: `u${i % 7}`, url: `/p/${i}`, at: 1_700_000_000_000 + i, referrer: i % 2 === 0 ? undefined : 'search' }, 1_700_000_000_000 + i] as const,
  );
  assert.deepEqual(roundTrip(PageView, records), expectedBatch(records));
});

test('Types.generic records of mixed shapes round-trip through a batch', () => {
  const values: unknown[] = [null, undefined, true, 0, -1, 3.25, 'text', 12n, [1, 'a', [2]], { nested: { deep: [1, 2, 3] } }, new Map([['k', 1]]), new Set([1, 2]), new Date(5)];
  const records = values.map((v, i) => [v, i % 2 === 0 ? i : NO_TIMESTAMP] as const);
  assert.deepEqual(roundTrip(Types.generic(), records), expectedBatch(records));
});

test('an empty batch round-trips', () => {
  assert.deepEqual(roundTrip(Types.generic(), []), { values: [], timestamps: null });
});

test('seal resets the encoder: the next batch holds only the records added after it', () => {
  const encoder = new BatchEncoder(Types.string, 4, DESCRIBE);
  encoder.add('first', 10);
  encoder.add('second', 20);
  const first = encoder.seal();
  assert.equal(encoder.count, 0);
  assert.equal(encoder.bytes, 0);
  encoder.add('third', NO_TIMESTAMP);
  const second = encoder.seal();
  assert.deepEqual(decodeBatch(first, Types.string, DESCRIBE), { values: ['first', 'second'], timestamps: [10, 20] });
  assert.deepEqual(decodeBatch(second, Types.string, DESCRIBE), { values: ['third'], timestamps: null });
});

test('each sealed batch is a buffer of its own, so transferring one leaves the others intact', () => {
  const encoder = new BatchEncoder(Types.int, 4, DESCRIBE);
  encoder.add(1, NO_TIMESTAMP);
  const first = encoder.seal();
  encoder.add(2, NO_TIMESTAMP);
  const second = encoder.seal();
  assert.notEqual(first, second);
  structuredClone(first, { transfer: [first] });
  assert.equal(first.byteLength, 0, 'the first buffer was transferred (detached)');
  assert.deepEqual(decodeBatch(second, Types.int, DESCRIBE).values, [2]);
});

test('the encoder grows past its initial size', () => {
  const long = 'x'.repeat(10_000);
  const records = [[long, 1], [long + long, 2]] as const;
  assert.deepEqual(roundTrip(Types.string, records), expectedBatch(records));
});

test('a record that does not match the type fails with SERIALIZATION_FAILED naming the operator', () => {
  const Click = Types.object({ user: Types.string, count: Types.int });
  const encoder = new BatchEncoder(Click, 16, DESCRIBE);
  encoder.add({ user: 'u1', count: 1 }, NO_TIMESTAMP);
  assert.throws(
    () => encoder.add({ user: 'u2', count: 'many' }, NO_TIMESTAMP),
    (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'SERIALIZATION_FAILED');
      assert.ok(error.message.startsWith(`${DESCRIBE()} could not encode a record: `), error.message);
      assert.ok(error.message.includes('count'), 'the cause names the field');
      assert.ok(error.hint?.includes('.returns('));
      assert.ok(error.cause !== undefined);
      return true;
    },
  );
  assert.equal(encoder.count, 1, 'the failed record is not counted');
});

test('a truncated batch fails to decode with SERIALIZATION_FAILED naming the operator', () => {
  const encoder = new BatchEncoder(Types.string, 16, DESCRIBE);
  for (const value of ['alpha', 'beta', 'gamma']) encoder.add(value, NO_TIMESTAMP);
  const buffer = encoder.seal();
  const truncated = buffer.slice(0, buffer.byteLength - 3);
  assert.throws(
    () => decodeBatch(truncated, Types.string, DESCRIBE),
    (error: unknown) => error instanceof WeirError && error.code === 'SERIALIZATION_FAILED' && error.message.startsWith(`${DESCRIBE()} could not decode a record batch`),
  );
});
