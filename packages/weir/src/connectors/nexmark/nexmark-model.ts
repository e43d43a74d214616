/**
 * @module The Nexmark data model (Person, Auction, Bid and the Event that carries one of them), with
 * the field sets of the reference Nexmark generator, and their type serializers.
 */
import { Types } from '../../types/types.ts';
import type { TypeSerializer } from '../../types/type-serializer.ts';

/** A new person registered to buy or sell. Times are milliseconds since the epoch (TIMESTAMP(3)). */
export interface Person {
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  /** Padding that brings the event to its average size (`avgPersonByteSize`). */
  readonly extra: string;
}

/** A new auction: `seller` is a Person id; bids are valid from `dateTime` to `expires`. */
export interface Auction {
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

/** A bid on an auction: `auction` is an Auction id, `bidder` a Person id. */
export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** Flink nexmark's `event_type`: 0 person, 1 auction, 2 bid. */
export type NexmarkEventType = 0 | 1 | 2;

export const PERSON_EVENT = 0;
export const AUCTION_EVENT = 1;
export const BID_EVENT = 2;

/**
 * One generated event, shaped like Flink nexmark's `Event` row: `type` says which of `person`,
 * `auction` or `bid` is set; the other two are undefined.
 */
export interface NexmarkEvent {
  readonly type: NexmarkEventType;
  readonly person?: Person | undefined;
  readonly auction?: Auction | undefined;
  readonly bid?: Bid | undefined;
}

const person: TypeSerializer<Person> = Types.object({
  id: Types.number,
  name: Types.string,
  emailAddress: Types.string,
  creditCard: Types.string,
  city: Types.string,
  state: Types.string,
  dateTime: Types.number,
  extra: Types.string,
});

const auction: TypeSerializer<Auction> = Types.object({
  id: Types.number,
  itemName: Types.string,
  description: Types.string,
  initialBid: Types.number,
  reserve: Types.number,
  dateTime: Types.number,
  expires: Types.number,
  seller: Types.number,
  category: Types.number,
  extra: Types.string,
});

const bid: TypeSerializer<Bid> = Types.object({
  auction: Types.number,
  bidder: Types.number,
  price: Types.number,
  channel: Types.string,
  url: Types.string,
  dateTime: Types.number,
  extra: Types.string,
});

/**
 * The type serializers of the Nexmark model, for `outputType` arguments and state descriptors.
 *
 * @example
 * env.fromSource(new NexmarkSource({ count: 1_000_000 }), 'nexmark')
 *   .flatMap((event, out) => { if (event.bid !== undefined) out.collect(event.bid); }, NexmarkTypes.bid);
 */
export const NexmarkTypes = {
  person,
  auction,
  bid,
  event: Types.object({
    type: Types.int,
    person: Types.optional(person),
    auction: Types.optional(auction),
    bid: Types.optional(bid),
  }) as TypeSerializer<NexmarkEvent>,
} as const;

/** The event time of an event: the `dateTime` of its person, auction or bid (Flink nexmark's `dateTime` column). */
export function eventTimestamp(event: NexmarkEvent): number {
  const value = event.bid ?? event.auction ?? event.person;
  if (value === undefined) throw new TypeError('a Nexmark event carries neither a person, an auction nor a bid');
  return value.dateTime;
}
