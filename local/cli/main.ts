/** The CLI's entry point, callable in-process (tests, the smoke walkthrough) with its own stdout/stderr. */
import { parseCommandLine, USAGE } from './args.ts';
import { commands } from './commands.ts';
import { CliError, UsageError } from './errors.ts';
import { askHidden, firstLineOfStdin } from './prompt.ts';
import { stopLocalStack } from './stop.ts';
import { localDataDir, resolveTarget } from './target.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Asks for a password with nothing echoed; undefined when there is no terminal to ask on. */
  askPassword?: (question: string) => Promise<string | undefined>;
  /** The first line of stdin (--password-stdin). */
  readStdinLine?: () => Promise<string>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  askPassword: (question) => askHidden(question),
  readStdinLine: () => firstLineOfStdin(),
};

/** Runs one command line; resolves to the exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.command === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const str = (name: string) => (typeof args.options[name] === 'string' ? (args.options[name] as string) : undefined);
    if (args.command === 'stop') {
      // Needs no running stack to resolve: it may find none, and says so.
      if (str('stage')) throw new UsageError('stop is for local mode: a deployed stage is not stopped from here');
      io.stdout(`${JSON.stringify(await stopLocalStack(localDataDir({ dataDir: str('data-dir') }, io)), null, 2)}\n`);
      return 0;
    }
    const target = await resolveTarget(
      { stage: str('stage'), outputs: str('outputs'), endpoint: str('endpoint'), dataDir: str('data-dir') },
      { env: io.env, cwd: io.cwd },
    );
    const result = await commands[args.command]({ args, target, env: io.env, io });
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(error.payload !== undefined ? `${JSON.stringify(error.payload)}\n` : `error: ${error.message}\n`);
      if (error.exitCode === 2) io.stderr('Run with --help for the commands and options.\n');
      return error.exitCode;
    }
    io.stderr(`error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
