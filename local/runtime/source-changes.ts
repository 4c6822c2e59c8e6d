/**
 * Tells the function runtime when functions/ may have changed, without touching the file system per
 * request. Before, every request listed functions/ and stat'ed each file (twice: routing, then the
 * invocation): on a 2-core machine that was most of local mode's time under load, the event loop
 * waiting on the thread pool. A file-system watch now marks the tree as touched, and only then does the
 * runtime compare fingerprints (size and mtime of every file) as it did.
 *
 * The watch's events come before the next request can: the kernel queues a change notification when the
 * write happens, so it is ready before the bytes of any request sent after the write (and, in one
 * process, before the write's own promise settles). Node's recursive watch on Linux adds a watch for a
 * new folder a moment after the folder appears; for `settleMs` after any event every request checks
 * the fingerprint, so a file written into a new folder meanwhile is not missed. Where no watch can be
 * set up (no inotify instances left, say), every request checks, as before.
 */
import { type FSWatcher, watch } from 'node:fs';

export const SETTLE_MS = 2000;

export interface SourceChanges {
  /** False only when nothing under the folder can have changed since the previous call. */
  mayHaveChanged(): boolean;
  close(): void;
}

export function watchSourceChanges(dir: string, options: { settleMs?: number; now?: () => number } = {}): SourceChanges {
  const settleMs = options.settleMs ?? SETTLE_MS;
  const now = options.now ?? (() => performance.now());
  // Until the watch is known to work, and forever if it breaks: check every time.
  let watching = false;
  // Node adds the watches of subfolders a moment after start: the first moments count as a change.
  let lastEventAt = now();
  let touched = true;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true, persistent: false }, () => {
      touched = true;
      lastEventAt = now();
    });
    watcher.on('error', () => {
      watching = false;
      watcher?.close();
    });
    watching = true;
  } catch {
    watching = false;
  }
  return {
    mayHaveChanged() {
      if (!watching) return true;
      const answer = touched || now() - lastEventAt < settleMs;
      touched = false;
      return answer;
    },
    close() {
      watching = false;
      watcher?.close();
    },
  };
}
