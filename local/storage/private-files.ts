/**
 * Everything local mode writes is the developer's alone: the data folder holds the pool's users with
 * their passwords, refresh tokens, the signing and page-token keys and the table's LevelDB files. New
 * files are created private (a 077 umask while a stack runs: cognito-local, LevelDB and esbuild create
 * files of their own), and what is already there is tightened on start: folders 0700, files 0600.
 * Whatever cannot be made private (another owner, a file system without Unix modes) is reported.
 */
import { chmod as fsChmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

let holders = 0;
let previousUmask: number | undefined;

/** Makes files and folders this process creates private until the returned function is called (counted per stack). */
export function privateUmask(): () => void {
  if (holders === 0) previousUmask = process.umask(0o077);
  holders += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0 && previousUmask !== undefined) process.umask(previousUmask);
  };
}

export interface PrivateTreeOptions {
  /** For tests: the chmod to use. */
  chmod?: (path: string, mode: number) => Promise<void>;
}

/**
 * Makes `root` and everything under it private (symbolic links are not followed). Returns one line per
 * path that is still open to other users, saying why; an empty list when all is private.
 */
export async function makePrivate(root: string, options: PrivateTreeOptions = {}): Promise<string[]> {
  const chmod = options.chmod ?? fsChmod;
  const problems: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => undefined);
    if (!info) return; // gone meanwhile (a LevelDB compaction, a rebuild)
    if (info.isSymbolicLink()) {
      problems.push(`${path}: a symbolic link, not followed; make its target private yourself`);
      return;
    }
    const wanted = info.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
    if ((info.mode & 0o777) !== wanted) {
      try {
        await chmod(path, wanted);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(`${path}: ${(error as Error).message}`);
      }
      const after = await lstat(path).catch(() => undefined);
      if (after && (after.mode & 0o077) !== 0 && !problems.some((line) => line.startsWith(`${path}:`))) {
        problems.push(`${path}: still mode ${(after.mode & 0o777).toString(8)} after chmod (does this file system keep Unix modes?)`);
      }
    }
    if (info.isDirectory()) {
      const entries = await readdir(path).catch(() => [] as string[]);
      await Promise.all(entries.map((entry) => visit(join(path, entry))));
    }
  };
  await visit(root);
  return problems;
}
