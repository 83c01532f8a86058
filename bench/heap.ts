// The JavaScript heap in use after a full garbage collection, for measuring
// what a data structure retains. `node build/bench.js` runs without
// --expose-gc, so the flag is set at run time and gc() taken from a fresh
// context, where V8 installs it.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

export function heapUsedAfterGc(): number {
  // Twice: the first collection can leave garbage that only finalizers freed.
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
