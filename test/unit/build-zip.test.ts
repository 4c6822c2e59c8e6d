import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deterministicZip, FIXED_MODE, type ZipEntry } from '../../scripts/zip.ts';
import { readZip } from '../../scripts/zip-read.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const files: ZipEntry[] = [
  { name: 'index.mjs', data: Buffer.from('export const handler = async () => ({ statusCode: 200 });\n'.repeat(50)) },
  { name: 'index.mjs.map', data: Buffer.from('{"version":3,"sources":[],"mappings":""}') },
  { name: 'lib/a.mjs', data: Buffer.from('export default 1;\n') },
];

function withTimeZone<T>(zone: string, run: () => Promise<T>): Promise<T> {
  const previous = process.env.TZ;
  process.env.TZ = zone;
  return run().finally(() => {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  });
}

const zip = suite('deterministic zip');

zip('the same files give byte-identical archives, in whatever order they are given', async () => {
  const first = await deterministicZip(files);
  const reversed = await deterministicZip([...files].reverse());

  assert.is(sha256(reversed), sha256(first));
});

// The clock is covered by the fixed timestamp below; zip timestamps are local time, hence this one.
zip('the archive does not depend on the time zone', async () => {
  const tokyo = await withTimeZone('Asia/Tokyo', () => deterministicZip(files));
  const honolulu = await withTimeZone('Pacific/Honolulu', () => deterministicZip(files));

  assert.is(sha256(honolulu), sha256(tokyo));
});

zip('entries are sorted, dated 2000-01-01 00:00, mode 0644, with no extra fields', async () => {
  const entries = readZip(await deterministicZip([...files].reverse()));

  assert.equal(
    entries.map((entry) => entry.name),
    ['index.mjs', 'index.mjs.map', 'lib/a.mjs'],
  );
  for (const entry of entries) {
    assert.equal(entry.modified, { year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, entry.name);
    assert.is(entry.mode, FIXED_MODE, entry.name);
    assert.is(entry.extraFieldBytes, 0, entry.name);
  }
});

zip('contents come back intact and compressed', async () => {
  const archive = await deterministicZip(files);
  const entries = readZip(archive);

  for (const file of files) {
    assert.ok(entries.find((entry) => entry.name === file.name)?.data.equals(Buffer.from(file.data)), file.name);
  }
  assert.is(entries.find((entry) => entry.name === 'index.mjs')?.compressionMethod, 8);
  assert.ok(archive.byteLength < files.reduce((sum, file) => sum + file.data.byteLength, 0));
});

zip('a different file gives a different archive', async () => {
  const changed = files.map((file) => (file.name === 'lib/a.mjs' ? { ...file, data: Buffer.from('export default 2;\n') } : file));

  assert.is.not(sha256(await deterministicZip(changed)), sha256(await deterministicZip(files)));
});

zip('two entries with the same name are refused', async () => {
  const duplicate = [...files, { name: 'index.mjs', data: Buffer.from('x') }];

  try {
    await deterministicZip(duplicate);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, Error);
    assert.match((error as Error).message, /Duplicate zip entry names/);
  }
});

zip.run();
