/**
 * The SSH launcher's hosts: checking what the user gave (names, `user@host`, aliases of
 * ~/.ssh/config, or `{ host, user, port, identityFile }`) and turning it into ssh arguments.
 */
import { describeValue, RushInputError } from '../errors.js';
import { checkOptions, isPlainObject } from '../validate.js';
import { checkText } from './commands.js';

/** A host: a name or address (or `user@host`, or a `~/.ssh/config` alias), or its parts. */
export type SshHost =
  | string
  | { host: string; user?: string; port?: number; identityFile?: string };

export interface Target {
  /** Which of the hosts (its index), for batching the calls to one host. */
  key: string;
  /** For messages: the host as the user gave it. */
  label: string;
  /** ssh arguments for this host, ending with `--` and the destination. */
  args: string[];
}

/** rushnet's ssh options; the user's own (`sshOptions`) come first, and ssh keeps the first. */
const DEFAULT_OPTIONS = [
  ['BatchMode', 'yes'],
  ['ConnectTimeout', '10'],
  ['LogLevel', 'ERROR'],
  ['RequestTTY', 'no'],
] as const;

/** The user's ssh arguments followed by rushnet's defaults that they did not set. */
export function sshArgs(sshOptions: string[]): string[] {
  const defaults = DEFAULT_OPTIONS.filter(([key]) => !givesOption(sshOptions, key)).flatMap(
    ([key, value]) => ['-o', `${key}=${value}`],
  );
  return [...sshOptions, ...defaults];
}

/** Whether `-o Key=…` (or `-oKey …`) is among the user's ssh arguments. */
function givesOption(args: string[], key: string): boolean {
  const k = key.toLowerCase();
  return args.some((a, i) => {
    const option = a === '-o' ? args[i + 1] : a.startsWith('-o') ? a.slice(2) : undefined;
    return option?.trim().toLowerCase().split(/[=\s]/)[0] === k;
  });
}

/** Checks one entry of `hosts` (named `name` in errors) and makes its ssh arguments. */
export function target(name: string, host: unknown, base: string[], index: number): Target {
  const checkHost = (argName: string, value: unknown) => {
    if (typeof value !== 'string' || !/^[^\s-][^\s]*$/.test(value)) {
      throw new RushInputError(
        argName,
        `must be a host name or address (no spaces, not starting with '-'), got ${describeValue(value)}`,
      );
    }
    return value;
  };
  if (typeof host === 'string') {
    return { key: String(index), label: host, args: [...base, '--', checkHost(name, host)] };
  }
  if (!isPlainObject(host)) {
    throw new RushInputError(name, `must be a string or { host, user?, port?, identityFile? }`);
  }
  const h = checkOptions(name, host as Exclude<SshHost, string>, [
    'host',
    'user',
    'port',
    'identityFile',
  ]);
  const hostName = checkHost(`${name}.host`, h.host);
  const user = h.user === undefined ? undefined : checkHost(`${name}.user`, h.user);
  const args = [...base];
  if (h.port !== undefined) {
    if (typeof h.port !== 'number' || !Number.isInteger(h.port) || h.port < 1 || h.port > 65535) {
      throw new RushInputError(
        `${name}.port`,
        `must be a port number, got ${describeValue(h.port)}`,
      );
    }
    args.push('-p', String(h.port));
  }
  const identity = checkText(`${name}.identityFile`, h.identityFile);
  if (identity !== undefined) args.push('-i', identity);
  const destination = user ? `${user}@${hostName}` : hostName;
  const label = h.port === undefined ? destination : `${destination}:${h.port}`;
  return { key: String(index), label, args: [...args, '--', destination] };
}
