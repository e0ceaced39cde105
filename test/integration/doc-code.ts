/**
 * Code from the documentation, run as a reader would run it: the blocks of README.md and
 * docs/*.md marked `<!-- runnable -->` (type-checked under the project's strict settings, then run
 * against the test Redis) or `<!-- typecheck -->` (type-checked only: they need SSH hosts, a
 * Slurm cluster or a server of their own), and the files of examples/. `from 'rushnet'` is
 * pointed at the sources, as if the package were installed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { redisUrl } from '../helpers/network.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** A fenced code block of a Markdown file that is marked to be checked. */
export interface DocBlock {
  /** `README.md:42`: where the block starts, for failure messages. */
  where: string;
  /** `run`: type-checked and run; `check`: type-checked only. */
  mode: 'run' | 'check';
  lang: string;
  code: string;
}

const MARKER = /^<!--\s*(runnable|typecheck)\s*-->\s*$/;

/** The marked blocks of a Markdown file (the marker is the line right before the fence). */
export function markedBlocks(file: string): DocBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    const marker = MARKER.exec(lines[i]!);
    const fence = /^```(\w+)\s*$/.exec(lines[i + 1]!);
    if (!marker || !fence) continue;
    const end = lines.indexOf('```', i + 2);
    if (end < 0) throw new Error(`${file}:${i + 2}: the code block is not closed`);
    blocks.push({
      where: `${file}:${i + 2}`,
      mode: marker[1] === 'runnable' ? 'run' : 'check',
      lang: fence[1]!,
      code: lines.slice(i + 2, end).join('\n'),
    });
  }
  return blocks;
}

/** Points imports of the package at the sources of this checkout. */
export function toSources(code: string): string {
  return code
    .replaceAll("from 'rushnet'", `from '${root}src/index.js'`)
    .replaceAll("from 'rushnet/optimize'", `from '${root}src/optimize/index.js'`);
}

/** A temporary directory for code files, which resolves packages from this checkout. */
export function codeDirectory(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rushnet-doc-code-'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // ES modules, as in a project of the reader's own (top-level await).
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes code to `dir/name` with its imports pointed at the sources; returns the path. */
export function writeCode(dir: string, name: string, code: string): string {
  const path = join(dir, name);
  writeFileSync(path, toSources(code));
  return path;
}

/** Type-checks files with the project's compiler options; returns the diagnostics as text. */
export function typeErrors(files: string[]): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram(files, {
    ...options,
    noEmit: true,
    declaration: false,
    rootDir: undefined,
    outDir: undefined,
    typeRoots: [join(root, 'node_modules/@types')],
  });
  const checked = new Set(files);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || checked.has(d.file.fileName))
    .map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return text;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${basename(d.file.fileName)}:${line + 1}:${character + 1}: ${text}`;
    });
}

/** Runs a code file with tsx against the test Redis; resolves to its stdout. */
export async function runCode(path: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path], {
    cwd: root,
    env: { ...process.env, REDIS_URL: redisUrl(), ...env },
    timeout: 90_000,
  });
  return stdout;
}
