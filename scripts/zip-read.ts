/**
 * Reads a zip back with the metadata that must be fixed (timestamp, mode, extra fields), for the build
 * tests and for checking a dist/ zip by hand. Independent of yazl, which writes them. Handles what the
 * build writes: one disk, no zip64, stored or deflated entries.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface DosDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface ReadEntry {
  name: string;
  data: Buffer;
  /** As stored: zip timestamps are local time without a zone, so no Date. */
  modified: DosDateTime;
  /** Unix mode from the external attributes, e.g. 0o100644. */
  mode: number;
  /** Extra fields of the central directory and the local header together. */
  extraFieldBytes: number;
  compressionMethod: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function readZip(zip: Buffer): ReadEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || zip.readUInt32LE(eocd) !== EOCD) throw new Error('Not a zip: no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ReadEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`Bad central directory record at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const time = zip.readUInt16LE(at + 12);
    const date = zip.readUInt16LE(at + 14);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const externalAttributes = zip.readUInt32LE(at + 38);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);

    if (zip.readUInt32LE(localOffset) !== LOCAL) throw new Error(`Bad local header for ${name}`);
    const localExtra = zip.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + localExtra;
    const stored = zip.subarray(start, start + compressedSize);
    const data = method === 8 ? inflateRawSync(stored) : method === 0 ? Buffer.from(stored) : undefined;
    if (!data) throw new Error(`${name}: unsupported compression method ${method}`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);

    entries.push({
      name,
      data,
      modified: {
        year: 1980 + (date >>> 9),
        month: (date >>> 5) & 0x0f,
        day: date & 0x1f,
        hour: time >>> 11,
        minute: (time >>> 5) & 0x3f,
        second: (time & 0x1f) * 2,
      },
      mode: externalAttributes >>> 16,
      extraFieldBytes: extraLength + localExtra,
      compressionMethod: method,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
