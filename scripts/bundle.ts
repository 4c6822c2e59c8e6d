/**
 * How a handler becomes a Lambda bundle: the esbuild options (shared by `make build` and the bench),
 * the baseline they are measured against, and a metafile summary that says which packages take the
 * space. Entry points come from the route table and nothing else.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { type RouteDefinition, routes as shippedRoutes } from '../functions/routes.ts';
import { entryPoint, type LambdaEsbuildOptions, lambdaEsbuildOptions, needsRequireBanner } from './lambda-esbuild.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export { type CredentialChain, entryPoint, HANDLERS_DIR, LAMBDA_TARGET, REQUIRE_BANNER } from './lambda-esbuild.ts';

export interface BundleOptions extends LambdaEsbuildOptions {
  /** Where `<handler>.ts` is, relative to the repository (default functions/handlers; a test's own routes elsewhere). */
  handlersDir?: string;
}

export interface Bundle {
  handler: string;
  code: Uint8Array;
  /** Only when asked for. */
  map?: Uint8Array;
  metafile: esbuild.Metafile;
}

/** Every distinct `route.handler`, in route-table order (the shipped table unless a test passes another). */
export function handlerNames(routes: readonly Pick<RouteDefinition, 'handler'>[] = shippedRoutes): string[] {
  return [...new Set(routes.map((route) => route.handler))];
}

/**
 * The optimized build. `outfile` is a fixed path under the repository's dist/ and nothing is written
 * by esbuild, so the bytes (and the source map's `sources`) do not depend on where the caller puts them.
 */
export function lambdaBuildOptions(handler: string, options: BundleOptions = {}): esbuild.BuildOptions & { metafile: true; write: false } {
  return {
    ...lambdaEsbuildOptions(options),
    absWorkingDir: ROOT,
    entryPoints: [entryPoint(handler, { handlersDir: options.handlersDir })],
    outfile: path.join(ROOT, 'dist', handler, 'index.mjs'),
    metafile: true,
    write: false,
  };
}

/** The baseline of the bench: the same entry with esbuild's defaults for Node (CommonJS, not minified). */
export function baselineBuildOptions(handler: string, outfile: string): esbuild.BuildOptions {
  return { absWorkingDir: ROOT, entryPoints: [entryPoint(handler)], outfile, bundle: true, platform: 'node', logLevel: 'silent' };
}

export async function bundleHandler(handler: string, options: BundleOptions = {}): Promise<Bundle> {
  let result = await esbuild.build(lambdaBuildOptions(handler, options));
  if (!options.requireBanner && needsRequireBanner(outputOf(result, '.mjs').text)) {
    result = await esbuild.build(lambdaBuildOptions(handler, { ...options, requireBanner: true }));
  }
  const code = outputOf(result, '.mjs');
  const map = options.sourcemap ? outputOf(result, '.mjs.map') : undefined;
  return { handler, code: code.contents, ...(map ? { map: map.contents } : {}), metafile: result.metafile };
}

function outputOf(result: esbuild.BuildResult, suffix: string): esbuild.OutputFile {
  const file = result.outputFiles?.find((output) => output.path.endsWith(suffix));
  if (!file) throw new Error(`esbuild wrote no ${suffix} file`);
  return file;
}

export interface PackageShare {
  /** An npm package name, or `(app) functions/<dir>` for our own code. */
  name: string;
  bytes: number;
}

/** Bytes of the bundle per npm package (and per folder of our own code), largest first. */
export function packageShares(metafile: esbuild.Metafile): PackageShare[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

/** The files of one package (as named by packageShares) in the bundle, largest first. */
export function filesOf(metafile: esbuild.Metafile, packageName: string): PackageShare[] {
  const files: PackageShare[] = [];
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (packageOf(input) === packageName) files.push({ name: input, bytes: bytesInOutput });
    }
  }
  return files.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

function packageOf(input: string): string {
  const inModules = input.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const [scopeOrName = input, name] = input.slice(inModules + 'node_modules/'.length).split('/');
    return scopeOrName.startsWith('@') && name ? `${scopeOrName}/${name}` : scopeOrName;
  }
  if (input.startsWith('scripts/')) return `(build) ${input}`;
  const [top, dir] = input.split('/');
  return `(app) ${top}${dir && !dir.endsWith('.ts') ? `/${dir}` : ''}`;
}

export function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}
