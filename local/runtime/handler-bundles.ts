/**
 * Local mode runs the bundles that ship: each handler the route table names is built with the esbuild
 * settings of `make build` (scripts/lambda-esbuild.ts: Lambda's target, minified, the SDK inside, the
 * Lambda credential chain), one self-contained bundle per handler, as Lambda loads it. All of them come
 * from one esbuild context, so the shared code is parsed once and a change rebuilds incrementally; and a
 * tree built before is taken from the bundle cache instead (bundle-cache.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { entryPoint, lambdaEsbuildOptions, needsRequireBanner } from '../../scripts/lambda-esbuild.ts';
import { bundleKey, createBundleCache } from './bundle-cache.ts';

/** The one variant local mode builds: make build's settings with source maps. */
const CACHE_VARIANT = 'sourcemap';

export interface HandlerBundles {
  /**
   * Builds `handlers` into `dir`/<handler>/index.mjs (with its source map) and returns handler -> file.
   * `dir` must be as deep as the staging folder given at creation: the maps' paths are relative.
   */
  build(handlers: readonly string[], dir: string): Promise<Record<string, string>>;
  dispose(): Promise<void>;
}

/** `cacheDir`: where builds are kept between starts (bundle-cache.ts); none without it. */
export function createHandlerBundles(projectRoot: string, stagingDir: string, cacheDir?: string): HandlerBundles {
  const cache = cacheDir ? createBundleCache(cacheDir) : undefined;
  const storing = new Set<Promise<void>>();
  let context: { key: string; ctx: esbuild.BuildContext } | undefined;
  let requireBanner = false;
  // One build at a time: a rebuild of the next generation waits for the one running.
  let queue: Promise<unknown> = Promise.resolve();

  async function contextFor(handlers: readonly string[]): Promise<esbuild.BuildContext> {
    const key = `${requireBanner}:${[...handlers].sort().join(',')}`;
    if (context?.key === key) return context.ctx;
    await context?.ctx.dispose();
    context = undefined;
    const ctx = await esbuild.context({
      ...lambdaEsbuildOptions({ sourcemap: true, requireBanner }),
      absWorkingDir: projectRoot,
      entryPoints: handlers.map((handler) => ({ in: entryPoint(handler, { root: projectRoot }), out: `${handler}/index` })),
      outdir: stagingDir,
      outExtension: { '.js': '.mjs' },
      write: false,
    });
    context = { key, ctx };
    return ctx;
  }

  async function build(handlers: readonly string[], dir: string): Promise<Record<string, string>> {
    const files = Object.fromEntries(handlers.map((handler) => [handler, join(dir, handler, 'index.mjs')]));
    const key = cache ? await bundleKey(projectRoot, handlers, CACHE_VARIANT) : undefined;
    if (cache && key && (await cache.restore(key, dir))) return files;
    let result = await (await contextFor(handlers)).rebuild();
    // As bundleHandler does: a `require` only for a build whose output needs one.
    if (!requireBanner && result.outputFiles?.some((file) => file.path.endsWith('.mjs') && needsRequireBanner(file.text))) {
      requireBanner = true;
      result = await (await contextFor(handlers)).rebuild();
    }
    await Promise.all(
      (result.outputFiles ?? []).map(async (file) => {
        const target = join(dir, relative(stagingDir, file.path));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, file.contents);
      }),
    );
    // Kept only if no source changed while it was built (else the key would name other bytes).
    if (cache && key && key === (await bundleKey(projectRoot, handlers, CACHE_VARIANT))) {
      const stored = cache.store(key, dir, handlers).finally(() => storing.delete(stored));
      storing.add(stored);
    }
    return files;
  }

  return {
    build(handlers, dir) {
      const built = queue.then(() => build(handlers, dir));
      queue = built.catch(() => undefined);
      return built;
    },
    async dispose() {
      await queue;
      await Promise.all(storing);
      await context?.ctx.dispose();
      context = undefined;
    },
  };
}
