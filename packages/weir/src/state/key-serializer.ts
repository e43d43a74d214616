/**
 * @module The serializer of keyed state's keys: the `Key` union (string, number, bigint, boolean and
 * tuples of those), one tag byte and the value. Part of the keyed snapshot format: never renumber.
 */
import { WeirError } from '../core/errors.ts';
import { keyGroupOf } from '../core/key-groups.ts';
import type { Key } from '../core/key-groups.ts';
import type { DataInput } from '../types/data-input.ts';
import type { DataOutput } from '../types/data-output.ts';

/** Names this encoding in snapshot metadata; a restore refuses keys written in any other. */
export const KEY_SERIALIZER_ID = 'weir.key/1';

/** The byte before every key and every tuple element. */
const KeyTag = {
  string: 0,
  /** 0 to 2^53 - 1 as LEB128: the common integer keys take 1 to 3 bytes. */
  uint: 1,
  /** Any other number, as its float64 bits. */
  float64: 2,
  bigint: 3,
  false: 4,
  true: 5,
  /** A LEB128 element count, then each element with its own tag (never another tuple). */
  tuple: 6,
} as const;

type KeyPart = string | number | bigint | boolean;

/**
 * Writes and reads keys for snapshots. Keys are immutable, so there is no copy. -0 is written as 0,
 * as it is one key with 0 in state (a `Map` does not tell them apart).
 *
 * @example
 * keySerializer.write(['app1', 7], out);
 * keySerializer.read(new DataInput(out.view())); // ['app1', 7]
 */
export const keySerializer = {
  id: KEY_SERIALIZER_ID,

  write(key: Key, out: DataOutput): void {
    if (typeof key !== 'object') {
      writePart(key, out);
      return;
    }
    out.writeUint8(KeyTag.tuple);
    out.writeVarUint(key.length);
    for (const part of key) writePart(part, out);
  },

  read(input: DataInput): Key {
    const position = input.position;
    const tag = input.readUint8();
    if (tag !== KeyTag.tuple) return readPart(tag, input, position);
    const length = input.readVarUint();
    if (length > input.remaining) throw corruptKey(`tuple length ${length} exceeds the remaining bytes`, position);
    const parts: KeyPart[] = [];
    for (let i = 0; i < length; i++) {
      const partPosition = input.position;
      parts.push(readPart(input.readUint8(), input, partPosition));
    }
    return parts;
  },
} as const;

/**
 * Reads a key a snapshot stored under `keyGroup` and checks that it hashes there: a key in the wrong
 * group would be invisible to `setCurrentKey` and lost at the next rescale, so a damaged or foreign
 * snapshot fails here instead.
 */
export function readKeyInGroup(input: DataInput, keyGroup: number, maxParallelism: number): Key {
  const position = input.position;
  const key = keySerializer.read(input);
  const actual = keyGroupOf(key, maxParallelism);
  if (actual !== keyGroup) throw corruptKey(`the key belongs to key group ${actual} but is stored in key group ${keyGroup}`, position);
  return key;
}

function writePart(part: KeyPart, out: DataOutput): void {
  switch (typeof part) {
    case 'string':
      out.writeUint8(KeyTag.string);
      out.writeString(part);
      return;
    case 'number':
      // `part >= 0` is false for NaN, so NaN (never a valid key, but cheap to round-trip) goes to float64
      if (part >= 0 && Number.isSafeInteger(part)) {
        out.writeUint8(KeyTag.uint);
        out.writeVarUint(part);
      } else {
        out.writeUint8(KeyTag.float64);
        out.writeFloat64(part);
      }
      return;
    case 'bigint':
      out.writeUint8(KeyTag.bigint);
      out.writeBigInt64(part);
      return;
    case 'boolean':
      out.writeUint8(part ? KeyTag.true : KeyTag.false);
      return;
    default:
      throw new WeirError('SERIALIZATION_FAILED', `cannot write a key part of type ${typeof part}: keys are strings, numbers, bigints, booleans or tuples of those`);
  }
}

function readPart(tag: number, input: DataInput, position: number): KeyPart {
  switch (tag) {
    case KeyTag.string:
      return input.readString();
    case KeyTag.uint:
      return input.readVarUint();
    case KeyTag.float64:
      return input.readFloat64();
    case KeyTag.bigint:
      return input.readBigInt64();
    case KeyTag.false:
      return false;
    case KeyTag.true:
      return true;
    default:
      throw corruptKey(`invalid key tag ${tag}`, position);
  }
}

function corruptKey(what: string, position: number): WeirError {
  return new WeirError('SERIALIZATION_FAILED', `corrupt key at position ${position}: ${what}`, {
    hint: 'the snapshot is damaged, or was not written by weir',
  });
}
