/**
 * Importing the packages a worker loop needs, before the loop starts. A package is looked up
 * from rushnet's own location first (a project that installed rushnet), then from the
 * worker's working directory.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RushConfigError } from '../errors.js';

export async function importPackages(names: readonly string[]): Promise<void> {
  for (const name of names) {
    try {
      await import(name);
    } catch (first) {
      try {
        const resolved = createRequire(join(process.cwd(), 'noop.js')).resolve(name);
        await import(pathToFileURL(resolved).href);
      } catch {
        const reason = first instanceof Error ? first.message.split('\n')[0] : String(first);
        throw new RushConfigError(
          `package '${name}' could not be imported on this worker: ${reason}`,
        );
      }
    }
  }
}
