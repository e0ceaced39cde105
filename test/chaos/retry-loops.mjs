// Worker loops for the chaos scenarios with retries: processTasks with a little random work,
// a handler that throws now and then (a flaky call), and a task timeout.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Finishes tasks with y = 2x; a `failRate` share of tries throws. Runs until terminated. */
export async function flaky(rush, maxDelayMs = 20, failRate = 0.1) {
  await rush.processTasks(
    async (task) => {
      await sleep(Math.random() * maxDelayMs);
      if (Math.random() < failRate) throw new Error('flaky');
      return { y: task.xs.x * 2 };
    },
    { concurrency: 2, taskTimeout: 10 },
  );
}
