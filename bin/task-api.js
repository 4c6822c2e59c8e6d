#!/usr/bin/env node
// The `task-api` command (package.json "bin", `npx task-api`, `npm run cli`): the CLI in local/cli.ts,
// compiled by bin/cli-build.js and run by plain node; rebuilt first when its sources have changed.
import { pathToFileURL } from 'node:url';
import { buildCli, cliBuildDir, freshCliEntry } from './cli-build.js';

// stderr is for errors: not the SDK's notice that its 2027 releases will need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const dir = cliBuildDir();
const entry = (await freshCliEntry(dir)) ?? (await buildCli(dir));
await import(pathToFileURL(entry).href);
