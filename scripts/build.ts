/**
 * `make build`: one minified ESM bundle per route handler, zipped deterministically for Lambda.
 *
 *   dist/<handler>/index.mjs       the bundle (Lambda handler string `index.handler`)
 *   dist/<handler>/index.mjs.map   its source map, beside it; in the zip only with --sourcemap-in-zip
 *   dist/<handler>.zip             what Lambda runs: index.mjs (+ the map when asked)
 *   dist/manifest.json             handler -> zip, bytes, sha256 (hex and base64, = source_code_hash)
 *
 * Usage: tsx scripts/build.ts [--sourcemap-in-zip] [--out-dir <dir>] [--sdk-credential-chain]
 *        (SOURCEMAP_IN_ZIP=1 works too). Callable from code: `buildAll(options)`.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Metafile } from 'esbuild';
import type { RouteDefinition } from '../functions/routes.ts';
import { bundleHandler, type CredentialChain, handlerNames, kb, ROOT } from './bundle.ts';
import { textTable } from './text-table.ts';
import { deterministicZip, type ZipEntry } from './zip.ts';

export interface BuildOptions {
  /** Default: <repo>/dist. */
  outDir?: string;
  /** Put index.mjs.map in the zip too (it is always written beside the bundle). */
  sourcemapInZip?: boolean;
  /** Only these handlers (default: every handler in the route table). */
  handlers?: readonly string[];
  /** Default `lambda`; see scripts/bundle-lambda-credentials.ts. */
  credentialChain?: CredentialChain;
  /** The route table to build (default: the shipped one); a test adds a route of its own. */
  routes?: readonly RouteDefinition[];
  /** Where the handlers are, relative to the repository (default functions/handlers). */
  handlersDir?: string;
}

export interface BuildResult {
  handler: string;
  zipPath: string;
  zipBytes: number;
  bundleBytes: number;
  /** Hex sha256 of the zip. */
  sha256: string;
  /** Base64 sha256 of the zip: what Terraform's `filebase64sha256()` / `source_code_hash` holds. */
  sha256Base64: string;
  /** esbuild's metafile: what went into the bundle (the bench's size analysis reads it). */
  metafile: Metafile;
}

export interface ManifestEntry {
  zip: string;
  bytes: number;
  bundleBytes: number;
  sha256: string;
  sha256Base64: string;
}

export const DEFAULT_OUT_DIR = path.join(ROOT, 'dist');

export async function buildAll(options: BuildOptions = {}): Promise<BuildResult[]> {
  const outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const known = handlerNames(options.routes);
  const wanted = options.handlers ?? known;
  const unknown = wanted.filter((handler) => !known.includes(handler));
  if (unknown.length > 0) throw new Error(`Not handlers in the route table: ${unknown.join(', ')}`);
  await mkdir(outDir, { recursive: true });

  const results: BuildResult[] = [];
  // One at a time: esbuild is already parallel inside, and the machine has two cores.
  for (const handler of wanted) {
    results.push(await buildOne(handler, outDir, options));
  }
  await writeManifest(outDir, results);
  return results;
}

async function buildOne(handler: string, outDir: string, options: BuildOptions): Promise<BuildResult> {
  const bundle = await bundleHandler(handler, {
    sourcemap: true,
    credentialChain: options.credentialChain ?? 'lambda',
    ...(options.handlersDir ? { handlersDir: options.handlersDir } : {}),
  });
  const bundleDir = path.join(outDir, handler);
  await rm(bundleDir, { recursive: true, force: true });
  await mkdir(bundleDir, { recursive: true });
  await writeFile(path.join(bundleDir, 'index.mjs'), bundle.code);
  if (bundle.map) await writeFile(path.join(bundleDir, 'index.mjs.map'), bundle.map);

  const entries: ZipEntry[] = [{ name: 'index.mjs', data: bundle.code }];
  if (options.sourcemapInZip && bundle.map) entries.push({ name: 'index.mjs.map', data: bundle.map });
  const zip = await deterministicZip(entries);
  const zipPath = path.join(outDir, `${handler}.zip`);
  await writeFile(zipPath, zip);
  const digest = createHash('sha256').update(zip).digest();
  return {
    handler,
    zipPath,
    zipBytes: zip.byteLength,
    bundleBytes: bundle.code.byteLength,
    sha256: digest.toString('hex'),
    sha256Base64: digest.toString('base64'),
    metafile: bundle.metafile,
  };
}

async function writeManifest(outDir: string, results: readonly BuildResult[]): Promise<void> {
  const manifest: Record<string, ManifestEntry> = {};
  for (const result of [...results].sort((a, b) => a.handler.localeCompare(b.handler))) {
    manifest[result.handler] = {
      zip: path.basename(result.zipPath),
      bytes: result.zipBytes,
      bundleBytes: result.bundleBytes,
      sha256: result.sha256,
      sha256Base64: result.sha256Base64,
    };
  }
  await writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function formatBuildTable(results: readonly BuildResult[], outDir: string): string {
  const rows = results.map((result) => [
    path.relative(process.cwd(), result.zipPath) || result.zipPath,
    `${kb(result.zipBytes)} KB`,
    `${kb(result.bundleBytes)} KB`,
    result.sha256.slice(0, 16),
  ]);
  const header = ['zip', 'zip size', 'bundle (index.mjs)', 'sha256'];
  const totalZip = results.reduce((sum, result) => sum + result.zipBytes, 0);
  return [
    ...textTable(header, rows),
    '',
    `${results.length} handlers, ${kb(totalZip)} KB zipped; manifest: ${path.relative(process.cwd(), path.join(outDir, 'manifest.json'))}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'sourcemap-in-zip': { type: 'boolean', default: false },
      'out-dir': { type: 'string' },
      'sdk-credential-chain': { type: 'boolean', default: false },
    },
  });
  const outDir = path.resolve(values['out-dir'] ?? DEFAULT_OUT_DIR);
  const fromEnv = ['1', 'true', 'yes'].includes((process.env.SOURCEMAP_IN_ZIP ?? '').toLowerCase());
  const results = await buildAll({
    outDir,
    sourcemapInZip: values['sourcemap-in-zip'] || fromEnv,
    credentialChain: values['sdk-credential-chain'] ? 'sdk' : 'lambda',
  });
  console.log(formatBuildTable(results, outDir));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
