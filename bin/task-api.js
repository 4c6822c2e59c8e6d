#!/usr/bin/env node
// The `task-api` command (package.json "bin", `npx task-api`, `npm run cli`): the CLI in local/cli.ts,
// compiled by bin/cli-build.js and run by plain node; rebuilt first when its sources have changed.
// CommonJS (bin/package.json says so; the file keeps its name, which npx caches link to), like the compiled
// CLI: required, neither goes through Node's ES module loader.
const { buildCli, cliBuildDir, freshCliEntry } = require('./cli-build.js');

// stderr is for errors: not the SDK's notice that its 2027 releases will need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const dir = cliBuildDir();
const entry = freshCliEntry(dir);
if (entry) require(entry);
else
  buildCli(dir).then(require, (error) => {
    console.error(`task-api: could not compile the CLI: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  });
