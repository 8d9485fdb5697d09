// Entry of a sessions worker thread (src/engine/threads.ts serveWorker carries its hooks).
import { serveWorker } from '../engine/threads';
import { sessionsThread } from './sessions-thread';

serveWorker((job: Parameters<typeof sessionsThread>[0], hooks) => sessionsThread(job, hooks));
