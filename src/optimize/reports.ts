/**
 * The objective's `report(step, value)` for one evaluation: keeps the evaluation's history of
 * reports in its task's field `report` (written whole each time, by the one worker running it,
 * so every participant reads it like any field) and asks the optimizer whether to stop. The
 * write and the question travel together (one round trip); reports are handled one at a time,
 * in call order, so the stored history never goes back. docs/optimization.md, "Early stopping".
 */
import type { Rush } from '../rush.js';
import type { OptimizerInstance } from './optimizer.js';

/** One intermediate value of an evaluation, as stored in its task's `report` field. */
export interface ReportEntry {
  step: number;
  value: number;
}

/** The reports of one running evaluation. */
export class Reports {
  readonly #history: ReportEntry[] = [];
  /** The previous report's handling, which the next one waits for. */
  #last: Promise<unknown> = Promise.resolve();
  /** The step at which the optimizer asked to stop, once it did. */
  #stoppedAt: number | undefined;

  constructor(
    private readonly key: string,
    private readonly xs: Readonly<Record<string, unknown>>,
    private readonly rush: Rush,
    private readonly optimizer: Pick<OptimizerInstance, 'shouldStop'>,
    private readonly toLoss: (value: number) => number,
    private readonly warnBadInput: (key: string, step: unknown, value: unknown) => void,
  ) {}

  /** The step of the report that the optimizer answered with a stop, if any. */
  get stoppedAt(): number | undefined {
    return this.#stoppedAt;
  }

  /** The objective's `report`: never throws, never rejects. */
  report(step: unknown, value: unknown): Promise<boolean> {
    if (typeof step !== 'number' || !Number.isFinite(step) || typeof value !== 'number') {
      this.warnBadInput(this.key, step, value);
      return Promise.resolve(false);
    }
    const history = [...this.#history, { step, value }];
    this.#history.push({ step, value });
    const handled = this.#last
      .then(() => this.#handle(step, value, history))
      .catch((error: unknown) => {
        this.rush.logger.warn({ key: this.key, err: String(error) }, 'optimize: report() failed');
        return false;
      });
    this.#last = handled;
    return handled;
  }

  async #handle(step: number, value: number, history: ReportEntry[]): Promise<boolean> {
    const logger = this.rush.logger;
    const write = this.rush.writeHashes({ report: [history] }, { keys: [this.key] }).then(
      () => undefined,
      (error: unknown) =>
        logger.warn(
          { key: this.key, err: String(error) },
          'optimize: report() could not record its value',
        ),
    );
    const decide = async (): Promise<boolean> => {
      if (this.#stoppedAt !== undefined) return true;
      if (!this.optimizer.shouldStop) return false;
      try {
        const stop = await this.optimizer.shouldStop(this.key, step, this.toLoss(value), this.xs);
        if (stop === true) this.#stoppedAt = step;
        return stop === true;
      } catch (error) {
        logger.warn(
          { key: this.key, err: String(error) },
          'optimize: the optimizer could not decide on a report; the evaluation goes on',
        );
        return false;
      }
    };
    const [, stop] = await Promise.all([write, decide()]);
    return stop;
  }
}
