/**
 * Module hooks registered by uvu-strict.ts: uvu's runner calls a suite's `before` and `after` hooks inside
 * a try whose `finally` returns, which drops what they threw. This rewrites those two calls in uvu's
 * module (as loaded, nothing on disk) so that the error and its stack reach stderr before uvu drops it.
 * Written for uvu 0.5.6's runner: if the calls are not found (uvu changed), loading uvu fails loudly.
 */
const HOOK_CALLS = ['for (hook of before) await hook(state);', 'for (hook of after) await hook(state);'];

const REPORTING_CALL = `
async function __reportHookError(kind, hook, state, suite) {
  try {
    return await hook(state);
  } catch (error) {
    process.stderr.write(\`uvu: the \${kind} hook of \${suite ? \`suite "\${suite}"\` : 'the default suite'} threw: \${error && error.stack ? error.stack : String(error)}\\n\`);
    throw error;
  }
}
`;

export async function load(url, context, nextLoad) {
  const loaded = await nextLoad(url, context);
  if (!/\/node_modules\/uvu\/dist\/index\.m?js$/.test(url)) return loaded;
  let source = String(loaded.source);
  for (const call of HOOK_CALLS) {
    if (!source.includes(call)) throw new Error(`test/support/uvu-hook-errors.mjs: uvu's runner no longer has "${call}"`);
    const kind = call.includes('before') ? 'before' : 'after';
    source = source.replace(call, `for (hook of ${kind}) await __reportHookError('${kind}', hook, state, name);`);
  }
  return { ...loaded, source: `${source}\n${REPORTING_CALL}`, shortCircuit: true };
}
