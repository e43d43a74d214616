/**
 * @module NexmarkGenerator: the reference Nexmark generator (Flink's nexmark repository, after Apache
 * Beam's) as a pure function of the event id: event n, its kind, ids, prices, strings and event time
 * are the same whatever the parallelism or the index the generation started from.
 */
import { invalidOption } from '../../core/options.ts';
import { AUCTION_EVENT, BID_EVENT, PERSON_EVENT } from './nexmark-model.ts';
import type { Auction, Bid, NexmarkEvent, Person } from './nexmark-model.ts';

/** The generator's settings, with the reference's names; every one is optional. */
export interface NexmarkGeneratorOptions {
  /**
   * Events per second of event time (the reference's `first-event.rate`): event n is stamped
   * `baseTime + floor(floor(n · 10^6 / eventsPerSecond) / 1000)` ms. Default 10,000. It does not pace
   * the emission; see `NexmarkSourceOptions.recordsPerSecond` for that.
   */
  readonly eventsPerSecond?: number | undefined;
  /** The event time of event 0, in ms since the epoch. Default 2024-01-01T00:00:00Z, so runs repeat. */
  readonly baseTime?: number | undefined;
  /** Chooses the random stream: the same seed gives the same events. Default 0. */
  readonly seed?: number | undefined;
  /** Out of every `person + auction + bid` consecutive event ids, this many are people... Default 1. */
  readonly personProportion?: number | undefined;
  /** ...this many auctions... Default 3. */
  readonly auctionProportion?: number | undefined;
  /** ...and this many bids. Default 46. */
  readonly bidProportion?: number | undefined;
  /** A bid is for a hot auction with probability 1 - 1/hotAuctionRatio. Default 2. */
  readonly hotAuctionRatio?: number | undefined;
  /** An auction is by a hot seller with probability 1 - 1/hotSellersRatio. Default 4. */
  readonly hotSellersRatio?: number | undefined;
  /** A bid is by a hot bidder with probability 1 - 1/hotBiddersRatio. Default 4. */
  readonly hotBiddersRatio?: number | undefined;
  /** Auctions in flight at any time: bids go to the latest this many auctions (plus a few not yet created). Default 100. */
  readonly numInFlightAuctions?: number | undefined;
  /** People active at any time: auctions and bids come from the latest this many people. Default 1000. */
  readonly numActivePeople?: number | undefined;
  /** Average size in bytes of a person (its `extra` pads it). Default 200. */
  readonly avgPersonByteSize?: number | undefined;
  /** Average size in bytes of an auction. Default 500. */
  readonly avgAuctionByteSize?: number | undefined;
  /** Average size in bytes of a bid. Default 100. */
  readonly avgBidByteSize?: number | undefined;
}

/** The settings a generator runs with, defaults filled in. */
export type NexmarkGeneratorConfig = { readonly [K in keyof NexmarkGeneratorOptions]-?: number };

/** Ids start at these values so that queries find matches even on small data, as in the reference. */
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;

const NUM_CATEGORIES = 5;
/** Ids of not-yet-created people and auctions a bid or auction may refer to. */
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
/** One in this many people/auctions is 'hot'. */
const HOT_SELLER_RATIO = 100;
const HOT_AUCTION_RATIO = 100;
const HOT_BIDDER_RATIO = 100;
const HOT_CHANNELS_RATIO = 2;
const CHANNELS_NUMBER = 10_000;
const MIN_STRING_LENGTH = 3;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'] as const;
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'] as const;
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'] as const;
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'] as const;
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;

const DEFAULTS: NexmarkGeneratorConfig = {
  eventsPerSecond: 10_000,
  baseTime: Date.UTC(2024, 0, 1),
  seed: 0,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
};

const WHERE = 'new NexmarkGenerator()';
const TWO_32 = 4294967296;

/**
 * A small fast random stream (a SplitMix-style counter and finalizer), reset per event from (seed, event id): a pure function of
 * both, so generating event n needs nothing from events before it.
 */
class EventRandom {
  // A public field: it is read and written several times per event, and module-private anyway.
  state = 0;

