/**
 * Finding rushnet's own modules at run time (the CLI entry, the demo loop, the watch
 * thread), whether it runs from the TypeScript sources (tests, tsx) or from the built package.
 */

/** Running from the TypeScript sources rather than the built package. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * The URL of one of rushnet's modules, named without extension relative to `base` (the caller's
 * `import.meta.url`): `.ts` when running from sources, `.js` when built.
 */
export function ownModule(relative: string, base: string): URL {
  return new URL(`${relative}.${FROM_SOURCES ? 'ts' : 'js'}`, base);
}
