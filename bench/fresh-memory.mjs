// Why a copy of a large array costs milliseconds on some machines: first touches of fresh memory
// (page faults), not the copying. Run: node bench/fresh-memory.mjs
const best = (f, runs = 20) => {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    f();
    min = Math.min(min, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return `${min.toFixed(3)} ms`;
};
const rows = (n) => Array.from({ length: n }, (_, i) => Object.freeze({ key: `k${i}`, x: i }));
const small = rows(10_000);
const large = rows(100_000);
const reused = new Float64Array(1_000_000).fill(1);
const kept = [];
console.log(
  'slice of 10,000 rows (80 KB, a regular heap page):',
  best(() => small.slice()),
);
console.log(
  'slice of 100,000 rows (800 KB, fresh large-object memory):',
  best(() => large.slice()),
);
console.log(
  'write 800 KB of fresh memory (new Float64Array(100,000).fill):',
  best(() => kept.push(new Float64Array(100_000).fill(2))),
);
console.log(
  'write 800 KB of memory written before:',
  best(() => reused.fill(2, 0, 100_000)),
);
