import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkTransactionalIdPrefix,
  defaultTransactionalIdPrefix,
  formatTransactionalId,
  isOwnedBySubtask,
  newAttemptToken,
  parseTransactionalId,
  parseTransactionalIdSuffix,
  transactionalIdSuffix,
} from './transactional-id.ts';

test('a transactional id reads back as it was written, and ids of other prefixes are not ours', () => {
  const id = { prefix: 'job-sink-0a1b', subtaskIndex: 3, checkpointId: 42, attempt: newAttemptToken() };
  const text = formatTransactionalId(id);
  assert.equal(text, `job-sink-0a1b:3:42:${id.attempt}`);
  assert.deepEqual(parseTransactionalId(text, id.prefix), id);
  assert.deepEqual(parseTransactionalIdSuffix(id.prefix, transactionalIdSuffix(id)), id);
  assert.equal(parseTransactionalId(text, 'job-sink'), undefined);
  assert.equal(parseTransactionalId(`${id.prefix}:x:42:abc`, id.prefix), undefined);
  assert.equal(parseTransactionalId('some other program', id.prefix), undefined);
});

test('attempt tokens differ between writers', () => {
  const tokens = new Set(Array.from({ length: 100 }, () => newAttemptToken()));
  assert.equal(tokens.size, 100);
  for (const token of tokens) assert.match(token, /^[0-9a-f]{12}$/);
});

test('subtask i of p owns the transactions of every earlier subtask s with s % p === i', () => {
  const owners = (s: number, parallelism: number): number[] =>
    Array.from({ length: parallelism }, (_, subtaskIndex) => subtaskIndex).filter((subtaskIndex) =>
      isOwnedBySubtask({ prefix: 'p', subtaskIndex: s, checkpointId: 1, attempt: 'a' }, { subtaskIndex, parallelism }),
    );
  for (const parallelism of [1, 2, 3, 4]) {
    for (let s = 0; s < 8; s++) assert.deepEqual(owners(s, parallelism), [s % parallelism]);
  }
});

test('the default prefix is stable, safe in SQL and XA ids, and differs between sinks', () => {
  const a = defaultTransactionalIdPrefix({ jobName: "Page views: per app (v2)", operatorUid: 'app-counts' }, 'counts');
  assert.equal(a, defaultTransactionalIdPrefix({ jobName: "Page views: per app (v2)", operatorUid: 'app-counts' }, 'counts'));
  assert.match(a, /^[A-Za-z0-9_.-]+$/);
  assert.ok(a.length <= 52);
  assert.notEqual(a, defaultTransactionalIdPrefix({ jobName: "Page views: per app (v2)", operatorUid: 'app-totals' }, 'counts'));
  assert.notEqual(a, defaultTransactionalIdPrefix({ jobName: "Page views: per app (v2)", operatorUid: 'app-counts' }, 'other'));
  const long = defaultTransactionalIdPrefix({ jobName: 'j'.repeat(500), operatorUid: 'u'.repeat(500) }, 't');
  assert.ok(long.length <= 52 && checkTransactionalIdPrefix(long, 64, 'test') === long);
});

test('a user prefix with characters unsafe in ids, or too long, is refused', () => {
  assert.equal(checkTransactionalIdPrefix('orders.v1_sink-a', 64, 'new MariaDbSink()'), 'orders.v1_sink-a');
  for (const bad of ['', 'with space', "quote'", 'colon:', 'x'.repeat(65), 7]) {
    assert.throws(() => checkTransactionalIdPrefix(bad, 64, 'new MariaDbSink()'), /option 'transactionalIdPrefix' \(new MariaDbSink\(\)\)/);
  }
});
