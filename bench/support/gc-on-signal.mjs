// Preloaded into a service node by bench/memory.mjs (`node --import <this file> dist/main.js`):
// SIGUSR2 runs a full garbage collection, so that the heap /metrics reports right after is what the
// node really retains, not garbage waiting for the next collection. The flag is set from here
// rather than on the command line so that `gc` stays out of the app's global scope.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
process.on('SIGUSR2', () => gc());
