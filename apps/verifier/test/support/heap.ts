import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A forced full GC without restarting node with --expose-gc: the flag can be
// set at run time, and a fresh context then exposes `gc`.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after full collections, in bytes. */
export async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
