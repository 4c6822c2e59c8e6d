/**
 * One local stack per data folder. LevelDB would refuse a second opener, but dynalite turns that into an
 * uncaught exception on the first request, and cognito-local's JSON files have no lock at all; so the
 * folder is claimed up front with a lock file holding the owner's pid (a stale one, whose process is
 * gone, is taken over).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const LOCK_FILE = 'local.lock';
const heldHere = new Set<string>();

export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  const inUse = () => new Error(`The data folder ${dir} is in use by another local stack (stop it, or use --data-dir or --memory)`);
  if (heldHere.has(file)) throw inUse();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(file);
      return async () => {
        heldHere.delete(file);
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && isAlive(owner)) throw inUse();
      await rm(file, { force: true });
    }
  }
  throw inUse();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
