/**
 * The pinned Python tools (requirements-tools.txt: moto, checkov, schemathesis), installed by
 * `make tools` into the ignored project virtualenv .venv/. Only that virtualenv counts, so every check
 * runs the pinned versions; where a tool is missing a check is skipped with one line saying how to get
 * it, except under CI=true, where it fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/config.ts';

export const VENV_BIN = join(REPO_ROOT, '.venv', 'bin');

export class ToolMissing extends Error {
  override name = 'ToolMissing';
}

/** The path of a pinned tool in .venv/bin, or undefined. */
export function venvTool(name: string): string | undefined {
  const path = join(VENV_BIN, name);
  return existsSync(path) ? path : undefined;
}

/** The one line a check prints when it cannot run here. */
export function skippedLine(check: string, tool: string): string {
  return `skipped: ${check} (${tool} is not installed in .venv), run make tools`;
}

/**
 * Runs `body` with the tool's path; without the tool prints the skipped line and returns false, or
 * throws under CI=true (CI installs the tools, so a missing one is a broken pipeline, not a skip).
 */
export async function withTool(check: string, tool: string, body: (path: string) => Promise<void>): Promise<boolean> {
  const path = venvTool(tool);
  if (!path) {
    const line = skippedLine(check, tool);
    if (process.env.CI === 'true') throw new ToolMissing(`${line} (CI=true: the check is mandatory)`);
    console.log(line);
    return false;
  }
  await body(path);
  return true;
}

/**
 * For test files: the tool's path, or undefined after printing the skipped line. Under CI=true a missing
 * tool throws instead, so the suite fails.
 */
export function toolOrSkip(check: string, tool: string): string | undefined {
  const path = venvTool(tool);
  if (path) return path;
  const line = skippedLine(check, tool);
  if (process.env.CI === 'true') throw new ToolMissing(`${line} (CI=true: the check is mandatory)`);
  console.log(line);
  return undefined;
}
