// Worker threads start here: Node 20 does not carry loader hooks (--import tsx) into workers,
// so each worker registers tsx itself and then loads its TypeScript entry (workerData.entry).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
