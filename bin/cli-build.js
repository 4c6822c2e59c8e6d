/**
 * The CLI, compiled: local/cli.ts and everything it imports bundled by esbuild into
 * node_modules/.cache/task-api/cli/ (ignored, like all of node_modules), so that a command starts as plain
 * `node` instead of paying for a TypeScript loader on every run.
 *
 * Built by `npm ci` (postinstall) and again by the first command after a source changed: each build records
 * the files it came from (the project files esbuild read, package-lock.json for the packages, this file for
 * the options) with the hash of their content, and bin/task-api.js rebuilds when the hash no longer matches.
 * Plain JavaScript: it runs before any TypeScript loader could.
 */
// CommonJS (bin/package.json says so), as is bin/task-api.js: a command loads these files and the compiled CLI without Node's ES module
// loader, whose start-up is a good part of a short command's own.
const { readFileSync, statSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const ENTRY = 'local/cli.ts';
const MANIFEST = 'manifest.json';
/** What decides the bundle besides the project files esbuild reads: the installed packages and this builder. */
const ALWAYS_HASHED = ['package-lock.json', 'bin/cli-build.js', 'bin/package.json'];

/** Where the compiled CLI lives; $TASK_API_CLI_BUILD_DIR moves it (tests build into a folder of their own). */
function cliBuildDir(env = process.env) {
  return env.TASK_API_CLI_BUILD_DIR ? resolve(env.TASK_API_CLI_BUILD_DIR) : join(ROOT, 'node_modules', '.cache', 'task-api', 'cli');
}

/** sha256 over each file's name and content, in the given order (a missing file hashes as missing). */
function contentHash(files) {
  // Loaded here, not at the top: a command whose sources are unchanged never needs it.
  const { createHash } = require('node:crypto');
  const hash = createHash('sha256');
  for (const file of files) {
    const content = readOrNull(join(ROOT, file));
    hash.update(`${file}\0${content === null ? 'missing' : 'file'}\0`);
    if (content) hash.update(content);
  }
  return hash.digest('hex');
}

/** Size and modification time: what tells, without reading it, that a file is as the build saw it. */
function stampOf(file) {
  try {
    const { size, mtimeMs } = statSync(join(ROOT, file));
    return `${size}:${mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function readOrNull(path) {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/**
 * The compiled entry in `dir` if it was built from the sources as they are now; undefined if stale or absent.
 * The content hash decides; the files' stamps only spare reading them on every command when none has
 * been touched since the build (a touched file with the same content is still fresh).
 */
function freshCliEntry(dir = cliBuildDir()) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(manifest.inputs) || typeof manifest.stamps !== 'object' || manifest.stamps === null) return undefined;
  const untouched = manifest.inputs.every((file) => manifest.stamps[file] === stampOf(file));
  if (!untouched && contentHash(manifest.inputs) !== manifest.hash) return undefined;
  return join(dir, manifest.entry);
}

/**
 * Bundles the CLI into `dir`, deterministically (same sources, same bytes): built in a staging folder
 * beside it and renamed into place, so a command running meanwhile never loads half a build.
 */
async function buildCli(dir = cliBuildDir()) {
  const esbuild = require('esbuild');
  const { mkdir, mkdtemp, rename, rm, writeFile } = require('node:fs/promises');
  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(join(dirname(dir), '.cli-build-'));
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: { main: ENTRY },
      outdir: staging,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      // One CommonJS file: Node loads it without its ES module loader, the larger part of a short command's
      // own start-up. What only some commands need is evaluated when they run (esbuild keeps each dynamic
      // import lazy), and the packages only a deployed stage needs (the AWS SDK client for admin calls,
      // SRP sign-in) stay in node_modules, required then: the file holds the CLI's own code and no more.
      external: ['@aws-sdk/*', 'amazon-cognito-identity-js'],
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
    });
    const projectFiles = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'));
    const inputs = [...new Set([...projectFiles, ...ALWAYS_HASHED])].sort();
    // Stamped before hashing: a file changed in between then reads as touched, and its hash decides.
    const stamps = Object.fromEntries(inputs.map((file) => [file, stampOf(file)]));
    const manifest = { entry: 'main.cjs', inputs, stamps, hash: contentHash(inputs) };
    await writeFile(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir).catch(async (error) => {
      // Another command built it at the same moment: theirs is as good as ours.
      if (!freshCliEntry(dir)) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return join(dir, 'main.cjs');
}

module.exports = { ROOT, buildCli, cliBuildDir, contentHash, freshCliEntry };

/** `node bin/cli-build.js` (npm's postinstall): build now, so that the first command starts at once. */
if (require.main === module) {
  buildCli().catch((error) => {
    // Never fail the install for it: the first command builds again and shows the error then.
    console.warn(`task-api: the CLI was not compiled now (${error instanceof Error ? error.message : error}); its first run will.`);
  });
}