  reset(seedHash: number, eventId: number): void {
    const low = eventId >>> 0;
    const high = (eventId / TWO_32) >>> 0;
    this.state = mix32((mix32(low ^ seedHash) + seedHash) ^ high);
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const state = (this.state + 0x9e3779b9) | 0;
    this.state = state;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /**
   * An integer in [0, n) for 1 <= n <= 2^32: uniform up to a bias below n / 2^32, and never n (the
   * product's rounding error is far below 2^32).
   */
  nextInt(n: number): number {
    return Math.floor((this.nextU32() * n) / TWO_32);
  }
}

/** Chris Wellons' lowbias32 finalizer. */
function mix32(value: number): number {
  let x = value;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * What every generator shares, built on first use (not at import, which every weir program pays):
 * strings are cut from fixed pools of random text at random offsets, so V8 shares the pool's characters
 * instead of building each string a character at a time, which keeps bids cheap. The pools are the same
 * in every process (fixed seeds), so a string depends only on the offset the event drew.
 */
interface SharedTables {
  readonly letters: string;
  /** Letters with one space in 13, for names and descriptions. */
  readonly words: string;
  /** 10^(6u) for u = x / 2^32 is priceHigh[x >>> 16] · priceLow[x & 0xffff]: two lookups instead of a Math.pow. */
  readonly priceHigh: Float64Array;
  readonly priceLow: Float64Array;
  readonly fullNames: readonly string[];
  readonly fourDigits: readonly string[];
  readonly hotUrls: readonly string[];
  /** Channel c's name and URL, made on first use (the reference caches one random URL per channel). */
  readonly channelNames: (string | undefined)[];
  readonly channelUrls: string[];
}

const LETTERS_SIZE = 1 << 20;
const WORDS_SIZE = 1 << 16;
let shared: SharedTables | undefined;

function sharedTables(): SharedTables {
  shared ??= {
    letters: buildPool(0x51ed270b, LETTERS_SIZE, 0),
    words: buildPool(0x2545f491, WORDS_SIZE, 13),
    priceHigh: Float64Array.from({ length: 1 << 16 }, (_, i) => Math.pow(10, (6 * i) / (1 << 16))),
    priceLow: Float64Array.from({ length: 1 << 16 }, (_, i) => Math.pow(10, (6 * i) / TWO_32)),
    fullNames: FIRST_NAMES.flatMap((first) => LAST_NAMES.map((last) => `${first} ${last}`)),
    fourDigits: Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0')),
    hotUrls: HOT_CHANNELS.map((_, i) => baseUrl(randomFor(0x0ddba11, i))),
    channelNames: new Array<string | undefined>(CHANNELS_NUMBER).fill(undefined),
    channelUrls: new Array<string>(CHANNELS_NUMBER).fill(''),
  };
  return shared;
}

function randomFor(seed: number, index: number): EventRandom {
  const random = new EventRandom();
  random.reset(mix32(seed), index);
  return random;
}

function buildPool(seed: number, size: number, spaceOneIn: number): string {
  const random = randomFor(seed, 0);
  const codes = new Uint8Array(size);
  for (let i = 0; i < size; i++) codes[i] = spaceOneIn > 0 && random.nextInt(spaceOneIn) === 0 ? 0x20 : 0x61 + random.nextInt(26);
  return new TextDecoder('latin1').decode(codes);
}

/** A URL of three random path segments of 3 or 4 characters, like the reference's. */
function baseUrl(random: EventRandom): string {
  const part = (): string => {
    let s = '';
    for (let len = MIN_STRING_LENGTH + random.nextInt(5 - MIN_STRING_LENGTH); len > 0; len--) {
      s += random.nextInt(13) === 0 ? '_' : String.fromCharCode(0x61 + random.nextInt(26));
    }
    return s;
  };
  return `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
}

/** Java's Integer.reverse: the 32 bits of `value` in reverse order, as a signed int. */
function reverseBits(value: number): number {
  let x = value >>> 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) | 0;
}

/** Channel `channel`'s name, its URL stored beside it in `tables.channelUrls`. */
function channelName(tables: SharedTables, channel: number): string {
  const cached = tables.channelNames[channel];
  if (cached !== undefined) return cached;
  const random = randomFor(0xc4a77e1, channel);
  let url = baseUrl(random);
  // nine channels in ten carry their id in the URL
  if (random.nextInt(10) > 0) url += `&channel_id=${Math.abs(reverseBits(channel))}`;
  const name = `channel-${channel}`;
  tables.channelUrls[channel] = url;
  tables.channelNames[channel] = name;
  return name;
}

function checkCount(option: keyof NexmarkGeneratorOptions, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) invalidOption(option, value, `an integer >= ${min}`, WHERE);
  return value;
}

/**
 * Generates Nexmark events. `generate(n)` returns event n: a person, an auction or a bid by
 * `n mod (person + auction + bid proportions)` (1:3:46 by default), with ids, hot sellers, bidders and
 * auctions, in-flight auctions and active people as in the reference generator, and the event time
 * {@link NexmarkGenerator.timestampForEvent}(n). Each event draws from its own random stream seeded by
 * (seed, n), so event n never depends on which events were generated before it.
 *
 * @example
 * const generator = new NexmarkGenerator({ eventsPerSecond: 1000 });
 * const bids = [];
 * for (let n = 0; n < 50_000; n++) {
 *   const event = generator.generate(n);
 *   if (event.bid !== undefined) bids.push(event.bid);
 * }
 */
export class NexmarkGenerator {
  readonly config: NexmarkGeneratorConfig;
  readonly #random = new EventRandom();
  readonly #tables = sharedTables();
  readonly #seedHash: number;
  readonly #interEventDelayUs: number;
  readonly #totalProportion: number;
  readonly #personProportion: number;
  readonly #auctionProportion: number;
  /** Events between an auction and the one `numInFlightAuctions` auctions later. */
  readonly #eventsForInFlightAuctions: number;

  constructor(options: NexmarkGeneratorOptions = {}) {
    if (typeof options !== 'object' || options === null) invalidOption('options', options, 'an object of generator settings', WHERE);
    const config = { ...DEFAULTS } as { -readonly [K in keyof NexmarkGeneratorConfig]: number };
    for (const key of Object.keys(DEFAULTS) as (keyof NexmarkGeneratorConfig)[]) {
      const value = options[key];
      if (value !== undefined) config[key] = value;
    }
    const rate = config.eventsPerSecond;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) invalidOption('eventsPerSecond', rate, 'a finite number greater than 0', WHERE);
    checkCount('baseTime', config.baseTime, 0);
    if (typeof config.seed !== 'number' || !Number.isInteger(config.seed)) invalidOption('seed', config.seed, 'an integer', WHERE);
    checkCount('personProportion', config.personProportion, 1);
    checkCount('auctionProportion', config.auctionProportion, 1);
    checkCount('bidProportion', config.bidProportion, 1);
    checkCount('hotAuctionRatio', config.hotAuctionRatio, 1);
    checkCount('hotSellersRatio', config.hotSellersRatio, 1);
    checkCount('hotBiddersRatio', config.hotBiddersRatio, 1);
    checkCount('numInFlightAuctions', config.numInFlightAuctions, 1);
    checkCount('numActivePeople', config.numActivePeople, 1);
    checkCount('avgPersonByteSize', config.avgPersonByteSize, 0);
    checkCount('avgAuctionByteSize', config.avgAuctionByteSize, 0);
    checkCount('avgBidByteSize', config.avgBidByteSize, 0);
    this.config = Object.freeze(config);
    this.#seedHash = mix32((config.seed >>> 0) ^ 0x9e3779b9 ^ Math.floor(config.seed / TWO_32));
    this.#interEventDelayUs = 1_000_000 / rate;
    this.#personProportion = config.personProportion;
    this.#auctionProportion = config.auctionProportion;
    this.#totalProportion = config.personProportion + config.auctionProportion + config.bidProportion;
    this.#eventsForInFlightAuctions = Math.floor((config.numInFlightAuctions * this.#totalProportion) / config.auctionProportion);
  }

  /** The event time of event `eventId`, in ms since the epoch: non-decreasing in the id. */
  timestampForEvent(eventId: number): number {
    return this.config.baseTime + Math.floor(Math.floor(eventId * this.#interEventDelayUs) / 1000);
  }

  /** Whether event `eventId` is a person (0), an auction (1) or a bid (2). */
  eventTypeOf(eventId: number): 0 | 1 | 2 {
    const rem = eventId % this.#totalProportion;
    if (rem < this.#personProportion) return PERSON_EVENT;
    if (rem < this.#personProportion + this.#auctionProportion) return AUCTION_EVENT;
    return BID_EVENT;
  }

  /** Event number `eventId` (0, 1, 2, ...). */
  generate(eventId: number): NexmarkEvent {
    const random = this.#random;
    random.reset(this.#seedHash, eventId);
    const timestamp = this.timestampForEvent(eventId);
    const rem = eventId % this.#totalProportion;
    if (rem < this.#personProportion) return { type: PERSON_EVENT, person: this.#person(eventId, timestamp), auction: undefined, bid: undefined };
    if (rem < this.#personProportion + this.#auctionProportion) {
      return { type: AUCTION_EVENT, person: undefined, auction: this.#auction(eventId, timestamp), bid: undefined };
    }
    return { type: BID_EVENT, person: undefined, auction: undefined, bid: this.#bid(eventId, timestamp) };
  }

  /** The id (base 0) of the newest person at `eventId`: this event's own when it is a person. */
  lastBase0PersonId(eventId: number): number {
    const total = this.#totalProportion;
    const epoch = Math.floor(eventId / total);
    let offset = eventId % total;
    if (offset >= this.#personProportion) offset = this.#personProportion - 1;
    return epoch * this.#personProportion + offset;
  }

  /** The id (base 0) of the newest auction at `eventId`: this event's own when it is an auction; -1 before the first. */
  lastBase0AuctionId(eventId: number): number {
    const total = this.#totalProportion;
    let epoch = Math.floor(eventId / total);
    let offset = eventId % total;
    if (offset < this.#personProportion) {
      epoch--;
      offset = this.#auctionProportion - 1;
    } else if (offset >= this.#personProportion + this.#auctionProportion) {
      offset = this.#auctionProportion - 1;
    } else {
      offset -= this.#personProportion;
    }
    return epoch * this.#auctionProportion + offset;
  }

  #person(eventId: number, timestamp: number): Person {
    const random = this.#random;
    const fullNames = this.#tables.fullNames;
    const name = fullNames[random.nextInt(fullNames.length)] as string;
    const emailAddress = `${this.#nextString(7)}@${this.#nextString(5)}.com`;
    const creditCard = `${this.#fourDigits()} ${this.#fourDigits()} ${this.#fourDigits()} ${this.#fourDigits()}`;
    const city = US_CITIES[random.nextInt(US_CITIES.length)] as string;
    const state = US_STATES[random.nextInt(US_STATES.length)] as string;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    return {
      id: this.lastBase0PersonId(eventId) + FIRST_PERSON_ID,
      name,
      emailAddress,
      creditCard,
      city,
      state,
      dateTime: timestamp,
      extra: this.#nextExtra(size, this.config.avgPersonByteSize),
    };
  }

  #auction(eventId: number, timestamp: number): Auction {
    const random = this.#random;
    const config = this.config;
    const id = this.lastBase0AuctionId(eventId) + FIRST_AUCTION_ID;
    let seller: number;
    if (random.nextInt(config.hotSellersRatio) > 0) {
      // the first person of the latest batch of HOT_SELLER_RATIO people
      seller = Math.floor(this.lastBase0PersonId(eventId) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO;
    } else {
      seller = this.#nextBase0PersonId(eventId);
    }
    const category = FIRST_CATEGORY_ID + random.nextInt(NUM_CATEGORIES);
    const initialBid = this.#nextPrice();
    // Auctions last twice on average the time until numInFlightAuctions more auctions exist.
    const horizonMs = this.timestampForEvent(eventId + this.#eventsForInFlightAuctions) - timestamp;
    const expires = timestamp + 1 + random.nextInt(Math.max(horizonMs * 2, 1));
    const itemName = this.#nextString(20);
    const description = this.#nextString(100);
    const reserve = initialBid + this.#nextPrice();
    const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
    return {
      id,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: timestamp,
      expires,
      seller: seller + FIRST_PERSON_ID,
      category,
      extra: this.#nextExtra(size, config.avgAuctionByteSize),
    };
  }

  #bid(eventId: number, timestamp: number): Bid {
    const random = this.#random;
    const config = this.config;
    let auction: number;
    if (random.nextInt(config.hotAuctionRatio) > 0) {
      // the first auction of the latest batch of HOT_AUCTION_RATIO auctions
      auction = Math.floor(this.lastBase0AuctionId(eventId) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO;
    } else {
      const last = this.lastBase0AuctionId(eventId);
      const first = Math.max(last - config.numInFlightAuctions, 0);
      auction = first + random.nextInt(last - first + 1 + AUCTION_ID_LEAD);
    }
    let bidder: number;
    if (random.nextInt(config.hotBiddersRatio) > 0) {
      // the second person of the latest batch, so that hot bidders and hot sellers differ
      bidder = Math.floor(this.lastBase0PersonId(eventId) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1;
    } else {
      bidder = this.#nextBase0PersonId(eventId);
    }
    const price = this.#nextPrice();
    let channel: string;
    let url: string;
    if (random.nextInt(HOT_CHANNELS_RATIO) > 0) {
      const i = random.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i] as string;
      url = this.#tables.hotUrls[i] as string;
    } else {
      const c = random.nextInt(CHANNELS_NUMBER);
      channel = channelName(this.#tables, c);
      url = this.#tables.channelUrls[c] as string;
    }
    return {
      auction: auction + FIRST_AUCTION_ID,
      bidder: bidder + FIRST_PERSON_ID,
      price,
      channel,
      url,
      dateTime: timestamp,
      extra: this.#nextExtra(8 + 8 + 8 + 8, config.avgBidByteSize),
    };
  }

  /** Four random digits, as `%04d` prints them. */
  #fourDigits(): string {
    return this.#tables.fourDigits[this.#random.nextInt(10_000)] as string;
  }

  /** A random active person (base 0), or one of the next few not yet created. */
  #nextBase0PersonId(eventId: number): number {
    const numPeople = this.lastBase0PersonId(eventId) + 1;
    const activePeople = Math.min(numPeople, this.config.numActivePeople);
    return numPeople - activePeople + this.#random.nextInt(activePeople + PERSON_ID_LEAD);
  }

  /** A price in cents, log-uniform from 1.00 to 1,000,000.00: round(10^(6u) · 100) for a uniform u. */
  #nextPrice(): number {
    const u = this.#random.nextU32();
    const tables = this.#tables;
    return Math.round((tables.priceHigh[u >>> 16] as number) * (tables.priceLow[u & 0xffff] as number) * 100);
  }

  /** Random words of 3 to maxLength - 1 characters, trimmed. */
  #nextString(maxLength: number): string {
    const random = this.#random;
    const length = MIN_STRING_LENGTH + random.nextInt(maxLength - MIN_STRING_LENGTH);
    const offset = random.nextInt(WORDS_SIZE - length);
    return this.#tables.words.substring(offset, offset + length).trim();
  }

  /** Letters that bring an event of `size` bytes to `averageSize` on average (±20%). */
  #nextExtra(size: number, averageSize: number): string {
    if (size > averageSize) return '';
    const desired = averageSize - size;
    const delta = Math.round(desired * 0.2);
    const length = desired - delta + (delta === 0 ? 0 : this.#random.nextInt(2 * delta));
    const letters = this.#tables.letters;
    if (length > LETTERS_SIZE) return letters.repeat(Math.ceil(length / LETTERS_SIZE)).substring(0, length);
    const offset = this.#random.nextInt(LETTERS_SIZE - length + 1);
    return letters.substring(offset, offset + length);
  }
}
