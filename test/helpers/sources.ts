/**
 * Running code as a user of the package would, against the TypeScript sources: an example or a
 * README snippet that imports 'rushnet' gets the sources in its place and runs in a fresh Node
 * process with tsx, from the repository's root; its output is the test's to check.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository's root directory, with a trailing slash. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const run = promisify(execFile);

/**
 * Runs an ES module's code (as `node -e`) with 'rushnet' imported from the sources, `env` added
 * to this process's environment; resolves to its stdout, rejects when it fails or takes a
 * minute.
 */
export async function runAgainstSources(
  code: string,
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      code.replace("from 'rushnet'", `from '${repoRoot}src/index.ts'`),
    ],
    { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
  );
  return stdout;
}
