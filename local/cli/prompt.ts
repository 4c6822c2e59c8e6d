/**
 * Reading a password without putting it on the command line (where `ps` shows it to every user): asked for
 * on a terminal with nothing echoed, or read from stdin (`--password-stdin`, for scripts and pipes).
 */

/** Asks on the terminal, echoing nothing; undefined when stdin is not a terminal (nobody to ask). */
export function askHidden(question: string, stdin = process.stdin, stderr = process.stderr): Promise<string | undefined> {
  if (!stdin.isTTY) return Promise.resolve(undefined);
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n' || character === '\u0004') return done();
        if (character === '\u0003') return done(Object.assign(new Error('Interrupted'), { code: 'ABORT_ERR' }));
        if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
        else typed += character;
      }
    };
    stdin.on('data', onData);
  });
}

/** The first line of stdin (`printf '%s\n' "$PASSWORD" | task-api login --email E --password-stdin`). */
export async function firstLineOfStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}
