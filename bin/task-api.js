#!/usr/bin/env node
// The `task-api` command (package.json "bin"): runs the TypeScript CLI in local/cli.ts through tsx's loader.
import { register } from 'tsx/esm/api';

register();
// stderr is for errors: not the SDK's notice that its 2027 releases will need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../local/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
