/**
 * How one script call goes on the wire, decided per connection at the moment it is written
 * (an ioredis `Command` whose name and first argument are set in `toWritable`, as ioredis's
 * own scripts do): FCALL of the script's function where rushnet's function library is known
 * to be loaded on that connection's server (library-loader.ts), else EVALSHA of the script,
 * EVAL the first time on a connection. Every form takes `numkeys keys… args…` after its first
 * argument, so a Cluster client routes them alike, and a command resent on a new connection
 * (a reconnect) is written again for that one.
 *
 * A NOSCRIPT reply (a script cache flushed) or "Function not found" (a library deleted under
 * a live connection) means the call did nothing: it is sent once more, as a script, and its
 * reply is the call's.
 *
 * One command class serves every script (a script is data of the command), and a call's
 * promise is never replaced: V8 then keeps its optimized code for the calls of every script.
 */
import { Command } from 'ioredis';

/** One argument of a script call. */
export type ScriptArg = string | Buffer | number;

/** Connections (their sockets) whose server has rushnet's library, as confirmed on them. */
const librarySockets = new WeakSet<object>();

/** Marks `socket` as one whose server has the library. */
export function libraryLoadedOn(socket: object): void {
  librarySockets.add(socket);
}

const FUNCTION_GONE = /^ERR Function not found/;

/** Where a script call is queued or sent: a client or a pipeline (ioredis's `sendCommand`). */
interface CommandTarget {
  sendCommand(command: Command): unknown;
  readonly isPipeline?: boolean;
  readonly redis?: CommandTarget;
}

type ReplyOptions = { replyEncoding: BufferEncoding | null };
const TEXT: ReplyOptions = { replyEncoding: 'utf8' };
const BINARY: ReplyOptions = { replyEncoding: null };

/** One script, sendable as EVALSHA, EVAL or FCALL. */
export class ScriptCommand {
  /** Connections that were sent this script's source (EVAL). */
  readonly sockets = new WeakSet<object>();

  constructor(
    readonly lua: string,
    readonly sha: string,
    readonly functionName: string,
  ) {}

  /**
   * Sends (or, on a pipeline, queues) a call: `args` holds a free first slot (the script or
   * function goes there), then numkeys, keys and arguments. Resolves with the reply, as
   * Buffers when `binary`.
   */
  execute(target: CommandTarget, args: ScriptArg[], binary: boolean): Promise<unknown> {
    args[0] = this.sha;
    const client = target.isPipeline ? target.redis! : target;
    const command = new ScriptCall(this, args, binary ? BINARY : TEXT, client);
    target.sendCommand(command);
    return command.promise;
  }
}

/** A call of one script; resent once, as a script, when the server has lost it. */
class ScriptCall extends Command {
  readonly #script: ScriptCommand;
  readonly #options: ReplyOptions;
  /** Where a resend goes (null: this is the resend). */
  readonly #client: CommandTarget | null;
  /** The connection it was last written to. */
  #socket: object | null = null;

  constructor(
    script: ScriptCommand,
    args: ScriptArg[],
    options: ReplyOptions,
    client: CommandTarget | null,
  ) {
    super('evalsha', args, options);
    this.#script = script;
    this.#options = options;
    this.#client = client;
    const resolve = this.resolve;
    const reject = this.reject;
    this.reject = (error: Error) => {
      if (!this.#resent(error, resolve, reject)) reject(error);
    };
  }

  override toWritable(socket: object): string | Buffer {
    this.#socket = socket;
    const script = this.#script;
    if (librarySockets.has(socket)) {
      this.name = 'fcall';
      this.args[0] = script.functionName;
    } else if (script.sockets.has(socket)) {
      this.name = 'evalsha';
      this.args[0] = script.sha;
    } else {
      script.sockets.add(socket);
      this.name = 'eval';
      this.args[0] = script.lua;
    }
    return super.toWritable(socket);
  }

  /** Resends the call when `error` says it did nothing for want of the script; false if not. */
  #resent(
    error: Error,
    resolve: (value: unknown) => void,
    reject: (error: Error) => void,
  ): boolean {
    const socket = this.#socket;
    if (!this.#client || !socket) return false;
    if (error.message.startsWith('NOSCRIPT')) this.#script.sockets.delete(socket);
    else if (FUNCTION_GONE.test(error.message)) librarySockets.delete(socket);
    else return false;
    const again = new ScriptCall(this.#script, this.args as ScriptArg[], this.#options, null);
    this.#client.sendCommand(again);
    again.promise.then(resolve, reject);
    return true;
  }
}
