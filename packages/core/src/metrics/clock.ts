// A millisecond clock that exists in browsers, workers and Node without
// importing anything: `performance.now()` where the runtime has it.

export type Clock = () => number;

export const monotonicClock: Clock = (() => {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf !== undefined ? () => perf.now() : () => Date.now();
})();
