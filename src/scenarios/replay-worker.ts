// Entry of a replay worker thread (src/engine/threads.ts serveWorker carries its hooks).
import { serveWorker } from '../engine/threads';
import { replayThread } from './replay-thread';

serveWorker(replayThread);
