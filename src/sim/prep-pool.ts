// A small pool of worker threads that prepare request bodies (src/sim/prep-worker.ts), so the
// server thread only reads sockets, stamps, schedules and writes. Each job goes to the worker
// with the fewest jobs in hand. A worker that dies fails its jobs as 500s and is replaced, so
// one bad request never costs the server its preparation.

import { Worker } from 'node:worker_threads';
import { ApiError } from './errors.js';
import { type PrepJob, type PrepReply, decodeReply } from './prep-wire.js';
import type { PrepOutcome, PrepSettings } from './prepare.js';
import type { Endpoint } from './validate.js';
import { workerStart } from '../runtime/paths.js';


interface PrepThread {
  worker: Worker;
  /** Resolvers of the jobs this worker holds, by job number. */
  jobs: Map<number, (o: PrepOutcome) => void>;
}

export class PrepPool {
  private readonly threads: PrepThread[] = [];
  private nextJob = 1;
  private closed = false;

  private constructor(private readonly settings: PrepSettings) {}

  /** Starts `size` workers and resolves once every one has loaded and is ready for jobs. */
  static async start(size: number, settings: PrepSettings): Promise<PrepPool> {
    const pool = new PrepPool(settings);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw new Error(`could not start the prep worker threads (--prep-threads ${size}; 0 prepares in the server thread): ${(e as Error).message}`);
    }
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  /** Prepares `body` in the least busy worker. */
  prepare(endpoint: Endpoint, body: Buffer): Promise<PrepOutcome> {
    if (this.closed) return Promise.resolve(failure('the server is shutting down'));
    if (this.threads.length === 0) return Promise.resolve(failure('no prep worker thread is running (see earlier errors)'));
    let t = this.threads[0];
    for (const c of this.threads) if (c.jobs.size < t.jobs.size) t = c;
    const job = this.nextJob++;
    // Move the bytes when the buffer owns its whole ArrayBuffer (big bodies); copy small ones.
    const owns = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const bytes = owns ? body : new Uint8Array(body);
    return new Promise<PrepOutcome>((resolve) => {
      t.jobs.set(job, resolve);
      const msg: PrepJob = { job, endpoint, body: bytes };
      t.worker.postMessage(msg, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Terminates every worker; jobs still in hand fail as 500s. */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    for (const t of threads) failAll(t, 'the server is shutting down');
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  /** Takes `t` out of the pool and fails its jobs; false when it was already out. */
  private drop(t: PrepThread, why: string): boolean {
    const i = this.threads.indexOf(t);
    if (i < 0) return false;
    this.threads.splice(i, 1);
    failAll(t, why);
    return true;
  }

  private spawn(): Promise<void> {
    const start = workerStart('sim-prep-worker', { settings: this.settings });
    const worker = new Worker(start.file, { workerData: start.workerData });
    worker.unref(); // the server's handles keep the process alive, never a prep thread
    const t: PrepThread = { worker, jobs: new Map() };
    this.threads.push(t);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: PrepReply | { ready: true }) => {
        if ('ready' in m) {
          ready = true;
          resolve();
          return;
        }
        const resolveJob = t.jobs.get(m.job);
        if (!resolveJob) return;
        t.jobs.delete(m.job);
        resolveJob(decodeReply(m));
      });
      worker.on('error', (e) => {
        if (!ready) reject(e);
        else process.stderr.write(`sim: prep worker thread failed: ${e.stack ?? e.message}\n`);
      });
      worker.on('exit', (code) => {
        if (ready) return this.replace(t, code);
        this.drop(t, `prep worker thread exited with code ${code} before it was ready`);
        reject(new Error(`prep worker thread exited with code ${code} before it was ready`));
      });
    });
  }

  /** A worker ended on its own: fail what it held and start another in its place. */
  private replace(t: PrepThread, code: number): void {
    if (!this.drop(t, `prep worker thread exited with code ${code}`) || this.closed) return;
    this.spawn().catch((e) => process.stderr.write(`sim: could not replace a prep worker thread: ${(e as Error).message}\n`));
  }
}

function failure(why: string): PrepOutcome {
  return { ok: false, error: new ApiError(500, `internal error: ${why}`), stream: false };
}

function failAll(t: PrepThread, why: string): void {
  for (const resolveJob of t.jobs.values()) resolveJob(failure(why));
  t.jobs.clear();
}
