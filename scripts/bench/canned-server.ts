// A minimal HTTP/1.1 server for the engine's ceiling bench (scripts/bench/transports.ts): every
// request gets one canned 16-token SSE stream (chunked, keep-alive), so the engine, not the
// server, is what is measured. Run as a child process pinned to core 1 (the engine has core 0).
//
//   node --import tsx scripts/bench/canned-server.ts   (prints "port N", stops on SIGTERM)

import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';

/** A minimal server answering every request with one canned 16-token stream (chunked, keep-alive). */
function cannedServer(): Promise<{ port: number; close: () => void }> {
  const tok = 'data: {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}\n\n';
  const events = tok.repeat(16) + 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":8,"completion_tokens":16}}\n\ndata: [DONE]\n\n';
  const reply = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${Buffer.byteLength(events).toString(16)}\r\n${events}\r\n0\r\n\r\n`);
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    let carry = '';
    s.on('data', (d) => {
      carry += d.toString('latin1');
      for (;;) {
        const end = carry.indexOf('\r\n\r\n');
        if (end < 0) return;
        const m = /content-length: *(\d+)/i.exec(carry.slice(0, end));
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (carry.length < total) return;
        carry = carry.slice(total);
        s.write(reply);
      }
    });
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  })));
}

/** The canned server in a child process pinned to core 1. */
export async function cannedInChild(): Promise<{ port: number; stop: () => void }> {
  const p = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', new URL(import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    p.on('exit', (c) => reject(new Error(`canned server exited ${c}`)));
  });
  return { port, stop: () => p.kill('SIGTERM') };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const s = await cannedServer();
  process.stdout.write(`port ${s.port}\n`);
  process.on('SIGTERM', () => {
    s.close();
    process.exit(0);
  });
}
