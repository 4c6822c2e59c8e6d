#!/usr/bin/env -S npx tsx
/**
 * The Task API's command-line client: sign up, log in and call every route, against local mode (default)
 * or a deployed stage (`--stage dev`). `npm run cli -- --help` lists the commands.
 */
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
