/**
 * Command-line parsing: which command, its options and positionals. node:util parseArgs does the work;
 * each command declares the options it accepts, so a misspelt option is an error rather than ignored.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { closest } from './suggest.ts';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

const GLOBAL_OPTIONS = {
  stage: { type: 'string' },
  outputs: { type: 'string' },
  endpoint: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

const s = { type: 'string' } as const;
const page = { limit: s, 'next-token': s, all: { type: 'boolean' } } as const;
/** `--password` still works, but every user of the machine can read it in `ps`: the usage offers the others. */
const password = { password: s, 'password-stdin': { type: 'boolean' } } as const;

export const COMMANDS = {
  signup: { options: { email: s, ...password }, positionals: [], summary: 'signup --email E   (password: see below)' },
  confirm: { options: { email: s, code: s }, positionals: [], summary: 'confirm --email E [--code C]' },
  login: { options: { email: s, ...password }, positionals: [], summary: 'login --email E   (password: see below)' },
  logout: { options: {}, positionals: [], summary: 'logout' },
  stop: { options: {}, positionals: [], summary: 'stop   (the local stack of the data dir: `npm start` in the background, too)' },
  'tasks create': {
    options: { title: s, description: s, status: s, 'idempotency-key': s },
    positionals: [],
    summary: 'tasks create --title T [--description D] [--status S] [--idempotency-key K]',
  },
  'tasks list': {
    options: { status: s, ...page },
    positionals: [],
    summary: 'tasks list [--status S] [--limit N] [--next-token T] [--all]',
  },
  'tasks get': { options: {}, positionals: ['id'], summary: 'tasks get <id>' },
  'tasks update': {
    options: { title: s, description: s, status: s, 'if-match': s },
    positionals: ['id'],
    summary: 'tasks update <id> [--title T] [--description D] [--status S] [--if-match VERSION]',
  },
  'tasks delete': { options: { 'if-match': s }, positionals: ['id'], summary: 'tasks delete <id> [--if-match VERSION]' },
  'admin tasks': {
    options: { status: s, ...page },
    positionals: [],
    summary: 'admin tasks [--status S] [--limit N] [--next-token T] [--all]',
  },
  'admin add-user': { options: { email: s }, positionals: [], summary: 'admin add-user --email E   (local mode or AWS credentials)' },
} as const satisfies Record<string, { options: OptionSpec; positionals: readonly string[]; summary: string }>;

export type CommandName = keyof typeof COMMANDS;

export interface ParsedArgs {
  command: CommandName | 'help';
  /** Option values by their long name; booleans are true when given. */
  options: Record<string, string | boolean | undefined>;
  positionals: Record<string, string>;
}

export const USAGE = `Usage: task-api <command> [options]      (npx task-api …, or npm run cli -- …)

Commands:
${Object.values(COMMANDS)
  .map((command) => `  ${command.summary}`)
  .join('\n')}

Target (default: local mode, read from .local/local-env.json written by \`npm start\`):
  --data-dir DIR     local mode's data directory (default .local, or $TASK_API_DATA_DIR)
  --stage NAME       a deployed stage, from its Terraform outputs (\`cdktf output\`)
  --outputs FILE     read the stage's outputs from this JSON file instead
  --endpoint URL     send API calls to this base URL instead ("local" = the default)

Password (signup, login): asked for in a terminal (not shown), or $TASK_API_PASSWORD, or the first line
of stdin with --password-stdin. --password P works too, but any user of this machine can read it in \`ps\`.

The login is cached in <data dir>/cli-session.json (local) or ~/.config/task-api/session-<stage>.json,
mode 0600; $TASK_API_SESSION_FILE overrides the path.
Results are JSON on stdout; errors go to stderr with a non-zero exit code.`;

const ALL_OPTIONS: OptionSpec = Object.assign({}, GLOBAL_OPTIONS, ...Object.values(COMMANDS).map((command) => command.options));

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  // First pass, lenient: find the command words among the positionals.
  let loose: ReturnType<typeof parseArgs<{ options: OptionSpec; allowPositionals: true; strict: false; tokens: true }>>;
  try {
    loose = parseArgs({ args: [...argv], options: ALL_OPTIONS, allowPositionals: true, strict: false, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const words = loose.positionals;
  const name = commandNamed(words);
  // Unknown options first: the value after one (`--titel x`) would otherwise pass for a command word.
  const allowed: OptionSpec = name ? { ...GLOBAL_OPTIONS, ...COMMANDS[name].options } : ALL_OPTIONS;
  for (const token of loose.tokens) {
    if (token.kind === 'option' && !Object.hasOwn(allowed, token.name)) throw unknownOption(token.rawName, name, allowed);
  }
  if (loose.values.help || words.length === 0 || words[0] === 'help') return { command: 'help', options: {}, positionals: {} };
  if (!name) {
    const typed = words.slice(0, 2).join(' ');
    const near = closest(typed, Object.keys(COMMANDS)) ?? closest(words[0] ?? '', Object.keys(COMMANDS));
    throw new UsageError(`Unknown command: ${typed}${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const spec = COMMANDS[name];

  // Second pass, strict: only this command's options and the global ones.
  let parsed: { values: ParsedArgs['options']; positionals: string[] };
  try {
    const options: OptionSpec = { ...GLOBAL_OPTIONS, ...spec.options };
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const rest = parsed.positionals.slice(name.split(' ').length);
  if (rest.length !== spec.positionals.length) {
    throw new UsageError(`Usage: ${spec.summary}`);
  }
  const positionals = Object.fromEntries(spec.positionals.map((key, index) => [key, rest[index] as string]));
  return { command: name, options: parsed.values, positionals };
}

/** The command the first one or two words name, if any (`tasks list`, `login`). */
function commandNamed(words: readonly string[]): CommandName | undefined {
  return ([`${words[0]} ${words[1] ?? ''}`, words[0]] as string[]).find((candidate): candidate is CommandName => candidate in COMMANDS);
}

/** `Unknown option --titel for tasks create (did you mean --title?)`. */
function unknownOption(rawName: string, command: CommandName | undefined, allowed: OptionSpec): UsageError {
  const near = closest(rawName.replace(/^-+/, ''), Object.keys(allowed));
  return new UsageError(`Unknown option ${rawName}${command ? ` for ${command}` : ''}${near ? ` (did you mean --${near}?)` : ''}`);
}

/** A required string option, or a usage error naming it. */
export function required(options: ParsedArgs['options'], name: string, fallback?: string): string {
  const value = options[name] ?? fallback;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export function optional(options: ParsedArgs['options'], name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}
