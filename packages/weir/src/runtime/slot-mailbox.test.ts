/**
 * @module Tests of the SlotMailbox: runnable tasks take turns, partly filled batches are flushed when
 * the slot goes idle (and by age while it is busy), and a task that throws reaches onUncaught.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlotMailbox } from './slot-mailbox.ts';
import type { Runnable } from './slot-mailbox.ts';

/** A task that runs `steps` times, rescheduling itself after each step, and logs what happens. */
class SteppingTask implements Runnable {
  queued = false;
  readonly flushes: (number | undefined)[] = [];
  #left: number;
  readonly #name: string;
  readonly #log: string[];
  readonly #mailbox: SlotMailbox;
  readonly #busyMs: number;

  constructor(name: string, steps: number, log: string[], mailbox: SlotMailbox, busyMs = 0) {
    this.#name = name;
    this.#left = steps;
    this.#log = log;
    this.#mailbox = mailbox;
    this.#busyMs = busyMs;
  }

  run(): void {
    const until = performance.now() + this.#busyMs;
    while (performance.now() < until) {
      // simulates a step that takes a while
    }
    this.#log.push(this.#name);
    if (--this.#left > 0) this.#mailbox.schedule(this);
  }

  flushOutputs(olderThan?: number): void {
    this.flushes.push(olderThan);
    this.#log.push(`flush ${this.#name}`);
  }
}

/** Resolves after the mailbox has had time to run: a few turns of the event loop past `setImmediate`. */
async function settle(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('timed out waiting for the mailbox');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function createMailbox(bufferTimeoutMs = 100): { mailbox: SlotMailbox; uncaught: unknown[] } {
  const uncaught: unknown[] = [];
  const mailbox = new SlotMailbox({
    bufferTimeoutMs,
    onUncaught: (error) => {
      uncaught.push(error);
    },
  });
  return { mailbox, uncaught };
}

test('runnable tasks take turns, one step each', async () => {
  const { mailbox, uncaught } = createMailbox();
  const log: string[] = [];
  const a = new SteppingTask('a', 4, log, mailbox);
  const b = new SteppingTask('b', 4, log, mailbox);
  const c = new SteppingTask('c', 2, log, mailbox);
  mailbox.schedule(a);
  mailbox.schedule(b);
  mailbox.schedule(c);
  const steps = (): string[] => log.filter((entry) => !entry.startsWith('flush'));
  await settle(() => steps().length === 10);
  // the reference: a queue where a task that reschedules itself goes to the back
  const expected: string[] = [];
  const left = new Map([['a', 4], ['b', 4], ['c', 2]]);
  const queue = ['a', 'b', 'c'];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    expected.push(name);
    const remaining = (left.get(name) ?? 0) - 1;
    left.set(name, remaining);
    if (remaining > 0) queue.push(name);
  }
  assert.deepEqual(steps(), expected);
  assert.deepEqual(uncaught, []);
});

test('scheduling a task that is already queued does not run it twice', async () => {
  const { mailbox } = createMailbox();
  const log: string[] = [];
  const task = new SteppingTask('a', 1, log, mailbox);
  mailbox.register(task);
  mailbox.schedule(task);
  mailbox.schedule(task);
  mailbox.schedule(task);
  await settle(() => log.includes('flush a'));
  assert.deepEqual(log.filter((entry) => entry === 'a'), ['a']);
});

test('registered tasks flush all their outputs once the queue empties', async () => {
  const { mailbox } = createMailbox();
  const log: string[] = [];
  const worker = new SteppingTask('worker', 3, log, mailbox);
  const idle = new SteppingTask('idle', 1, log, mailbox);
  mailbox.register(worker);
  mailbox.register(idle);
  mailbox.schedule(worker);
  await settle(() => log.includes('flush idle'));
  const firstFlush = log.findIndex((entry) => entry.startsWith('flush'));
  assert.deepEqual(log.slice(0, firstFlush), ['worker', 'worker', 'worker'], 'no flush while the task had work queued');
  assert.deepEqual(log.slice(firstFlush, firstFlush + 2), ['flush worker', 'flush idle'], 'every registered task, in order');
  assert.ok(worker.flushes.every((f) => f === undefined), 'an idle flush sends every partly filled batch');
});

test('a task that is not registered is not flushed', async () => {
  const { mailbox } = createMailbox();
  const log: string[] = [];
  const marker = new SteppingTask('marker', 1, log, mailbox);
  mailbox.register(marker);
  mailbox.schedule(new SteppingTask('stranger', 1, log, mailbox));
  await settle(() => log.includes('flush marker'));
  assert.ok(!log.includes('flush stranger'));
});

test('while the slot stays busy, outputs are flushed by age: only batches older than the buffer timeout', async () => {
  const bufferTimeoutMs = 5;
  const { mailbox } = createMailbox(bufferTimeoutMs);
  const log: string[] = [];
  // two tasks of 3 ms steps keep the queue non-empty across several slices
  const a = new SteppingTask('a', 12, log, mailbox, 3);
  const b = new SteppingTask('b', 12, log, mailbox, 3);
  mailbox.register(a);
  mailbox.register(b);
  const start = performance.now();
  mailbox.schedule(a);
  mailbox.schedule(b);
  await settle(() => a.flushes.includes(undefined));
  const aged = a.flushes.filter((f): f is number => f !== undefined);
  assert.ok(aged.length >= 1, `a busy slot flushed by age at least once: ${JSON.stringify(a.flushes)}`);
  for (const cutoff of aged) {
    assert.ok(cutoff >= start - bufferTimeoutMs && cutoff <= performance.now() - bufferTimeoutMs, `cutoff ${cutoff} is about now - ${bufferTimeoutMs} ms`);
  }
  assert.equal(a.flushes.at(-1), undefined, 'the last flush, when idle, sends everything');
});

test('an error thrown by a task reaches onUncaught and the other tasks still run', async () => {
  const { mailbox, uncaught } = createMailbox();
  const log: string[] = [];
  const failure = new Error('bug in a task');
  const failing: Runnable = {
    queued: false,
    run: () => {
      throw failure;
    },
    flushOutputs: () => {},
  };
  const survivor = new SteppingTask('survivor', 2, log, mailbox);
  mailbox.register(survivor);
  mailbox.schedule(failing);
  mailbox.schedule(survivor);
  await settle(() => log.includes('flush survivor'));
  assert.deepEqual(uncaught, [failure]);
  assert.deepEqual(log.slice(0, 3), ['survivor', 'survivor', 'flush survivor']);
});

test('execute runs an action between slices, in order with scheduled tasks', async () => {
  const { mailbox } = createMailbox();
  const log: string[] = [];
  mailbox.schedule(new SteppingTask('task', 1, log, mailbox));
  mailbox.execute(() => log.push('action'));
  await settle(() => log.length === 2);
  assert.deepEqual(log, ['task', 'action']);
});

test('a stopped mailbox runs nothing more', async () => {
  const { mailbox } = createMailbox();
  const log: string[] = [];
  const task = new SteppingTask('task', 1, log, mailbox);
  mailbox.register(task);
  mailbox.schedule(task);
  mailbox.stop();
  mailbox.schedule(new SteppingTask('late', 1, log, mailbox));
  // a loop was already scheduled when stop() came: give it time to (not) run
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(log, []);
});
