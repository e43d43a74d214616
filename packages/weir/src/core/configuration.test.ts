/**
 * @module Tests of typed configuration: option parsing (durations as Flink's TimeUtils reads them, bounded
 * integers, enums, strings, booleans), flat and nested entries, fallback keys, unknown keys and errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  booleanOption,
  Configuration,
  durationOption,
  enumOption,
  formatDuration,
  formatMemorySize,
  intOption,
  memorySizeOption,
  parseDuration,
  parseMemorySize,
  stringOption,
} from './configuration.ts';
import { WeirError } from './errors.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const timeout = durationOption({ key: 'a.timeout', defaultValue: 10 * MINUTE, description: 'timeout' });
const interval = durationOption({ key: 'a.interval', defaultValue: undefined, description: 'interval', min: 10 });
const retained = intOption({ key: 'a.retained', defaultValue: 1, description: 'retained', min: 1, max: 100 });
const mode = enumOption({ key: 'a.mode', values: ['EXACTLY_ONCE', 'AT_LEAST_ONCE'], defaultValue: 'EXACTLY_ONCE', description: 'mode' });
const dir = stringOption({ key: 'a.dir', defaultValue: undefined, description: 'dir', fallbackKeys: ['b.dir'] });
const unaligned = booleanOption({ key: 'a.unaligned.enabled', defaultValue: false, description: 'unaligned' });

function assertConfigInvalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WeirError);
    assert.equal(error.code, 'CONFIG_INVALID');
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should mention ${fragment}`);
    return true;
  });
}

test('durations are read like Flink TimeUtils: a number and an optional unit, ms by default', () => {
  const cases: [unknown, number][] = [
    [250, 250],
    ['500', 500],
    ['500 ms', 500],
    ['500ms', 500],
    ['30s', 30 * SECOND],
    ['10 s', 10 * SECOND],
    ['10 sec', 10 * SECOND],
    ['10 seconds', 10 * SECOND],
    ['1 min', MINUTE],
    ['3m', 3 * MINUTE],
    ['2 minutes', 2 * MINUTE],
    ['2h', 2 * HOUR],
    ['1 hour', HOUR],
    ['1d', 24 * HOUR],
    ['2 DAYS', 48 * HOUR],
    ['  7 S  ', 7 * SECOND],
    ['3000 us', 3],
    ['2000000ns', 2],
  ];
  for (const [raw, expected] of cases) assert.equal(parseDuration(raw), expected, `parsing ${String(raw)}`);
});

test('malformed or fractional durations are not durations', () => {
  for (const raw of ['', 'ten seconds', '10 fortnights', '-5 s', '1.5 s', 1.5, -1, '10 s 5', '1500 us', true, null]) {
    assert.equal(parseDuration(raw), undefined, `parsing ${String(raw)}`);
  }
});

test('memory sizes are read like Flink MemorySize: a number and an optional unit, bytes by default', () => {
  const KB = 1024;
  const MB = 1024 * KB;
  const cases: [unknown, number][] = [
    [4096, 4096],
    ['4096', 4096],
    ['256 b', 256],
    ['300bytes', 300],
    ['32 kb', 32 * KB],
    ['32k', 32 * KB],
    ['2 kibibytes', 2 * KB],
    ['192 MB', 192 * MB],
    ['64m', 64 * MB],
    ['1 gb', 1024 * MB],
    ['  2 G ', 2048 * MB],
  ];
  for (const [raw, expected] of cases) assert.equal(parseMemorySize(raw), expected, `parsing ${String(raw)}`);
  for (const raw of ['', 'lots', '1.5 mb', '-1 kb', '10 tb', 1.5, true, null]) assert.equal(parseMemorySize(raw), undefined, `parsing ${String(raw)}`);
  assert.deepEqual([32 * KB, 192 * MB, 2048 * MB, 1000].map(formatMemorySize), ['32 kb', '192 mb', '2 gb', '1000 b']);

  const young = memorySizeOption({ key: 'a.young', defaultValue: 192 * MB, description: 'young', min: 16 * MB, max: 4096 * MB });
  assert.equal(new Configuration().get(young), 192 * MB);
  assert.equal(new Configuration().set(young, '64 mb').get(young), 64 * MB);
  assertConfigInvalid(() => new Configuration().set(young, '8 mb').get(young), "'a.young'", '8 mb is out of range', 'from 16 mb to 4 gb');
  assertConfigInvalid(() => new Configuration().set(young, 'big').get(young), "'a.young'", "'32 kb', '192 mb'");
});

test('formatDuration picks the largest whole unit', () => {
  assert.equal(formatDuration(10 * MINUTE), '10 min');
  assert.equal(formatDuration(1500), '1500 ms');
  assert.equal(formatDuration(2 * HOUR), '2 h');
  assert.equal(formatDuration(0), '0 ms');
});

test('an unset option reads as its default, including no default at all', () => {
  const config = new Configuration();
  assert.equal(config.get(timeout), 10 * MINUTE);
  assert.equal(config.get(interval), undefined);
  assert.equal(config.get(retained), 1);
  assert.equal(config.get(mode), 'EXACTLY_ONCE');
  assert.equal(config.get(dir), undefined);
  assert.equal(config.get(unaligned), false);
});

test('set parses the value at once and get returns the parsed value', () => {
  const config = new Configuration().set(timeout, '2 min').set(retained, 3).set(mode, 'at_least_once').set(unaligned, 'TRUE');
  assert.equal(config.get(timeout), 2 * MINUTE);
  assert.equal(config.get(retained), 3);
  assert.equal(config.get(mode), 'AT_LEAST_ONCE');
  assert.equal(config.get(unaligned), true);
  assert.deepEqual(config.toMap(), { 'a.mode': 'AT_LEAST_ONCE', 'a.retained': 3, 'a.timeout': 2 * MINUTE, 'a.unaligned.enabled': true });
});

test('fromEntries accepts flat dotted keys, nested objects and a mix of both', () => {
  const flat = Configuration.fromEntries({ 'a.timeout': '1 min', 'a.retained': '4', 'a.unaligned.enabled': true });
  const nested = Configuration.fromEntries({ a: { timeout: '1 min', retained: '4', unaligned: { enabled: true } } });
  const mixed = Configuration.fromEntries({ a: { timeout: '1 min', 'unaligned.enabled': true }, 'a.retained': '4' });
  for (const config of [flat, nested, mixed]) {
    assert.equal(config.get(timeout), MINUTE);
    assert.equal(config.get(retained), 4);
    assert.equal(config.get(unaligned), true);
  }
  assert.deepEqual(nested.keys(), ['a.retained', 'a.timeout', 'a.unaligned.enabled']);
});

test('null leaves a key unset and arrays are values, not nesting', () => {
  const list = stringOption({ key: 'a.list', defaultValue: undefined, description: 'list' });
  const config = Configuration.fromEntries({ a: { timeout: null, list: ['x', 'y'] } });
  assert.equal(config.get(timeout), 10 * MINUTE);
  assert.deepEqual(config.toMap(), { 'a.list': ['x', 'y'] });
  assertConfigInvalid(() => config.get(list), "'a.list'", '["x","y"]', 'a non-empty string');
});

test('the same key given flat and nested is rejected', () => {
  assertConfigInvalid(() => Configuration.fromEntries({ 'a.timeout': '1 s', a: { timeout: '2 s' } }), "'a.timeout'", 'more than once');
});

test('a fallback key is read when the main key is unset, and the main key wins', () => {
  assert.equal(Configuration.fromEntries({ 'b.dir': '/old' }).get(dir), '/old');
  assert.equal(Configuration.fromEntries({ 'b.dir': '/old', 'a.dir': '/new' }).get(dir), '/new');
});

test('unknown keys are those no known option reads, so a caller can warn', () => {
  const config = Configuration.fromEntries({ a: { timeout: '1 s', timout: '2 s' }, 'b.dir': '/x', 'c.other': 1 });
  assert.deepEqual(config.unknownKeys([timeout, interval, retained, mode, dir, unaligned]), ['a.timout', 'c.other']);
});

test('each bad value is one CONFIG_INVALID error naming the key, the value and what is accepted', () => {
  const config = Configuration.fromEntries({
    a: { timeout: '10 fortnights', interval: '5 ms', retained: 0, mode: 'TWICE', dir: '', unaligned: { enabled: 'yes' } },
  });
  assertConfigInvalid(() => config.get(timeout), "'a.timeout'", "'10 fortnights'", "'500 ms'");
  assertConfigInvalid(() => config.get(interval), "'a.interval'", "'5 ms'", 'at least 10 ms');
  assertConfigInvalid(() => config.get(retained), "'a.retained'", '0', 'from 1 to 100');
  assertConfigInvalid(() => config.get(mode), "'a.mode'", "'TWICE'", "'EXACTLY_ONCE', 'AT_LEAST_ONCE'");
  assertConfigInvalid(() => config.get(dir), "'a.dir'", "''", 'non-empty');
  assertConfigInvalid(() => config.get(unaligned), "'a.unaligned.enabled'", "'yes'", 'true or false');
  assertConfigInvalid(() => new Configuration().set(retained, 2.5), "'a.retained'", '2.5');
});

test('a value read through a fallback key is reported under that key', () => {
  assertConfigInvalid(() => Configuration.fromEntries({ 'b.dir': 42n }).get(dir), "'b.dir'", '42n');
});

test('merge puts the other configuration over this one without changing either', () => {
  const base = Configuration.fromEntries({ 'a.timeout': '1 s', 'a.retained': 2 });
  const over = Configuration.fromEntries({ 'a.timeout': '2 s' });
  const merged = base.merge(over);
  assert.equal(merged.get(timeout), 2 * SECOND);
  assert.equal(merged.get(retained), 2);
  assert.equal(base.get(timeout), SECOND);
});
