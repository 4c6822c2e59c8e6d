/**
 * The esbuild settings of a Lambda bundle, in one place: `make build` (scripts/bundle.ts, one handler at a
 * time into dist/) and local mode (local/runtime/handler-bundles.ts, every handler of the route table at
 * once, rebuilt on change) both take them from here, so local mode runs what ships. Only where the
 * entry points come from and where the output goes differ between the two.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as esbuild from 'esbuild';
import { DEFAULT_RUNTIME, esbuildTargetOf } from '../infra/config.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The syntax level of the oldest runtime the stack can deploy (nodejs22.x), so one deterministic zip
 * serves nodejs22.x and nodejs24.x alike; the bundles must still load on the Node 20 the tests use.
 */
export const LAMBDA_TARGET = esbuildTargetOf(DEFAULT_RUNTIME);

/** `lambda`: env + container credentials only (see bundle-lambda-credentials.ts); `sdk`: the SDK's full chain. */
export type CredentialChain = 'lambda' | 'sdk';

export interface LambdaEsbuildOptions {
  sourcemap?: boolean;
  credentialChain?: CredentialChain;
  /** Add REQUIRE_BANNER: only when a build's output needs it (see needsRequireBanner). */
  requireBanner?: boolean;
}

const lambdaCredentials: esbuild.Plugin = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: path.join(REPO_ROOT, 'scripts', 'bundle-lambda-credentials.ts'),
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

const DYNAMIC_REQUIRE_SHIM = 'Dynamic require of ';

/** Whether a bundle built without REQUIRE_BANNER must be built again with it. */
export function needsRequireBanner(code: string): boolean {
  return code.includes(DYNAMIC_REQUIRE_SHIM);
}

export const HANDLERS_DIR = path.join('functions', 'handlers');

/**
 * `<handlersDir>/<handler>.ts` (default functions/handlers; a test's own routes elsewhere), relative to
 * `root` (the repository, or local mode's project root).
 */
export function entryPoint(
  handler: string,
  { handlersDir = HANDLERS_DIR, root = REPO_ROOT }: { handlersDir?: string | undefined; root?: string } = {},
): string {
  const entry = path.join(handlersDir, `${handler}.ts`);
  if (!existsSync(path.join(root, entry))) throw new Error(`The route table names handler "${handler}" but ${entry} does not exist`);
  return entry;
}

/** Everything but the entry points and the output: what makes a Lambda bundle what it is. */
export function lambdaEsbuildOptions(options: LambdaEsbuildOptions = {}): esbuild.BuildOptions {
  return {
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
    logLevel: 'silent',
  };
}
