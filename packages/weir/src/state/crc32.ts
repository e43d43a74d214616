/**
 * @module CRC-32 (the zlib/PNG polynomial) over byte ranges, with which keyed snapshots check each key
 * group they restore: a restore reads only its own key groups, so a whole-file checksum cannot vouch
 * for them alone.
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

// zlib.crc32 arrived in Node 20.15 (native, several GB/s); older 20.x use the table below.
const native = (zlib as { crc32?: Crc32 }).crc32;

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/**
 * The CRC-32 of `bytes`, as an unsigned 32-bit integer; given the CRC-32 of the bytes before them as
 * `previous`, that of the whole, so a range in several pieces is checked piece by piece.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (native !== undefined) return native(bytes, previous) >>> 0;
  let crc = ~previous;
  for (let i = 0; i < bytes.length; i++) crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
