// Smoke test of a freshly built native addon, in its own process: load it, serve one streamed
// chat completion from a tiny server on 127.0.0.1, check the core framed it (status, token
// events, [DONE]) with increasing receive stamps. Exit 0 when it works.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';

const path = process.argv[2];
if (!path) {
  console.error('usage: node scripts/native/smoke.mjs ADDON.node');
  process.exit(2);
}
const fail = (why) => {
  console.error(`native smoke test: ${why}`);
  process.exit(1);
};
const guard = setTimeout(() => fail('no result within 10 s'), 10_000);
const mod = createRequire(import.meta.url)(path);
const token = JSON.stringify({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] });
const last = JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 3 } });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', async () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < 3; i++) {
      res.write(`data: ${token}\n\n`);
      await new Promise((r) => setTimeout(r, 5));
    }
    res.end(`data: ${last}\n\ndata: [DONE]\n\n`);
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const io = new mod.NativeIo({ connectMs: 2000, firstByteMs: 5000, idleMs: 5000, totalMs: 8000, keepAliveMs: 1000, reuse: true }, (b) => {
    // The batch's columns (native/src/node.rs), as the one request it holds.
    const x = { status: b.status[0], error: b.rare[0]?.error ?? '', kinds: [...b.kinds], timesMs: [...b.timesMs] };
    clearTimeout(guard);
    io.close();
    server.close();
    if (x.status !== 200 || x.error) fail(`status ${x.status} ${x.error}`);
    const kinds = x.kinds.join(',');
    if (kinds !== '1,1,1,256,128') fail(`event kinds ${kinds}, expected 1,1,1,256,128`);
    if (!x.timesMs.every((t, i) => t >= 0 && (i === 0 || t >= x.timesMs[i - 1]))) fail(`receive times not increasing: ${x.timesMs}`);
    console.log(`native smoke test: ok (${x.timesMs.length} events, first after ${x.timesMs[0].toFixed(2)} ms)`);
  });
  const body = Buffer.from('{}');
  const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
  io.send(1, `127.0.0.1:${port}`, Buffer.concat([Buffer.from(head), body]), mod.monotonicMs(), false);
});
