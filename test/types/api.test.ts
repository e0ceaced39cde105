// Type-level checks of the public API (run by the type-check and, trivially, by vitest).
import { describe, expectTypeOf, it } from 'vitest';
import type {
  PoppedTask,
  Rush,
  RushWorker,
  TaskColumns,
  TaskRow,
  TaskState,
  WorkerInfo,
} from '../../src/index.js';

type XS = { x: number };
type YS = { y: number };

describe('public types', () => {
  it('carries input and output types into rows and tasks', () => {
    expectTypeOf<Awaited<ReturnType<Rush<XS, YS>['fetchFinishedTasks']>>>().toEqualTypeOf<
      TaskRow<XS, YS>[]
    >();
    expectTypeOf<TaskRow<XS, YS>['x']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TaskRow<XS, YS>['key']>().toEqualTypeOf<string>();
    expectTypeOf<
      Awaited<ReturnType<RushWorker<XS, YS>['popTask']>>
    >().toEqualTypeOf<PoppedTask<XS> | null>();
    expectTypeOf<PoppedTask<XS>['xs']>().toEqualTypeOf<XS>();
    expectTypeOf<Parameters<Rush<XS, YS>['pushTasks']>[0]>().toEqualTypeOf<XS[]>();
    expectTypeOf<Parameters<Rush<XS, YS>['finishTasks']>[1]>().toEqualTypeOf<YS[]>();
  });

  it('gives columns for fetchFinishedTasks({ columns: true })', () => {
    const check = async (rush: Rush<XS, YS>) => {
      expectTypeOf(await rush.fetchFinishedTasks({ columns: true })).toEqualTypeOf<TaskColumns>();
      expectTypeOf(await rush.fetchFinishedTasks({ fields: ['ys'] })).toEqualTypeOf<
        TaskRow<XS, YS>[]
      >();
      expectTypeOf((await rush.fetchFinishedTasks({ columns: true })).key).toEqualTypeOf<
        string[]
      >();
    };
    void check;
  });

  it('uses string unions for states', () => {
    expectTypeOf<TaskState>().toEqualTypeOf<'queued' | 'running' | 'finished' | 'failed'>();
    expectTypeOf<WorkerInfo['state']>().toEqualTypeOf<'running' | 'terminated'>();
  });

  it('rejects inputs of the wrong shape', () => {
    const check = (rush: Rush<XS, YS>) => {
      // @ts-expect-error: x must be a number
      void rush.pushTasks([{ x: 'one' }]);
      // @ts-expect-error: yss must match YS
      void rush.finishTasks(['k'], [{ z: 1 }]);
    };
    expectTypeOf(check).toBeFunction();
  });
});
