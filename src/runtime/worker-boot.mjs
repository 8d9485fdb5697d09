// Development mode only: worker threads start here when the program runs from its TypeScript
// sources. Node 20 does not carry loader hooks (--import tsx) into workers, so each worker
// registers tsx itself and then loads its TypeScript entry (workerData.entry). The bundle
// (dist/app/*-worker.js) starts its workers directly and never loads this file.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
