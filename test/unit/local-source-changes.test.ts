import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { watchSourceChanges } from '../../local/runtime/source-changes.ts';

/** Lets the watch's events (queued by the kernel at the write) reach their listener. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('an untouched folder is not reported again, a write into it (or a new subfolder) is, once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'source-changes-'));
  await mkdir(join(dir, 'handlers'));
  let clock = 0;
  const changes = watchSourceChanges(dir, { settleMs: 100, now: () => clock });
  try {
    assert.is(changes.mayHaveChanged(), true, 'before anything is known, look');
    clock = 1000;
    await settle();
    assert.is(changes.mayHaveChanged(), false, 'nothing happened: no file-system call needed');

    await writeFile(join(dir, 'handlers', 'a.ts'), 'export {};\n');
    assert.is(changes.mayHaveChanged(), true, 'the write is seen without waiting for the loop');
    clock = 2000;
    assert.is(changes.mayHaveChanged(), false, 'and reported once');

    await mkdir(join(dir, 'new'));
    await settle();
    assert.is(changes.mayHaveChanged(), true);
    clock = 2050;
    assert.is(changes.mayHaveChanged(), true, 'within the settle time after an event, every call looks');
    clock = 3000;
    assert.is(changes.mayHaveChanged(), false);
    await writeFile(join(dir, 'new', 'b.ts'), 'export {};\n');
    await settle();
    assert.is(changes.mayHaveChanged(), true, 'a file in a folder created after the watch started');
  } finally {
    changes.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a folder that cannot be watched is reported as changed every time', () => {
  const changes = watchSourceChanges(join(tmpdir(), 'no-such-folder-for-source-changes'));
  assert.is(changes.mayHaveChanged(), true);
  assert.is(changes.mayHaveChanged(), true);
  changes.close();
});

test.run();
