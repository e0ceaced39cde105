/**
 * `RushWorker`: a registered participant that runs tasks. It has every method of `Rush`, and
 * a worker id that it stores with the tasks it creates and runs.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { describeValue, RushInputError } from './errors.js';
import { Rush, type RushOptions } from './rush.js';
import { runScript } from './scripts/index.js';
import type { TaskValues } from './types.js';
import { checkNetworkId, checkOptions } from './validate.js';

export interface RushWorkerOptions extends RushOptions {
  /** The network to join. */
  networkId: string;
  /** @default a new UUID */
  workerId?: string;
  /** Seconds between heartbeats (integer >= 1). @default no heartbeat */
  heartbeatPeriod?: number;
  /** Seconds a heartbeat lives (>= period). @default 3 × heartbeatPeriod */
  heartbeatExpire?: number;
}

/** How often the worker checks whether it was asked to terminate. */
const TERMINATE_CHECK_MS = 250;

export class RushWorker<
  XS extends object = TaskValues,
  YS extends object = TaskValues,
> extends Rush<XS, YS> {
  readonly workerId: string;
  readonly hostname: string = hostname();
  readonly heartbeatPeriod: number | undefined;
  readonly heartbeatExpire: number | undefined;
  #terminated = false;
  #terminateWatch: NodeJS.Timeout | undefined;

  constructor(options: RushWorkerOptions) {
    const o = checkOptions('options', options, [
      'networkId',
      'config',
      'workerId',
      'heartbeatPeriod',
      'heartbeatExpire',
    ]);
    super({ networkId: checkNetworkId('networkId', o.networkId), config: o.config });
    this.workerId = o.workerId === undefined ? randomUUID() : checkWorkerId(o.workerId);
    [this.heartbeatPeriod, this.heartbeatExpire] = checkHeartbeat(
      o.heartbeatPeriod,
      o.heartbeatExpire,
    );
    this.popperId = this.workerId;
  }

  /** Creates a worker and registers it in the network. */
  static async create<XS extends object = TaskValues, YS extends object = TaskValues>(
    options: RushWorkerOptions,
  ): Promise<RushWorker<XS, YS>> {
    return new RushWorker<XS, YS>(options).connect();
  }

  /** Connects and registers the worker as running. */
  override async connect(): Promise<this> {
    await super.connect();
    const k = this.keys;
    await runScript(
      this.connector,
      'register_worker',
      [k.workers, k.runningWorkers, k.terminatedWorkers, k.worker(this.workerId), k.poppers],
      [
        this.workerId,
        Date.now(),
        'pid',
        process.pid,
        'hostname',
        this.hostname,
        'heartbeat',
        this.heartbeatPeriod ? '1' : '0',
      ],
    );
    this.#watchTermination();
    return this;
  }

  protected override get taskWorkerId(): string {
    return this.workerId;
  }

  /**
   * True once `stopWorkers({ type: 'terminate' })` asked this worker (or all) to stop.
   * Reading it costs no round trip.
   */
  get terminated(): boolean {
    return this.#terminated;
  }

  /** Marks the worker terminated in the network. */
  async setTerminated(): Promise<void> {
    this.#terminated = true;
    this.#stopWatch();
    const k = this.keys;
    await this.connector
      .multi()
      .srem(k.runningWorkers, this.workerId)
      .sadd(k.terminatedWorkers, this.workerId)
      .exec();
  }

  #watchTermination(): void {
    const check = async () => {
      try {
        const flags = await this.connector.mget(
          this.keys.terminateAll,
          this.keys.terminate(this.workerId),
        );
        if (flags.some((f) => f !== null)) {
          this.#terminated = true;
          this.#stopWatch();
          return;
        }
      } catch {
        // Redis unreachable for now: try again at the next tick.
      }
      if (this.#terminateWatch)
        this.#terminateWatch = setTimeout(check, TERMINATE_CHECK_MS).unref();
    };
    this.#terminateWatch = setTimeout(check, TERMINATE_CHECK_MS).unref();
  }

  #stopWatch(): void {
    clearTimeout(this.#terminateWatch);
    this.#terminateWatch = undefined;
  }

  protected override async closeConnections(): Promise<void> {
    this.#stopWatch();
    await super.closeConnections();
  }
}

function checkWorkerId(value: unknown): string {
  if (typeof value !== 'string' || value === '' || /[\s:{}]/.test(value)) {
    throw new RushInputError(
      'workerId',
      `must be a non-empty string without white space, ':' or braces, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Checks heartbeat settings; returns [period, expire] (both undefined without heartbeat). */
export function checkHeartbeat(
  period: unknown,
  expire: unknown,
): [number | undefined, number | undefined] {
  if (period === undefined) {
    if (expire !== undefined)
      throw new RushInputError('heartbeatExpire', 'needs `heartbeatPeriod` to be set');
    return [undefined, undefined];
  }
  if (typeof period !== 'number' || !Number.isInteger(period) || period < 1) {
    throw new RushInputError(
      'heartbeatPeriod',
      `must be an integer number of seconds >= 1, got ${describeValue(period)}`,
    );
  }
  if (expire === undefined) return [period, 3 * period];
  if (typeof expire !== 'number' || !Number.isInteger(expire) || expire < period) {
    throw new RushInputError(
      'heartbeatExpire',
      `must be an integer number of seconds >= heartbeatPeriod (${period}), got ${describeValue(expire)}`,
    );
  }
  return [period, expire];
}
