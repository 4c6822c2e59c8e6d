/** `dist/` with `<handler>.zip` for every route: built once with `npm run build` when it is incomplete. */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../infra/config.ts';
import { handlerNames } from './bundle.ts';

let distDir: string | undefined;

export function ensureDist(): string {
  if (distDir) return distDir;
  const dist = join(REPO_ROOT, 'dist');
  const complete = () => handlerNames().every((handler) => existsSync(join(dist, `${handler}.zip`)));
  if (!complete()) execSync('npm run build', { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!complete()) throw new Error('npm run build did not produce a zip for every route');
  distDir = dist;
  return dist;
}
