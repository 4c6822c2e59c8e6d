/**
 * Shared set-up for the infra suites: the bundles the stack needs, a synthesized stack, and where
 * terraform and the provider mirror are.
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Testing } from 'cdktf';
import { routes } from '../../functions/routes.ts';
import { type InfraConfig, loadConfig, REPO_ROOT } from '../../infra/config.ts';
import { TaskApiStack } from '../../infra/stack.ts';

const handlers = [...new Set(routes.map((route) => route.handler))];
let distDir: string | undefined;

/** A one-file, uncompressed zip: enough for a placeholder bundle (no dependency needed). */
function storedZip(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const file = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(file.length, 28);
  const centralOffset = local.length + file.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + file.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, file, data, central, file, end]);
}

/**
 * A directory with `<handler>.zip` for every route: the real `dist/` (built once with `npm run build`
 * when it is incomplete and the build script exists), else placeholder bundles in a temp directory.
 */
export function ensureDist(): string {
  if (distDir) return distDir;
  const dist = join(REPO_ROOT, 'dist');
  const complete = () => handlers.every((handler) => existsSync(join(dist, `${handler}.zip`)));
  if (!complete() && existsSync(join(REPO_ROOT, 'scripts', 'build.ts'))) {
    execSync('npm run build', { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (complete()) {
    distDir = dist;
    return dist;
  }
  const placeholder = mkdtempSync(join(tmpdir(), 'task-api-dist-'));
  for (const handler of handlers) {
    const source = `export const handler = async () => ({ statusCode: 200, body: '${handler}' });\n`;
    writeFileSync(join(placeholder, `${handler}.zip`), storedZip('index.mjs', source));
  }
  distDir = placeholder;
  return placeholder;
}

/** The configuration the suites use: the defaults of `stage`, plus whatever a test overrides. */
export function testConfig(env: NodeJS.ProcessEnv = {}): InfraConfig {
  const dist = ensureDist();
  return loadConfig({ DIST_DIR: dist, AWS_REGION: 'eu-west-1', ...env });
}

export interface Synthesized {
  /** The stack's Terraform JSON, as Testing.synth returns it (for Testing.toHave*). */
  json: string;
  // biome-ignore lint/suspicious/noExplicitAny: the synthesized Terraform JSON is untyped by nature
  tf: any;
}

export function synthStack(env: NodeJS.ProcessEnv = {}): Synthesized {
  const config = testConfig(env);
  const app = Testing.app();
  const stack = new TaskApiStack(app, config.prefix, { config });
  const json = Testing.synth(stack);
  return { json, tf: JSON.parse(json) };
}

/** Every resource of one type: [construct path name, config]. */
// biome-ignore lint/suspicious/noExplicitAny: see Synthesized.tf
export function resourcesOf(tf: any, type: string): Array<[string, any]> {
  return Object.entries(tf.resource?.[type] ?? {});
}

export const inCi = () => process.env.CI === 'true';

/** terraform on PATH (or $TERRAFORM), or undefined. */
export function findTerraform(): string | undefined {
  const candidates = [process.env.TERRAFORM, 'terraform'].filter((candidate): candidate is string => Boolean(candidate));
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The local provider mirror holding hashicorp/aws 5.100.0: $TF_PLUGIN_DIR, else the usual places.
 * Same rules as scripts/plan.sh.
 */
export function findPluginDir(): string | undefined {
  const candidates = [
    process.env.TF_PLUGIN_DIR,
    '/opt/tf-plugins',
    join(REPO_ROOT, '.tf-plugins'),
    join(process.env.HOME ?? '', '.terraform.d', 'plugins'),
    '/usr/share/terraform/plugins',
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    const versions = join(dir, 'registry.terraform.io', 'hashicorp', 'aws');
    // Unpacked layout (5.100.0/linux_amd64/...) or packed (`terraform providers mirror`: terraform-provider-aws_5.100.0_*.zip).
    if (
      existsSync(versions) &&
      readdirSync(versions).some((entry) => entry === '5.100.0' || entry.startsWith('terraform-provider-aws_5.100.0_'))
    ) {
      return dir;
    }
  }
  return undefined;
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  return dir;
}
