/**
 * Deterministic zip archives: the same files give the same bytes, whatever the clock, the time zone,
 * the umask or the order the files were given in, so Terraform's source_code_hash only changes when
 * the code does. (Compression is zlib's, so the bytes are stable for a given Node release; the build
 * runs on the Node pinned in package.json `engines` and CI.)
 */
import { createRequire } from 'node:module';

export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  name: string;
  data: Uint8Array;
}

interface YazlEntryOptions {
  mtime?: Date;
  mode?: number;
  compress?: boolean;
  compressionLevel?: number;
  forceDosTimestamp?: boolean;
  forceZip64Format?: boolean;
}

interface YazlZipFile {
  addBuffer(buffer: Buffer, metadataPath: string, options?: YazlEntryOptions): void;
  end(options?: { forceZip64Format?: boolean; comment?: string }): void;
  outputStream: NodeJS.ReadableStream;
  on(event: 'error', listener: (error: Error) => void): void;
}

// yazl ships no types; this is the part of its API we use.
const yazl = createRequire(import.meta.url)('yazl') as { ZipFile: new () => YazlZipFile };

/**
 * 2000-01-01 00:00 for every entry. Zip (DOS) timestamps are local time without a zone and yazl reads
 * getFullYear()/getHours(), so the Date is made from local-time parts when zipping (a fixed instant
 * reads differently in another zone). Not the DOS epoch 1980-01-01: yazl clamps dates below its own
 * `new Date(1980, 0, 1)`, made when it was loaded, which after a time-zone change would move the stamp.
 */
export const fixedMtime = (): Date => new Date(2000, 0, 1, 0, 0, 0);
/** A regular file, rw-r--r--: Lambda only needs to read it. */
export const FIXED_MODE = 0o100644;

export async function deterministicZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const names = entries.map((entry) => entry.name);
  if (new Set(names).size !== names.length) throw new Error(`Duplicate zip entry names: ${names.join(', ')}`);
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const zip = new yazl.ZipFile();
  for (const entry of sorted) {
    // forceDosTimestamp: no "extended timestamp" extra field (it would carry the mtime in UTC seconds).
    zip.addBuffer(Buffer.from(entry.data), entry.name, {
      mtime: fixedMtime(),
      mode: FIXED_MODE,
      compressionLevel: 9,
      forceDosTimestamp: true,
    });
  }
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.on('error', reject);
    zip.outputStream.on('error', reject);
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
  zip.end();
  return done;
}
