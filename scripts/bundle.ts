/**
 * How a handler becomes a Lambda bundle: the esbuild options (shared by `make build` and the bench),
 * the baseline they are measured against, and a metafile summary that says which packages take the
 * space. Entry points come from the route table and nothing else.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { type RouteDefinition, routes as shippedRoutes } from '../functions/routes.ts';
import { DEFAULT_RUNTIME, esbuildTargetOf } from '../infra/config.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The syntax level of the oldest runtime the stack can deploy (nodejs22.x), so one deterministic zip
 * serves nodejs22.x and nodejs24.x alike; the bundles must still load on the Node 20 the tests use.
 */
export const LAMBDA_TARGET = esbuildTargetOf(DEFAULT_RUNTIME);

/** `lambda`: env + container credentials only (see bundle-lambda-credentials.ts); `sdk`: the SDK's full chain. */
export type CredentialChain = 'lambda' | 'sdk';

export interface BundleOptions {
  sourcemap?: boolean;
  credentialChain?: CredentialChain;
  /** Add REQUIRE_BANNER; bundleHandler decides this by itself. */
  requireBanner?: boolean;
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

export const HANDLERS_DIR = path.join('functions', 'handlers');

export function entryPoint(handler: string, handlersDir: string = HANDLERS_DIR): string {
  const entry = path.join(handlersDir, `${handler}.ts`);
  if (!existsSync(path.join(ROOT, entry))) throw new Error(`The route table names handler "${handler}" but ${entry} does not exist`);
  return entry;
}

const lambdaCredentials: esbuild.Plugin = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: path.join(ROOT, 'scripts', 'bundle-lambda-credentials.ts'),
    }));
  },
};

/**
 * Bundled CommonJS that `require`s something esbuild leaves outside the bundle (a Node built-in) needs a
 * `require`, which ESM does not have: esbuild then emits a `__require` shim that throws "Dynamic require
 * of ... is not supported". Only then does the bundle get a real one (today's SDK and deps need none).
 */
export const REQUIRE_BANNER =
  "import{createRequire as __lambdaCreateRequire}from'node:module';const require=__lambdaCreateRequire(import.meta.url);";

/**
 * The optimized build. `outfile` is a fixed path under the repository's dist/ and nothing is written
 * by esbuild, so the bytes (and the source map's `sources`) do not depend on where the caller puts them.
 */
export function lambdaBuildOptions(handler: string, options: BundleOptions = {}): esbuild.BuildOptions & { metafile: true; write: false } {
  return {
    absWorkingDir: ROOT,
    entryPoints: [entryPoint(handler, options.handlersDir)],
    outfile: path.join(ROOT, 'dist', handler, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_TARGET,
    // The SDK's ES builds tree-shake; their CommonJS builds do not.
    mainFields: ['module', 'main'],
    minify: true,
    treeShaking: true,
    legalComments: 'none',
    charset: 'utf8',
    sourcemap: options.sourcemap ? 'linked' : false,
    sourcesContent: true,
    ...(options.requireBanner ? { banner: { js: REQUIRE_BANNER } } : {}),
    plugins: options.credentialChain === 'sdk' ? [] : [lambdaCredentials],
    metafile: true,
    write: false,
    logLevel: 'silent',
  };
}

/** The baseline of the bench: the same entry with esbuild's defaults for Node (CommonJS, not minified). */
export function baselineBuildOptions(handler: string, outfile: string): esbuild.BuildOptions {
  return { absWorkingDir: ROOT, entryPoints: [entryPoint(handler)], outfile, bundle: true, platform: 'node', logLevel: 'silent' };
}

const DYNAMIC_REQUIRE_SHIM = 'Dynamic require of ';

export async function bundleHandler(handler: string, options: BundleOptions = {}): Promise<Bundle> {
  let result = await esbuild.build(lambdaBuildOptions(handler, options));
  if (!options.requireBanner && outputOf(result, '.mjs').text.includes(DYNAMIC_REQUIRE_SHIM)) {
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
