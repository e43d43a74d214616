/**
 * @module Nexmark Query 3, local item suggestion: the auctions of category 10 whose sellers live in
 * Oregon, Idaho or California, with the seller's name, city and state. An incremental join of two
 * streams without windows: persons and auctions keyed by the person id meet in a
 * KeyedCoProcessFunction whose keyed state holds each side until the other arrives.
 *
 * Flink nexmark's definition (queries/q3.sql):
 *
 *   INSERT INTO nexmark_q3
 *   SELECT P.name, P.city, P.state, A.id
 *   FROM auction AS A INNER JOIN person AS P on A.seller = P.id
 *   WHERE A.category = 10 and (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
 *
 * The filters run before the join, as Flink's planner pushes them down. A person id is registered
 * once, so the state keeps the person for good and an auction only while its seller has not arrived
 * (at parallelism above 1 an auction can overtake its seller: the two come from different source
 * splits). As in the SQL join, auctions of sellers who never arrive stay in state.
 */
import {
  KeyedCoProcessFunction,
  ListStateDescriptor,
  NexmarkTypes,
  Types,
  ValueStateDescriptor,
  defineJob,
  type Auction,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ListState,
  type Person,
  type TypeOf,
  type ValueState,
} from 'weir';
import { auctionsOf, nexmarkEvents, nexmarkSettings, personsOf, runQueryScript, sinkResults } from './params.ts';

export const Q3Row = Types.object({ name: Types.string, city: Types.string, state: Types.string, id: Types.number });
export type Q3Row = TypeOf<typeof Q3Row>;

export const Q3_CATEGORY = 10;
export const Q3_STATES: ReadonlySet<string> = new Set(['OR', 'ID', 'CA']);

/** Joins the current person id's person (input 1) with the auctions it sells (input 2). */
export class JoinSellers extends KeyedCoProcessFunction<number, Person, Auction, Q3Row> {
  #person!: ValueState<Person>;
  #waiting!: ListState<Auction>;

  override open(): void {
    this.#person = this.getRuntimeContext().getState(new ValueStateDescriptor('person', NexmarkTypes.person));
    this.#waiting = this.getRuntimeContext().getListState(new ListStateDescriptor('waiting-auctions', NexmarkTypes.auction));
  }

  processElement1(person: Person, _ctx: KeyedProcessContext<number>, out: Collector<Q3Row>): void {
    this.#person.update(person);
    const waiting = [...this.#waiting.get()];
    if (waiting.length === 0) return;
    for (const auction of waiting) out.collect(rowOf(person, auction));
    this.#waiting.clear();
  }

  processElement2(auction: Auction, _ctx: KeyedProcessContext<number>, out: Collector<Q3Row>): void {
    const person = this.#person.value();
    if (person === undefined) this.#waiting.add(auction);
    else out.collect(rowOf(person, auction));
  }
}

function rowOf(person: Person, auction: Auction): Q3Row {
  return { name: person.name, city: person.city, state: person.state, id: auction.id };
}

/** An append-only stream: one row per matching auction, when the later of it and its seller arrives. */
export function q3(persons: DataStream<Person>, auctions: DataStream<Auction>): DataStream<Q3Row> {
  const localPersons = persons
    .filter((person: Person) => Q3_STATES.has(person.state))
    .name('q3-persons')
    .uid('q3-persons');
  const category10 = auctions
    .filter((auction: Auction) => auction.category === Q3_CATEGORY)
    .name('q3-auctions')
    .uid('q3-auctions');
  return localPersons
    .connect(category10)
    .keyBy(
      (person: Person) => person.id,
      (auction: Auction) => auction.seller,
    )
    .process(new JoinSellers(), Q3Row)
    .name('q3')
    .uid('q3');
}

export const job = defineJob('nexmark-q3', (env, params) => {
  const settings = nexmarkSettings(params);
  const events = nexmarkEvents(env, settings);
  sinkResults(q3(personsOf(events), auctionsOf(events)), settings, 'q3');
});

runQueryScript(import.meta.url, 'q3');
