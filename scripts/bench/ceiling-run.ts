// One rate of the transports bench's ceiling (scripts/bench/transports.ts, section C) in a
// fresh engine process pinned to core 0, so its peak RSS is that rate's alone: an engine
// process keeps no exchanges, and neither does this (only each send's lag). One second at the
// rate warms it up first, as the replay warms up before its offset 0 (a cold process compiles
// its hot paths on V8's helper threads, beside the I/O thread, during the first seconds).
// Prints one JSON line.
//
//   node --import tsx scripts/bench/ceiling-run.ts KIND RATE SECONDS URL

import { spawnSync } from 'node:child_process';
import { drive } from './open-loop-drive';
import type { TransportKind } from '../../src/engine/transport';

spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const [kind, rate, seconds, url] = process.argv.slice(2);
const n = Number(rate) * Number(seconds);
const planOf = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, atMs: (i * 1000) / Number(rate), words: 8, maxTokens: 16 }));
const plan = planOf(n, 'c');
await drive(kind as TransportKind, url, planOf(Number(rate), 'w'), () => {});
const lagMs = new Float64Array(n);
let sent = 0;
let failed = 0;
const kinds = new Set<string>();
const rss0 = process.memoryUsage().rss;
const cpu = await drive(kind as TransportKind, url, plan, (s) => {
  lagMs[sent++] = s.x.startMs - s.dueMs;
  if (s.x.error || s.x.status !== 200) {
    failed++;
    kinds.add(s.x.errorKind || `http_${s.x.status}`);
  }
});
process.stdout.write(JSON.stringify({ lagMs: [...lagMs.subarray(0, sent)], sent, failed, kinds: [...kinds], cpuS: cpu.s, rss0Mb: rss0 / 2 ** 20, peakMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
