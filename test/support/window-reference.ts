/**
 * @module The reference answer of test/jobs/window-recovery-job.ts, by plain loops over its input:
 * every tumbling, sliding and session window with its sum and count.
 */
import { SESSION_GAP_MS, SLIDING_SIZE_MS, SLIDING_SLIDE_MS, TUMBLING_MS, type Tick } from '../jobs/window-recovery-job.ts';

/** Every window of the window-recovery job's input with its sum and count: tumbling and sliding by start, sessions by sorted times per key. */
export function referenceWindows(input: readonly Tick[]): Map<string, { end: number; sum: number; count: number }> {
  const windows = new Map<string, { end: number; sum: number; count: number }>();
  const add = (id: string, end: number, value: number): void => {
    const w = windows.get(id) ?? { end, sum: 0, count: 0 };
    w.sum += value;
    w.count++;
    windows.set(id, w);
  };
  for (const t of input) {
    const start = Math.floor(t.time / TUMBLING_MS) * TUMBLING_MS;
    add(`tumbling/${t.key}/${start}`, start + TUMBLING_MS, t.value);
    for (let s = Math.floor(t.time / SLIDING_SLIDE_MS) * SLIDING_SLIDE_MS; s > t.time - SLIDING_SIZE_MS; s -= SLIDING_SLIDE_MS) add(`sliding/${t.key}/${s}`, s + SLIDING_SIZE_MS, t.value);
  }
  const byKey = new Map<string, Tick[]>();
  for (const t of input) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t]);
  for (const [key, ticks] of byKey) {
    ticks.sort((a, b) => a.time - b.time);
    let session: { start: number; end: number; sum: number; count: number } | undefined;
    const close = (): void => {
      if (session !== undefined) windows.set(`session/${key}/${session.start}`, { end: session.end, sum: session.sum, count: session.count });
    };
    for (const t of ticks) {
      if (session !== undefined && t.time <= session.end) {
        session.end = Math.max(session.end, t.time + SESSION_GAP_MS);
        session.sum += t.value;
        session.count++;
      } else {
        close();
        session = { start: t.time, end: t.time + SESSION_GAP_MS, sum: t.value, count: 1 };
      }
    }
    close();
  }
  return windows;
}

