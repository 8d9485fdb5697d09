// Types of k6/x/llmstream, our xk6 extension (Go source: xk6/llmstream, built into build/k6
// by scripts/build-k6.sh). Stock k6 and k6 Cloud do not have it.
//
// Clocks: every *UnixMs value is ms since the Unix epoch with µs resolution (Date.now() in
// k6 is whole ms). Every *Ms duration inside a Result is measured by Go's monotonic clock
// from Result.startUnixMs, so JS work never distorts it.

declare module 'k6/x/llmstream' {
  export interface Params {
    /** HTTP method; default POST. */
    method?: string;
    /**
     * Request headers, set exactly as given (a value replaces the default). Defaults:
     * `Content-Type: application/json` when the body is not empty, `Accept: text/event-stream`,
     * `User-Agent` from k6's userAgent option. A `Host` entry sets the Host header.
     */
    headers?: Record<string, string>;
    /** Limit for the whole exchange including the stream, in ms; 0 or absent = none. */
    timeoutMs?: number;
    /**
     * Default true: a keep-alive pool shared by every VU of the k6 process (HTTP/1.1, one connection per concurrent
     * stream). false: a new TCP/TLS connection for this request, closed afterwards. The
     * default is false when k6 runs with --no-connection-reuse.
     */
    reuseConnections?: boolean;
    /**
     * "openai": classify every SSE event as an OpenAI-compatible chunk in Go and return the
     * flags in Result.kinds (see src/openai/chunk-kinds.ts); "none" (default): no kinds.
     */
    classify?: 'openai' | 'none';
    /** Cap in bytes for Result.body (non-SSE responses); default 65536. */
    maxBodyBytes?: number;
  }

  /**
   * The outcome of one exchange. HTTP and network problems never throw: they show in
   * `status`, `error` and `errorKind`. Arrays are plain JS arrays.
   */
  export interface Result {
    /** HTTP status; 0 when no response arrived. */
    status: number;
    /**
     * When the request was about to be written: the moment the connection was in hand
     * (dial and TLS done, or a pooled one taken). Connection setup is therefore NOT inside
     * headersMs/firstByteMs/times; it is in connectMs. When no connection was obtained,
     * the time post()/postAsync() was called.
     */
    startUnixMs: number;
    /** Dial (DNS in k6's resolver, TCP, TLS) time for this request; 0 when a pooled connection was reused. */
    connectMs: number;
    reused: boolean;
    /** start -> response headers parsed; -1 if none. */
    headersMs: number;
    /** start -> first response byte; -1 if none. */
    firstByteMs: number;
    /**
     * Per SSE event: ms since start when the read that delivered the event's terminating
     * blank line returned. Events that arrive in one TCP read share a time. Non-decreasing.
     */
    times: number[];
    /** Per SSE event: its data, several data: lines joined with "\n"; same length as times. */
    data: string[];
    /** Per SSE event: its `event:` field, "" if none; same length as times. */
    names: string[];
    /**
     * Lines that are not SSE fields: lines whose field name is not data/event/id/retry,
     * e.g. bare JSON or text. At most 100 entries.
     */
    invalid: string[];
    /** Data of an event left without its blank line at the end of the body ("" normally): a cut stream. */
    tail: string;
    /** start -> end of the body (or the failure). */
    endMs: number;
    /** Response body bytes read (as on the wire: no decompression). */
    bytes: number;
    /** The body of a response that is not text/event-stream (JSON errors, non-streamed completions), capped at maxBodyBytes. */
    body: string;
    /** The Content-Type response header ("" if none). */
    contentType: string;
    /** "" when the exchange completed (whatever the status). */
    error: string;
    errorKind: ErrorKind;
    /** Per SSE event, chunk-kind flags (src/openai/chunk-kinds.ts) when params.classify is "openai"; else empty. */
    kinds: number[];
  }

  /**
   * connect: DNS, refused, unreachable, blocked by k6 options (nothing was sent);
   * timeout: params.timeoutMs reached; reset: ECONNRESET / broken pipe; eof: the connection
   * closed early (before a response, or inside a chunked/sized body); aborted: the test or
   * the iteration ended (k6 cancelled the VU context); tls: handshake or certificate;
   * protocol: malformed HTTP; other: anything else.
   */
  export type ErrorKind = '' | 'connect' | 'timeout' | 'reset' | 'eof' | 'aborted' | 'tls' | 'protocol' | 'other';

  /**
   * A process-wide histogram (shared by all VUs of this k6 process).
   *
   * Bucket scheme: values v <= minValue (0.001 ms) count in zeroCount. Otherwise v is in
   * bucket i = ceil(ln(v / minValue) / ln(growth)) - 1 (growth = 1.01), which covers
   * (minValue * growth^i, minValue * growth^(i+1)]. A value exactly on a bound may land in
   * either neighbour (float rounding). Reading a percentile as the upper bound of the bucket
   * holding rank ceil(q * count), clamped to max, is within 1% of the exact sample.
   * Examples: 1 ms -> bucket 694, 1000 ms -> 1388.
   */
  export interface Histogram {
    name: string;
    count: number;
    sum: number;
    sumSq: number;
    /** Smallest and largest recorded value; 0 when count is 0. */
    min: number;
    max: number;
    /** Samples <= minValue (including 0 and negatives). */
    zeroCount: number;
    minValue: number;
    growth: number;
    /** Sparse: bucket index (decimal string) -> count; empty buckets absent. */
    buckets: Record<string, number>;
  }

  /**
   * Sends the request and reads the whole response (the stream) before returning. Blocks
   * the VU. Throws only for bad arguments and when called in the init context.
   * `body` may be null/undefined for no body.
   */
  export function post(url: string, body: string | null | undefined, params?: Params): Result;
  /**
   * Like post, but returns at once; the Promise resolves on the VU's event loop and never
   * rejects for HTTP/network problems. Several calls on one VU run concurrently.
   */
  export function postAsync(url: string, body: string | null | undefined, params?: Params): Promise<Result>;
  /** Wall clock, ms since the Unix epoch, µs resolution. */
  export function nowUnixMs(): number;
  /**
   * Blocks until nowUnixMs() >= unixMs (typically within ~50 µs; the last ms is spent
   * spinning). Returns true at once if already past; false if the test/iteration was aborted.
   */
  export function sleepUntil(unixMs: number): boolean;
  /** The same without blocking: resolves at unixMs (or at once when aborted). */
  export function waitUntil(unixMs: number): Promise<void>;
  /** Adds samples (ms) to the named process-wide histogram, creating it; non-finite values are ignored. */
  export function record(name: string, values: number[]): void;
  /** A copy of the named histogram, or null if nothing was ever recorded under that name. */
  export function snapshot(name: string): Histogram | null;
  /** Names of all histograms, sorted. */
  export function histogramNames(): string[];

  const llm: {
    post: typeof post;
    postAsync: typeof postAsync;
    nowUnixMs: typeof nowUnixMs;
    sleepUntil: typeof sleepUntil;
    waitUntil: typeof waitUntil;
    record: typeof record;
    snapshot: typeof snapshot;
    histogramNames: typeof histogramNames;
  };
  export default llm;
}
