// `llm-replay campaign run|plan FILE`: performance campaigns from a YAML file (docs/campaigns.md).
// `plan` prints the points without running anything; `run` runs them into a results directory.

import { join } from 'node:path';
import { parseFlags, renderHelp, UsageError, type FlagSpec } from './flags';
import { EXIT } from '../engine/exit-codes';
import { readCampaignFile, CampaignFileError, type CampaignTrace, type FlagMap } from '../campaign/file';
import { flagArgs, planMatrix, planPoint, type PlannedPoint, type RecordedRate } from '../campaign/plan';
import { CampaignRunner } from '../campaign/runner';
import { readReplaySettings, REPLAY_FLAGS } from './replay';
import { parseDashboardAddress } from '../live/dashboard';
import { readSessionsSettings, SESSIONS_FLAGS } from './sessions';
import { loadReplayTrace } from '../scenarios/replay-data';

const FLAGS: FlagSpec[] = [
  { flag: 'out-dir', value: 'DIR', help: 'results directory (default: results/campaigns/<name>)' },
  { flag: 'resume', kind: 'bool', help: 'continue the campaign in --out-dir: points already done are skipped' },
  { flag: 'web-dashboard', kind: 'bool', value: 'HOST:PORT', help: 'live charts of the running point in a browser (default 127.0.0.1:5665; the page follows from point to point); each point\'s HTML report beside its summary' },
];

const USAGE = `usage: llm-replay campaign run FILE [--out-dir DIR] [--resume] [--web-dashboard[=HOST:PORT]]
       llm-replay campaign plan FILE

Runs a campaign file: traces x load values (speed-ups, request rates or users) x targets, each
point a replay or sessions run with its own summary.json and requests.jsonl, a campaign.json
index, SLO attainment and goodput per point, and optionally a capacity search (the highest
load whose SLO attainment holds a target). Ctrl-C stops the running point (marked incomplete);
--resume continues. See docs/campaigns.md and examples/campaign.yaml.`;

const EXAMPLE = `examples:
  llm-replay campaign plan examples/campaign.yaml
  llm-replay campaign run examples/campaign.yaml --out-dir results/campaigns/sim-sweep`;

/** Requests per second a replay trace plays at speed-up 1 with the point's flags (for rate points). */
const recordedRate: RecordedRate = (trace: CampaignTrace, flags: FlagMap) => {
  const s = readReplaySettings(['--trace', trace.path, ...flagArgs(flags), '--speedup', '1'], process.env);
  if (s === 'help') throw new Error('unreachable');
  const reqs = loadReplayTrace(s.cfg).requests;
  const spanMs = reqs.length > 1 ? reqs[reqs.length - 1].atMs - reqs[0].atMs : 0;
  if (!(spanMs > 0)) throw new UsageError(`trace "${trace.name}" (${trace.path}): its requests have no time span, so no speed-up gives a request rate; load it by speedup`);
  return ((reqs.length - 1) * 1000) / spanMs;
};

const KNOWN_FLAGS = {
  replay: new Set(REPLAY_FLAGS.map((f) => f.flag)),
  sessions: new Set(SESSIONS_FLAGS.map((f) => f.flag)),
};

/** Reads each point's command line as the command would, so a bad flag value stops the campaign before it starts. */
function checkPoints(points: readonly PlannedPoint[]): void {
  for (const p of points) {
    const [command, ...argv] = p.argv;
    try {
      if (command === 'replay') readReplaySettings(argv, process.env);
      else readSessionsSettings(argv, process.env);
    } catch (e) {
      throw new UsageError(`point ${p.id}: ${(e as Error).message} (from the flags of the campaign file, its trace "${p.trace.name}" or target "${p.target.name}")`);
    }
  }
}

/** The flag each measured point gets, so one page follows the campaign (checked here: a bad address stops it before any point). */
function webDashboardArgs(v: string | undefined): string[] {
  if (v === undefined || v === 'false') return [];
  try {
    const a = parseDashboardAddress(v);
    return [`--web-dashboard=${a.host}:${a.port}`];
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function campaignCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const flags = parseFlags(rest, FLAGS, `llm-replay campaign ${sub ?? ''}`.trim());
  if (sub === undefined || sub === '--help' || sub === '-h' || flags.help) {
    process.stdout.write(renderHelp(USAGE, FLAGS, EXAMPLE));
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== 'run' && sub !== 'plan') throw new UsageError(`llm-replay campaign: unknown subcommand "${sub}": use run or plan (see llm-replay campaign --help)`);
  if (flags.positional.length !== 1) throw new UsageError(`llm-replay campaign ${sub}: give one campaign file, e.g. llm-replay campaign ${sub} examples/campaign.yaml`);
  let spec;
  try {
    spec = readCampaignFile(flags.positional[0], KNOWN_FLAGS);
  } catch (e) {
    if (e instanceof CampaignFileError) throw new UsageError(e.message);
    throw e;
  }
  const points = planMatrix(spec, recordedRate);
  // The capacity probes differ only in their load: the first one stands for them all.
  const cap = spec.capacity;
  checkPoints(cap ? [...points, planPoint(spec, spec.traces[0], spec.targets[0], { kind: cap.load, value: cap.min }, recordedRate, 'cap-')] : points);
  if (sub === 'plan') {
    const lines = points.map((p, i) => `${String(i + 1).padStart(3)}. ${p.id}  [${Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(' ')}]\n     llm-replay ${p.argv.join(' ')}`);
    if (spec.capacity) {
      const c = spec.capacity;
      lines.push(`then a capacity search on ${spec.traces[0].name} x ${spec.targets[0].name}: ${c.load} in [${c.min}, ${c.max}], attainment >= ${c.target}, tolerance ${c.tolerance}, at most ${c.maxProbes} probes`);
    }
    process.stdout.write(`campaign ${spec.name}: ${points.length} point(s)\n${lines.join('\n')}\n`);
    return EXIT.ok;
  }
  const outDir = flags.options.OUT_DIR ?? join('results', 'campaigns', spec.name);
  const runner = new CampaignRunner(spec, {
    outDir, resume: flags.options.RESUME === 'true', rate: recordedRate,
    pointArgs: webDashboardArgs(flags.options.WEB_DASHBOARD),
    out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: process.stderr.isTTY === true,
  });
  return runner.run();
}
