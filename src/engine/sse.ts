// Incremental Server-Sent Events decoding for the transport: bytes arrive in arbitrary pieces,
// events end at a blank line, and each event is stamped with the time its last bytes were read
// (the caller passes the stamp it took when the piece arrived). Only `data:` fields matter for
// OpenAI-compatible streams; comments (":") and other fields are skipped, lines that are no
// field at all are kept as invalid.

export interface SseSink {
  event(timeMs: number, data: string): void;
  invalid(line: string): void;
}

export class SseDecoder {
  private carry = '';
  private data: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly sink: SseSink) {}

  /** Feeds one piece of the body, read at `timeMs`. */
  push(piece: Uint8Array, timeMs: number): void {
    const text = this.carry + this.decoder.decode(piece, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      let end = nl;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      this.line(text.slice(start, end), timeMs);
      start = nl + 1;
    }
    this.carry = start === 0 ? text : text.slice(start);
  }

  /** Data of an event cut by the end of the stream ('' when the stream ended cleanly). */
  tail(): string {
    const pending = this.data.length ? this.data.join('\n') : '';
    const rest = this.carry.startsWith('data:') ? this.carry.slice(5).trimStart() : this.carry;
    return pending + (pending && rest ? '\n' : '') + rest;
  }

  private line(line: string, timeMs: number): void {
    if (line === '') {
      if (this.data.length) {
        this.sink.event(timeMs, this.data.length === 1 ? this.data[0] : this.data.join('\n'));
        this.data = [];
      }
      return;
    }
    if (line.charCodeAt(0) === 58 /* : comment */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field === 'data') {
      const value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
      this.data.push(value);
    } else if (field !== 'event' && field !== 'id' && field !== 'retry') {
      this.sink.invalid(line);
    }
  }
}
