/**
 * The launcher interface: how the manager hands workers to whatever starts their processes.
 * The manager hands a launcher one spec per worker (the arguments of `rushnet worker …` and the
 * environment); the launcher decides where and how the process runs: here (LocalLauncher), over
 * SSH (sshLauncher), or through a cluster scheduler (slurmLauncher).
 */
/** One worker to start. */
export interface WorkerSpec {
  workerId: string;
  /** Arguments of the `rushnet` command line, starting with `worker`. */
  args: string[];
  /** Environment to add (holds the Redis URL: keep it out of logs and command lines). */
  env: Record<string, string>;
  /** Directory for `message_<workerId>.log` (stderr). */
  messageLog?: string;
  /** Directory for `output_<workerId>.log` (stdout). */
  outputLog?: string;
  /** The worker should die with this process. */
  supervise: boolean;
}

/**
 * Starts, kills and watches workers. Implement it to run workers elsewhere; the manager calls
 * nothing else.
 */
export interface WorkerLauncher {
  readonly name: string;
  /** Starts one process per spec. Resolves once they are started (not yet registered). */
  start(specs: readonly WorkerSpec[]): Promise<void>;
  /** Stops a worker at once. Resolves to whether the launcher reached it (ideally once it is gone). */
  kill(workerId: string): Promise<boolean>;
  /**
   * Whether the worker's process is alive: `false` once it exited (evidence for lost-worker
   * detection), `undefined` when the launcher cannot tell.
   */
  isAlive(workerId: string): Promise<boolean | undefined>;
}
