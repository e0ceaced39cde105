/**
 * `bestTasks(rush, { n, minimize, target })`: the best finished evaluations of a network, read
 * through the instance's cached `fetchFinishedTasks` (only new results cost a read).
 */
import { describeValue, RushInputError } from '../errors.js';
import type { Rush } from '../rush.js';
import type { TaskRow } from '../types.js';
import { isPlainObject } from '../validate.js';
import { asParticipant } from './participant.js';

/** Options of {@link bestTasks}. */
export interface BestTasksOptions {
  /** How many rows. @default 1 */
  n?: number;
  /** Lower is better. @default true */
  minimize?: boolean;
  /** The result column to rank by. @default 'y' */
  target?: string;
}

/** The `n` finished tasks with the best numeric `target`, best first (ties: finish order). */
export async function bestTasks(rush: Rush, options: BestTasksOptions = {}): Promise<TaskRow[]> {
  asParticipant(rush);
  if (!isPlainObject(options))
    throw new RushInputError('options', `must be an options object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!['n', 'minimize', 'target'].includes(key)) {
      throw new RushInputError(
        `options.${key}`,
        'is not a known option (known: n, minimize, target)',
      );
    }
  }
  const { n = 1, minimize = true, target = 'y' } = options;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RushInputError('n', `must be a positive integer, got ${describeValue(n)}`);
  }
  if (typeof minimize !== 'boolean')
    throw new RushInputError('minimize', `must be true or false, got ${describeValue(minimize)}`);
  if (typeof target !== 'string' || target === '') {
    throw new RushInputError(
      'target',
      `must be the name of a result column, got ${describeValue(target)}`,
    );
  }
  const rows = await rush.fetchFinishedTasks();
  const sign = minimize ? 1 : -1;
  return rows
    .filter((row) => typeof row[target] === 'number' && !Number.isNaN(row[target]))
    .map((row, order) => ({ row, order }))
    .sort(
      (a, b) => sign * ((a.row[target] as number) - (b.row[target] as number)) || a.order - b.order,
    )
    .slice(0, n)
    .map(({ row }) => ({ ...row }));
}
