/**
 * `task-api stop`: stops the local stack of a data folder, wherever it was started (a backgrounded
 * `npm start` too, which `kill -INT $!` does not reach: the shell started it with SIGINT ignored, and npm
 * stands between). It sends SIGTERM to the pid in the folder's local-env.json, the stack shuts down
 * cleanly, and the command waits until it has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_ENV_FILE } from '../local-env.ts';
import { isAlive, lockOwner } from '../storage/data-dir-lock.ts';
import { CliError } from './errors.ts';

const POLL_MS = 50;

export interface StopResult {
  stopped: boolean;
  data_dir: string;
  pid?: number;
  /** Why nothing was stopped. */
  reason?: string;
}

export async function stopLocalStack(dataDir: string, timeoutMs = 20_000): Promise<StopResult> {
  const pid = pidOf(join(dataDir, LOCAL_ENV_FILE));
  // Only the process that holds the folder's lock is the stack: a pid left in an old local-env.json may
  // since have been given to some other program, which must not be signalled.
  if (!pid || lockOwner(dataDir) !== pid || !isAlive(pid)) {
    return { stopped: false, data_dir: dataDir, reason: 'no local stack runs in this folder' };
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new CliError(`The local stack (pid ${pid}) did not stop within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { stopped: true, data_dir: dataDir, pid };
}

function pidOf(file: string): number | undefined {
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown };
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
