#!/usr/bin/env node
// The `task-api` command (package.json "bin"): runs the TypeScript CLI in local/cli.ts through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../local/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
