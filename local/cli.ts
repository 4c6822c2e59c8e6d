#!/usr/bin/env -S npx tsx
/**
 * The Task API's command-line client: sign up, log in and call every route, against local mode (default)
 * or a deployed stage (`--stage dev`). `npm run cli -- --help` lists the commands.
 */
import { main } from './cli/main.ts';

// stderr is for errors: not the SDK's notice that its 2027 releases will need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// No top-level await: bin/cli-build.js compiles this file to CommonJS.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
