// Type-level checks of worker loops: the loop's arguments, the worker's task types and the
// processTasks handler are typed under --strict with no casts (checked by the type-check; vitest
// runs the bodies only trivially: nothing here reaches Redis).
import { describe, expectTypeOf, it } from 'vitest';
import type { PoppedTask, Rush, RushWorker, TaskRow, WorkerLoop } from '../../src/index.js';

type XS = { x: number };
type YS = { y: number };
interface In {
  x: number;
  label: string;
}
interface Out {
  y: number;
}

/** Type checks only: the functions are never called. */
function typesOnly(check: (rush: Rush) => unknown): void {
  expectTypeOf(check).toBeFunction();
}

describe('worker loop types', () => {
  it('types the arguments given explicitly and the worker the loop annotates', () => {
    typesOnly((rush) =>
      rush.startLocalWorkers<[factor: number]>(
        async (worker: RushWorker<XS, YS>, factor) => {
          expectTypeOf(factor).toEqualTypeOf<number>();
          await worker.processTasks(async (task) => {
            expectTypeOf(task.xs.x).toEqualTypeOf<number>();
            return { y: task.xs.x * factor };
          });
        },
        { args: [2] },
      ),
    );
  });

  it('infers the arguments from `args`', () => {
    typesOnly((rush) =>
      rush.startLocalWorkers(
        async (worker, power, label) => {
          expectTypeOf(worker).toEqualTypeOf<RushWorker>();
          expectTypeOf(power).toEqualTypeOf<number>();
          expectTypeOf(label).toEqualTypeOf<string>();
        },
        { args: [2, 'two'] },
      ),
    );
  });

  it('refuses arguments of the wrong type', () => {
    typesOnly((rush) => [
      // @ts-expect-error: factor is a number
      rush.startLocalWorkers<[factor: number]>(async (_worker, _factor) => {}, { args: ['two'] }),
      // @ts-expect-error: the loop takes a number, args give a string
      rush.startLocalWorkers(async (_worker, factor: number) => factor, { args: ['two'] }),
      // A loop may ignore the arguments it is given.
      rush.startLocalWorkers(async (_worker) => {}, { args: [1] }),
    ]);
  });

  it("hands an unannotated loop the manager's task types", () => {
    const check = (rush: Rush<XS, YS>) =>
      rush.startLocalWorkers(async (worker) => {
        expectTypeOf(worker).toEqualTypeOf<RushWorker<XS, YS>>();
        await worker.processTasks(async (task) => ({ y: task.xs.x ** 2 }));
        // @ts-expect-error: the result must be a YS
        await worker.processTasks(async (task) => ({ z: task.xs.x }));
      });
    expectTypeOf(check).toBeFunction();
  });

  it('accepts loops annotated with interfaces, and module references', () => {
    typesOnly((rush) => [
      rush.startLocalWorkers(async (worker: RushWorker<In, Out>) => {
        const rows = await worker.fetchFinishedTasks();
        expectTypeOf(rows).toEqualTypeOf<TaskRow<In, Out>[]>();
        expectTypeOf(rows[0]!.y).toEqualTypeOf<number | undefined>();
      }),
      rush.startLocalWorkers({ module: './loop.mjs' }, { nWorkers: 2 }),
      rush.startLocalWorkers({ module: new URL('file:///loop.mjs'), export: 'loop' }),
    ]);
  });

  it('types startWorkers and workerScript the same way', () => {
    typesOnly((rush) => [
      rush.startWorkers(async (_worker: RushWorker<XS, YS>, n) => n + 1, { args: [1] }),
      rush.workerScript(async (_worker, lr) => expectTypeOf(lr).toEqualTypeOf<number>(), {
        args: [0.1],
      }),
      // @ts-expect-error: a string is not a number
      rush.workerScript<[lr: number]>(async () => {}, { args: ['fast'] }),
    ]);
    expectTypeOf<Awaited<ReturnType<Rush['workerScript']>>>().toEqualTypeOf<string>();
  });

  it('a loop written on its own is a WorkerLoop of its arguments', () => {
    const loop = async (worker: RushWorker<XS, YS>, factor: number) => {
      await worker.processTasks(async (task) => ({ y: task.xs.x * factor }));
    };
    expectTypeOf(loop).toExtend<WorkerLoop<[number], RushWorker<XS, YS>>>();
    typesOnly((rush) => rush.startLocalWorkers(loop, { args: [3] }));
  });
});

describe('processTasks types', () => {
  it('takes the task types from the worker, from type arguments, or from the handler', () => {
    const check = async (typed: RushWorker<XS, YS>, plain: RushWorker) => {
      await typed.processTasks(async (task) => {
        expectTypeOf(task).toEqualTypeOf<PoppedTask<XS>>();
        return { y: task.xs.x };
      });
      await plain.processTasks<XS, YS>(async (task) => ({ y: task.xs.x * 2 }));
      await plain.processTasks(async (task: PoppedTask<In>) => ({ y: task.xs.label.length }));
      await plain.processTasks(async (task) => {
        expectTypeOf(task.xs.x).toEqualTypeOf<unknown>();
        return {};
      });
      // @ts-expect-error: the handler must return a YS
      await plain.processTasks<XS, YS>(async (task) => ({ y: String(task.xs.x) }));
    };
    expectTypeOf(check).toBeFunction();
  });
});
