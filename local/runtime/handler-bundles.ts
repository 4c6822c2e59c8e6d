/**
 * Local mode runs the bundles that ship: each handler the route table names is built with the esbuild
 * settings of `make build` (scripts/lambda-esbuild.ts: Lambda's target, minified, the SDK inside, the
 * Lambda credential chain), one self-contained bundle per handler, as Lambda loads it. All of them come
 * from one esbuild context, so the shared code is parsed once and a change rebuilds incrementally.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { entryPoint, lambdaEsbuildOptions, needsRequireBanner } from '../../scripts/lambda-esbuild.ts';

export interface HandlerBundles {
  /**
   * Builds `handlers` into `dir`/<handler>/index.mjs (with its source map) and returns handler -> file.
   * `dir` must be as deep as the staging folder given at creation: the maps' paths are relative.
   */
  build(handlers: readonly string[], dir: string): Promise<Record<string, string>>;
  dispose(): Promise<void>;
}

export function createHandlerBundles(projectRoot: string, stagingDir: string): HandlerBundles {
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
      entryPoints: handlers.map((handler) => ({ in: entryPoint(handler, projectRoot), out: `${handler}/index` })),
      outdir: stagingDir,
      outExtension: { '.js': '.mjs' },
      write: false,
    });
    context = { key, ctx };
    return ctx;
  }

  async function build(handlers: readonly string[], dir: string): Promise<Record<string, string>> {
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
    return Object.fromEntries(handlers.map((handler) => [handler, join(dir, handler, 'index.mjs')]));
  }

  return {
    build(handlers, dir) {
      const built = queue.then(() => build(handlers, dir));
      queue = built.catch(() => undefined);
      return built;
    },
    async dispose() {
      await queue;
      await context?.ctx.dispose();
      context = undefined;
    },
  };
}
