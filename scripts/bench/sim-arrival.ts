// How close the simulator's ground-truth arrival stamps are to the moment a client wrote the
// request: bursts of big-prompt requests, all due at the same millisecond (as the Mooncake
// sample does), from a raw-socket client that stamps right before socket.write. Prints the
// arrival error (sim arrivalMs - client send stamp) and what the simulator spent preparing each
// request (body parse + tokenize, `prepUs`), whose sum per burst is what the old stamp absorbed,
// and the first-token stamp (taken right before the write) against the client's first read.
//
//   npx tsx scripts/bench/sim-arrival.ts [--bursts 10] [--burst-size 16] [--prompt-words 15000]
//                                        [--tokenizer words] [--gap-ms 300] [--prep-threads N]

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from '../../src/metrics/formulas.js';
import { sendBursts } from '../../src/sim/burst-client.js';
import { readGroundTruthFile } from '../../src/sim/ground-truth-file.js';
import { spawnSim } from '../../src/sim/spawn.js';

const { values } = parseArgs({
  options: {
    bursts: { type: 'string', default: '10' },
    'burst-size': { type: 'string', default: '16' },
    'prompt-words': { type: 'string', default: '15000' },
    tokenizer: { type: 'string', default: 'words' },
    'gap-ms': { type: 'string', default: '300' },
    'prep-threads': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 9).join('\n') + '\n');
  process.exit(0);
}

function stats(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const f = (v: number): string => v.toFixed(3);
  return `${label.padEnd(34)} p50 ${f(percentile(s, 50))}  p99 ${f(percentile(s, 99))}  max ${f(s[s.length - 1])} ms`;
}

const dir = mkdtempSync(join(tmpdir(), 'sim-arrival-'));
const gt = join(dir, 'gt.jsonl');
const prepThreads = values['prep-threads'] === undefined ? [] : ['--prep-threads', values['prep-threads']];
const sim = await spawnSim(['--preset', 'fast', '--time-scale', '0.05', '--max-model-len', '200000', '--kv-blocks', '400000', '--tokenizer', values.tokenizer!, '--ground-truth', gt, '--quiet', ...prepThreads]);
try {
  const sends = await sendBursts({
    host: '127.0.0.1',
    port: sim.port,
    bursts: Number(values.bursts),
    burstSize: Number(values['burst-size']),
    promptWords: Number(values['prompt-words']),
    maxTokens: 4,
    gapMs: Number(values['gap-ms']),
    timeoutMs: 60_000,
  });
  await sim.stop();
  const byId = new Map(readGroundTruthFile(gt).map((r) => [r.id, r]));
  const errors: number[] = [];
  const prep: number[] = [];
  const firstToken: number[] = [];
  const late: number[] = [];
  for (const s of sends) {
    const r = byId.get(s.id);
    if (!r) continue;
    errors.push(r.arrivalMs - s.sendMs);
    if (s.firstTokenMs !== undefined && r.firstTokenMs !== null) firstToken.push(s.firstTokenMs - r.firstTokenMs);
    for (const us of r.lateUs) late.push(us / 1000);
    const p = (r as { prepUs?: number }).prepUs;
    if (typeof p === 'number') prep.push(p / 1000);
  }
  process.stdout.write(
    `${errors.length}/${sends.length} requests in the ground truth (${values.bursts} bursts of ${values['burst-size']}, ${values['prompt-words']} words, tokenizer ${values.tokenizer}, prep threads ${values['prep-threads'] ?? 'default'})\n`,
  );
  process.stdout.write(stats('arrival - client send', errors) + '\n');
  if (firstToken.length) process.stdout.write(stats('client first-token read - sim stamp', firstToken) + '\n');
  if (late.length) process.stdout.write(stats('token write - modelled time (late)', late) + '\n');
  if (prep.length) process.stdout.write(stats('prep (parse + tokenize) per request', prep) + '\n');
} finally {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
