/**
 * @module Nexmark Query 8, monitor new users: the people who opened an auction in the same 10-s
 * tumbling window in which they registered. A window join of persons and auctions on person id =
 * seller, as a coGroup: one row per person and window, however many auctions the person opened in it.
 *
 * Flink nexmark's definition (queries/q8.sql):
 *
 *   INSERT INTO nexmark_q8
 *   SELECT P.id, P.name, P.starttime
 *   FROM (
 *     SELECT id, name, window_start AS starttime, window_end AS endtime
 *     FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *     GROUP BY id, name, window_start, window_end
 *   ) P
 *   JOIN (
 *     SELECT seller, window_start AS starttime, window_end AS endtime
 *     FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
 *     GROUP BY seller, window_start, window_end
 *   ) A
 *   ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;
 *
 * Both sides of the SQL are grouped before they are joined, so a person with three auctions in the
 * window is one row; a plain window `join` would emit one row per pair, hence `coGroup`. `stime` is the
 * window's start (a window is [start, start + 10 s)). At the end of a bounded input the final watermark
 * fires the last window.
 */
import { TumblingEventTimeWindows, Types, defineJob, type Auction, type Collector, type DataStream, type Person, type TypeOf } from 'weir';
import { auctionsOf, nexmarkEvents, nexmarkSettings, personsOf, runQueryScript, sinkResults } from './params.ts';

export const Q8_SIZE_MS = 10_000;

export const Q8Row = Types.object({ id: Types.number, name: Types.string, stime: Types.number });
export type Q8Row = TypeOf<typeof Q8Row>;

/** The start of the tumbling window holding `timestamp` (Flink's TimeWindow.getWindowStartWithOffset, offset 0). */
function windowStart(timestamp: number): number {
  return timestamp - ((timestamp % Q8_SIZE_MS) + Q8_SIZE_MS) % Q8_SIZE_MS;
}

/** An append-only stream: once a window ended, the people who registered and sold in it. */
export function q8(persons: DataStream<Person>, auctions: DataStream<Auction>): DataStream<Q8Row> {
  return persons
    .coGroup(auctions)
    .where((person: Person) => person.id)
    .equalTo((auction: Auction) => auction.seller)
    .window(TumblingEventTimeWindows.of(Q8_SIZE_MS))
    .apply((registered: readonly Person[], sold: readonly Auction[], out: Collector<Q8Row>) => {
      if (sold.length === 0) return;
      const seen = new Set<string>();
      for (const person of registered) {
        if (seen.has(person.name)) continue;
        seen.add(person.name);
        out.collect({ id: person.id, name: person.name, stime: windowStart(person.dateTime) });
      }
    }, Q8Row)
    .name('q8')
    .uid('q8');
}

export const job = defineJob('nexmark-q8', (env, params) => {
  const settings = nexmarkSettings(params);
  const events = nexmarkEvents(env, settings);
  sinkResults(q8(personsOf(events), auctionsOf(events)), settings, 'q8');
});

runQueryScript(import.meta.url, 'q8');
