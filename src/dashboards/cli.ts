// `llm-replay dashboards`: writes the Grafana dashboards (dashboards/*.json) from the panel
// catalogue, or with --check fails when the JSON in the directory differs from the generator
// (CI and the unit test use it so the committed dashboards never drift from panels.ts).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DASHBOARD_FILES, renderDashboard } from './build';
import type { Flavour } from './grafana';

export const DASHBOARDS_HELP = `usage: llm-replay dashboards [--check] [--dir DIR]
  Writes the Grafana dashboards (InfluxDB v1 and Prometheus) generated from src/dashboards/panels.ts.
  --check    write nothing; exit 1 when a dashboard in DIR differs from the generator
  --dir DIR  where the JSON files are (default: dashboards, relative to the current directory)
  --help     this text
Exit codes: 0 done (or up to date), 1 out of date, 2 usage error.`;

interface DashboardsArgs {
  check: boolean;
  dir: string;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): DashboardsArgs | 'help' {
  const args: DashboardsArgs = { check: false, dir: 'dashboards' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--check') args.check = true;
    else if (a === '--dir' || a.startsWith('--dir=')) {
      const v = a === '--dir' ? argv[++i] : a.slice('--dir='.length);
      if (!v) throw new UsageError('--dir takes a directory, e.g. --dir dashboards');
      args.dir = v;
    } else {
      throw new UsageError(`unknown argument '${a}' (dashboards takes --check, --dir DIR, --help)`);
    }
  }
  return args;
}

/** Runs the subcommand; resolves to the process exit code. */
export async function runDashboardsCli(argv: readonly string[]): Promise<number> {
  let args: DashboardsArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`dashboards: ${err.message}\n\n${DASHBOARDS_HELP}`);
    return 2;
  }
  if (args === 'help') {
    console.log(DASHBOARDS_HELP);
    return 0;
  }
  if (!args.check) mkdirSync(args.dir, { recursive: true });
  let stale = 0;
  for (const flavour of Object.keys(DASHBOARD_FILES) as Flavour[]) {
    const file = join(args.dir, basename(DASHBOARD_FILES[flavour]));
    const json = renderDashboard(flavour);
    if (args.check) {
      if (!existsSync(file) || readFileSync(file, 'utf8') !== json) {
        console.error(`${file} is out of date: run \`llm-replay dashboards\` (or make dashboards)`);
        stale++;
      }
    } else {
      writeFileSync(file, json);
      console.log(`${file}  ${(json.length / 1024).toFixed(1)} KiB`);
    }
  }
  return stale ? 1 : 0;
}
