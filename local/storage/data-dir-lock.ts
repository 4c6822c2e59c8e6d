/**
 * One local stack per data folder. LevelDB would refuse a second opener, but dynalite turns that into an
 * uncaught exception on the first request, and cognito-local's JSON files have no lock at all; so the
 * folder is claimed up front with a lock file holding the owner's pid (a stale one, whose process is
 * gone, is taken over).
 */
// Synchronous: a few bytes at start and stop, and `task-api stop` reads the lock without loading fs/promises.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'local.lock';
const heldHere = new Set<string>();

export interface LockOptions {
  /** The stack asking is a throw-away one (--memory): telling it to use --memory would not help. */
  memory?: boolean;
}

export async function lockDataDir(dir: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  if (heldHere.has(file)) throw inUse(dir, process.pid, options);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(file);
      return async () => {
        heldHere.delete(file);
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = lockOwner(dir);
      if (owner && owner !== process.pid && isAlive(owner)) throw inUse(dir, owner, options);
      rmSync(file, { force: true });
    }
  }
  throw inUse(dir, undefined, options);
}

/** The pid in the folder's lock file, if any: the process of the stack that owns the folder (live or not). */
export function lockOwner(dir: string): number | undefined {
  let text = '';
  try {
    text = readFileSync(join(dir, LOCK_FILE), 'utf8');
  } catch {
    // no lock: no owner
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Says how to get out: stop the owner, or start elsewhere. `--memory` is offered only to a stack that is
 * not one already: a throw-away stack gets a fresh folder of its own, so it is refused only when it was
 * given this folder by name.
 */
function inUse(dir: string, owner: number | undefined, { memory = false }: LockOptions): Error {
  const by = owner ? `another local stack (pid ${owner})` : 'another local stack';
  const ways = [`stop it (npx task-api stop --data-dir ${dir})`, 'give this one its own folder with --data-dir DIR'];
  if (!memory) ways.push('start a throw-away one with --memory (a temporary folder of its own)');
  return new Error(`The data folder ${dir} is in use by ${by}: ${ways.join(', or ')}`);
}

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
