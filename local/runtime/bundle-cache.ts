/**
 * The handler bundles of a tree that was built before, kept between starts: building every handler as
 * `make build` does (the SDK inside, minified, with source maps) takes seconds, and most starts build
 * the same sources as the last one. The key covers everything the bytes depend on: each file under
 * functions/, the esbuild settings and the module that defines them, the credential-chain stand-in,
 * package.json, tsconfig.json, the lockfile (the dependencies' versions) and esbuild's version. A hit
 * copies the stored files; a miss builds and stores them. The newest KEPT_BUILDS builds are kept.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version as esbuildVersion } from 'esbuild';

export const KEPT_BUILDS = 4;
const COMPLETE = '.complete';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_DEFINITION = ['scripts/lambda-esbuild.ts', 'scripts/bundle-lambda-credentials.ts'];
const PROJECT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json'];

export interface BundleCache {
  /** Copies a stored build of `key` into `dir` (a folder per handler); false when there is none. */
  restore(key: string, dir: string): Promise<boolean>;
  /** Stores the handlers' folders of a complete build in `dir` under `key`. */
  store(key: string, dir: string, handlers: readonly string[]): Promise<void>;
}

/** What the bundles of `handlers` (built with `variant`) depend on, as one hash. */
export async function bundleKey(projectRoot: string, handlers: readonly string[], variant: string): Promise<string> {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\0${variant}\0${[...handlers].sort().join(',')}\0`);
  const functionsDir = join(projectRoot, 'functions');
  const sources = (await readdir(functionsDir, { recursive: true })).sort().map((entry) => join(functionsDir, entry));
  const inputs = [
    ...BUILD_DEFINITION.map((file) => join(REPO_ROOT, file)),
    ...PROJECT_FILES.map((file) => join(projectRoot, file)),
    ...sources,
  ];
  for (const file of inputs) {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) continue;
    hash
      .update(`${file}\0`)
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex');
}

export function createBundleCache(cacheDir: string): BundleCache {
  return {
    async restore(key, dir) {
      const stored = join(cacheDir, key);
      if (!(await stat(join(stored, COMPLETE)).catch(() => undefined))) return false;
      await cp(stored, dir, { recursive: true, filter: (source) => !source.endsWith(COMPLETE) });
      // Recently used builds are the last pruned.
      const now = new Date();
      await utimes(stored, now, now).catch(() => undefined);
      return true;
    },
    async store(key, dir, handlers) {
      const stored = join(cacheDir, key);
      const partial = `${stored}.${process.pid}.${Date.now()}`;
      try {
        await mkdir(partial, { recursive: true });
        await Promise.all(handlers.map((handler) => cp(join(dir, handler), join(partial, handler), { recursive: true })));
        await mkdir(join(partial, COMPLETE));
        // Another stack may have stored the same build meanwhile: then this copy is not needed.
        await rename(partial, stored).catch(() => rm(partial, { recursive: true, force: true }));
        await prune(cacheDir);
      } catch {
        // A cache that cannot be written only costs the next start its build.
        await rm(partial, { recursive: true, force: true });
      }
    },
  };
}

async function prune(cacheDir: string): Promise<void> {
  const builds = await Promise.all(
    (await readdir(cacheDir))
      .filter((name) => /^[0-9a-f]{64}$/.test(name))
      .map(async (name) => ({ name, at: (await stat(join(cacheDir, name))).mtimeMs })),
  );
  const old = builds.sort((a, b) => b.at - a.at).slice(KEPT_BUILDS);
  await Promise.all(old.map(({ name }) => rm(join(cacheDir, name), { recursive: true, force: true })));
}
