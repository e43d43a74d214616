/**
 * @module Tests of the `_metadata` envelope: round trip, every truncation and every single flipped bit
 * detected, versions and malformed metadata described.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { checkMetadata, decodeCheckpointMetadata, encodeCheckpointMetadata } from './checkpoint-metadata-codec.ts';
import type { CheckpointMetadata } from './checkpoint-metadata.ts';

const handle = (path: string, text: string) => {
  const bytes = new TextEncoder().encode(text);
  return { path, size: bytes.length, checksum: createHash('sha256').update(bytes).digest('hex') };
};

const metadata: CheckpointMetadata = {
  version: 1,
  jobId: '0123456789abcdef0123456789abcdef',
  jobName: 'pageviews ✓', // non-ASCII, so flips inside multi-byte characters are covered
  checkpointId: 100,
  type: 'savepoint',
  timestamp: 1_700_000_000_123,
  operators: [
    { uid: 'source', name: 'Source', parallelism: 2, maxParallelism: 128, subtasks: [{ subtask: 0, operatorState: handle('source-0', '(0,10000)') }, { subtask: 1, operatorState: handle('source-1', '(1,10005)') }] },
    { uid: 'count', name: 'Count', parallelism: 1, maxParallelism: 128, subtasks: [{ subtask: 0, keyedState: { ...handle('count-0', 'app0=1'), keyGroupStart: 0, keyGroupEnd: 127 }, channelState: handle('count-0-channels', '') }] },
  ],
};

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

test('encoded metadata decodes back to equal metadata', () => {
  assert.deepEqual(decodeCheckpointMetadata(encodeCheckpointMetadata(metadata)), { ok: true, metadata });
});

test('the encoding is the documented envelope around the JSON body and its SHA-256', () => {
  const body = JSON.stringify(metadata);
  const expected = `{"format":"weir-checkpoint-metadata","version":1,"checksum":"${sha256(body)}","body":${body}}\n`;
  assert.equal(new TextDecoder().decode(encodeCheckpointMetadata(metadata)), expected);
});

test('every truncation of the file is detected', () => {
  const bytes = encodeCheckpointMetadata(metadata);
  for (let length = 0; length < bytes.length; length++) {
    const result = decodeCheckpointMetadata(bytes.subarray(0, length));
    assert.equal(result.ok, false, `truncated to ${length} of ${bytes.length} bytes`);
  }
});

test('every single flipped bit is detected', () => {
  const bytes = encodeCheckpointMetadata(metadata);
  for (let index = 0; index < bytes.length; index++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = bytes.slice();
      flipped[index] = (flipped[index] ?? 0) ^ (1 << bit);
      assert.equal(decodeCheckpointMetadata(flipped).ok, false, `bit ${bit} of byte ${index} flipped`);
    }
  }
});

test('a flip in the body is reported as a checksum mismatch', () => {
  const bytes = encodeCheckpointMetadata(metadata);
  const flipped = bytes.slice();
  const index = bytes.length - 10;
  flipped[index] = (flipped[index] ?? 0) ^ 1;
  assert.deepEqual(decodeCheckpointMetadata(flipped), { ok: false, reason: 'checksum mismatch (file corrupted)' });
});

test('an empty file, another format and another envelope version are each described', () => {
  assert.deepEqual(decodeCheckpointMetadata(new Uint8Array(0)), { ok: false, reason: 'is empty (file truncated)' });
  const other = decodeCheckpointMetadata(new TextEncoder().encode('{"hello":"world"}\n'));
  assert.ok(!other.ok && other.reason.startsWith('is not a weir checkpoint metadata file'), JSON.stringify(other));
  const body = JSON.stringify(metadata);
  const future = decodeCheckpointMetadata(new TextEncoder().encode(`{"format":"weir-checkpoint-metadata","version":2,"checksum":"${sha256(body)}","body":${body}}\n`));
  assert.deepEqual(future, { ok: false, reason: 'has format version 2; this weir reads version 1' });
});

test('a body with a valid checksum but malformed metadata is rejected with the field named', () => {
  const cases: [unknown, string][] = [
    [{ ...metadata, version: 2 }, 'metadata version 2 is not supported'],
    [{ ...metadata, checkpointId: 0 }, 'checkpointId 0'],
    [{ ...metadata, type: 'snapshot' }, 'type "snapshot"'],
    [{ ...metadata, operators: [metadata.operators[0], metadata.operators[0]] }, "operator 'source' appears twice"],
    [{ ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 1 }] }] }, "operator 'count': subtask index 1"],
    [{ ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 0, keyedState: { ...handle('k', 'x'), keyGroupStart: 5, keyGroupEnd: 4 } }] }] }, 'key groups 5..4'],
    [{ ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 0, operatorState: { ...handle('k', 'x'), size: -1 } }] }] }, 'size -1'],
    [{ ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 0, operatorState: { ...handle('k', 'x'), checksum: 'abc' } }] }] }, 'checksum "abc"'],
    [{ ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 0, operatorState: handle('../../etc/passwd', 'x') }] }] }, 'path "../../etc/passwd" is rejected'],
    [{ ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 0, operatorState: handle('/etc/passwd', 'x') }] }] }, 'it is absolute'],
    [{ ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 0, operatorState: handle('_metadata', 'x') }] }] }, 'names the checkpoint metadata'],
  ];
  for (const [value, fragment] of cases) {
    const problem = checkMetadata(value);
    assert.ok(problem?.includes(fragment), `expected ${JSON.stringify(fragment)} in ${String(problem)}`);
    const body = JSON.stringify(value);
    const decoded = decodeCheckpointMetadata(new TextEncoder().encode(`{"format":"weir-checkpoint-metadata","version":1,"checksum":"${sha256(body)}","body":${body}}\n`));
    assert.deepEqual(decoded, { ok: false, reason: `is malformed: ${problem ?? ''}` });
  }
});

test('state paths in subdirectories of the checkpoint are accepted', () => {
  const nested = { ...metadata, operators: [{ ...metadata.operators[1], subtasks: [{ subtask: 0, operatorState: handle('count/0/operator', 'x') }] }] };
  assert.equal(checkMetadata(nested), undefined);
});
