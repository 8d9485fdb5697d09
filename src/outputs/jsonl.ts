// `--out jsonl=FILE`: one record per request, streamed to disk as requests end (never held in
// memory), so a run of any length can be joined with server logs and re-analysed afterwards.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface RequestRecord {
  /** The id sent to the server (header, and body field where the server reads it there). */
  id: string;
  /** The run's own name of the request, RUNID-N, when `id` is a UUID (src/engine/request-ids.ts). */
  runRequestId?: string;
  /** The recorded output length, when max_tokens was lowered so prompt + max_tokens fits the context. */
  maxTokensCappedFrom?: number;
  /** Position in the schedule, and the trace line it came from. */
  index: number;
  line?: number;
  scheduledUnixMs: number;
  sendUnixMs: number;
  lagMs: number;
  ok: boolean;
  reason?: string;
  status: number;
  ttfbMs?: number;
  ttftMs?: number;
  /** Time to first output (non-reasoning) token: only when the stream carried reasoning. */
  ttfoMs?: number;
  e2eMs: number;
  tpotMs?: number;
  itlMeanMs?: number;
  itlMaxMs?: number;
  connectMs: number;
  promptTokens?: number;
  outputTokens: number;
  cachedTokens?: number;
  /** Cached tokens by KV tier (gpu, cpu, disk), when the server reports them (our simulator with KV tiers). */
  cachedTokensByTier?: Record<string, number>;
  tokenSource: string;
  /** Embeddings and rerank: inputs the request carried. */
  batchSize?: number;
  /** Input length the trace recorded, and the prompt tokens the server counted (usage; absent without usage). */
  inputTokensRecorded?: number;
  promptTokensServer?: number;
  /** promptTokensServer - inputTokensRecorded. */
  promptLengthError?: number;
  /** Delayed by --max-concurrency. */
  delayed?: boolean;
  /** With --slo: the request met every objective (src/metrics/slo.ts). */
  sloOk?: boolean;
  /** A campaign's warm-up request: not in the point's summary or SLO block. */
  warmup?: boolean;
}

/** Records are written in batches: one file write per request costs the send loop ~0.25 ms. */
const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 250;

export class JsonlWriter {
  private readonly out: WriteStream;
  private failed: Error | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly timer: NodeJS.Timeout;
  count = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = createWriteStream(path, { flags: 'w' });
    this.out.on('error', (e) => (this.failed = e));
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  write(r: RequestRecord): void {
    if (this.failed) return;
    const line = JSON.stringify(r) + '\n';
    this.pending.push(line);
    this.pendingChars += line.length;
    this.count++;
    if (this.pendingChars >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0 || this.failed) return;
    this.out.write(this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Flushes and closes; rejects with the first write error (named by file). */
  close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => reject(new Error(`cannot write ${this.path}: ${e.message}`));
      // A stream that failed to open never finishes: report its error instead of waiting.
      if (this.failed) return fail(this.failed);
      this.out.once('error', fail);
      this.out.end((err?: Error | null) => {
        const e = err ?? this.failed;
        if (e) fail(e);
        else resolve();
      });
    });
  }
}
