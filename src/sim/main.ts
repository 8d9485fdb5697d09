// The simulator's command line: `runSimCli(argv)` is `llm-replay sim ...`; the module also runs
// directly (`node --import tsx src/sim/main.ts [options]`, what the tests and the demo start).
// `summarize FILE [--json]` summarises a ground-truth file instead of serving.

import { renameSync, writeFileSync } from 'node:fs';
import { runIfMain } from '../runtime/entry.js';
import { GroundTruthFile } from './ground-truth-file.js';
import { type GroundTruthSink, NullSink } from './ground-truth.js';
import { watchLauncher } from './launcher-watch.js';
import { OptionsError, helpText, parseOptions } from './options.js';
import { startServer } from './server.js';
import { formatSummary, summarizeFile } from './summary.js';

const SUMMARIZE_USAGE = 'usage: llm-replay sim summarize GROUND_TRUTH.jsonl [--json]\n';

async function summarizeCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(SUMMARIZE_USAGE);
    return 0;
  }
  const json = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  if (files.length !== 1 || files[0].startsWith('-')) {
    process.stderr.write(SUMMARIZE_USAGE);
    return 2;
  }
  const s = await summarizeFile(files[0]);
  process.stdout.write(json ? JSON.stringify(s, null, 2) + '\n' : formatSummary(s) + '\n');
  return 0;
}

async function serve(args: string[]): Promise<number> {
  const parsed = parseOptions(args);
  if (parsed === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  const opts = parsed;
  let gt: GroundTruthSink = new NullSink();
  if (opts.groundTruth) {
    const file = new GroundTruthFile(opts.groundTruth);
    await file.ready();
    gt = file;
  }
  const sim = await startServer(opts, gt);
  // A load-test target must not die of one bad request: report unexpected errors and go on.
  process.on('uncaughtException', (e) => process.stderr.write(`sim: unexpected error (continuing): ${e.stack ?? e}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`sim: unexpected rejection (continuing): ${(e as Error)?.stack ?? e}\n`));
  sim.server.on('error', (e) => process.stderr.write(`sim: server error: ${e.message}\n`));
  if (opts.portFile) {
    // Atomic: a reader polling for the file never sees it half written.
    writeFileSync(`${opts.portFile}.tmp`, `${sim.port}\n`);
    renameSync(`${opts.portFile}.tmp`, opts.portFile);
  }
  process.stdout.write(`sim listening on ${sim.url}\n`);
  if (!opts.quiet) {
    const e = opts.engine;
    process.stderr.write(
      `sim: preset ${opts.preset}, model ${opts.model}, max_num_seqs ${e.maxNumSeqs}, max_num_batched_tokens ${e.maxNumBatchedTokens}, ` +
        `kv ${e.kvBlocks} blocks x ${e.blockSize}, prefix cache ${e.prefixCaching ? 'on' : 'off'}, time scale ${e.timeScale}` +
        (e.offload ? `, KV tiers ${e.offload.tiers.map((t) => `${t.name} ${t.capacityBlocks} blocks at ${t.gbps} GB/s`).join(', ')} (${e.offload.blockBytes} bytes/block)` : '') +
        (opts.groundTruth ? `, ground truth ${opts.groundTruth}` : '') +
        '\n',
    );
  }
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: string): void => {
      signals++;
      if (!opts.quiet) process.stderr.write(`sim: ${sig}, shutting down${signals > 1 ? ' now' : ''}\n`);
      sim.shutdown(signals > 1 ? 0 : undefined).then(
        () => resolve(0),
        (e) => {
          process.stderr.write(`sim: shutdown failed: ${(e as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    watchLauncher((why) => onSignal(why));
  });
}

/**
 * Runs the simulator CLI on `argv` (the arguments after `sim`). Serving resolves once the server
 * has shut down (SIGTERM/SIGINT, or its tsx launcher gone); the caller should then end the
 * process with the code. 0 ok, 1 could not start, 2 usage error.
 */
export async function runSimCli(argv: string[]): Promise<number> {
  try {
    return argv[0] === 'summarize' ? await summarizeCommand(argv.slice(1)) : await serve(argv);
  } catch (e) {
    if (e instanceof OptionsError) {
      process.stderr.write(`sim: ${e.message}\n(see --help)\n`);
      return 2;
    }
    process.stderr.write(`sim: ${(e as Error).message}\n`);
    return 1;
  }
}

runIfMain(import.meta.url, 'sim', runSimCli, true);
