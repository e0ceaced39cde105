/**
 * Redis failures named for what they are. A server at its `maxclients` limit writes
 * "-ERR max number of clients reached" and hangs up, but the client usually sees only the hang-up
 * ("write EPIPE", "Connection is closed."): when a connection fails like that, a plain TCP look
 * at what the server says to a new connection tells the cause. Messages never hold a password.
 */
import { connect } from 'node:net';
import type { ResolvedRedisConfig } from '../redis/config.js';

/** How long the look at a new connection may take. */
const LOOK_MS = 1000;

/** One line for people, with anything that looks like a password in a URL hidden. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.replace(/(\/\/[^/@\s:]*:)[^@\s/]*@/g, '$1<redacted>@');
}

/** The cause of a failure in plain words, or the error's own line when it says enough. */
export function nameFailure(error: unknown): string {
  const text = describeError(error);
  const code = String((error as { code?: unknown })?.code ?? '');
  if (/max(imum)? number of clients/i.test(text))
    return `${text} (the server's maxclients limit: it accepts no more connections)`;
  if (/WRONGPASS|NOAUTH|invalid (username-)?password|authentication failed/i.test(text))
    return `authentication failed (check the username and password): ${text}`;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED|connection refused/i.test(text))
    return text.includes('refused') ? text : `connection refused: ${text}`;
  if (/NOPERM/.test(text)) return `permission denied by the server's ACL rules: ${text}`;
  return text;
}

/** Whether an error is the server hanging up, which hides why it did. */
export function isHangUp(error: unknown): boolean {
  const text = `${(error as { code?: unknown })?.code ?? ''} ${describeError(error)}`;
  return /EPIPE|ECONNRESET|Connection is closed|closed the connection|Stream isn't writeable/i.test(
    text,
  );
}

/**
 * What a plain (not TLS) standalone server says to a new connection before it is asked
 * anything: its refusal when it refuses one ("max number of clients reached"), else undefined.
 */
export function greeting(config: ResolvedRedisConfig): Promise<string | undefined> {
  if (config.kind !== 'standalone' || config.tls !== false) return Promise.resolve(undefined);
  const { host, port } = config;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let text = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const line = text.split('\r\n')[0] ?? '';
      resolve(line.startsWith('-') ? line.slice(1) : undefined);
    };
    const timer = setTimeout(done, LOOK_MS);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8', 0, Math.min(chunk.length, 200));
      if (text.includes('\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

/** Why a connection failed: the server's own refusal when it hung up, else the named cause. */
export async function explainFailure(error: unknown, config: ResolvedRedisConfig): Promise<string> {
  if (isHangUp(error)) {
    const said = await greeting(config);
    if (said) return nameFailure(new Error(`the server refused the connection: ${said}`));
  }
  // rushnet's own "cannot reach Redis at <address>: <reason>" → the reason
  const reason = describeError(error).replace(/^cannot reach Redis at \S+: /, '');
  return nameFailure(
    Object.assign(new Error(reason), { code: (error as { code?: unknown })?.code }),
  );
}
