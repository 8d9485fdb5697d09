// `llm-replay`: the one command-line tool. Each subcommand has its own module and --help;
// errors become exit codes (2 usage, 1 could not start, 99 a threshold failed, as k6).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './flags';
import { EXIT } from '../engine/exit-codes';
import { OptionError } from '../config/env';
import { PACKAGE_ROOT } from '../runtime/paths';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { help: string; load: () => Promise<Command> }> = {
  replay: { help: 'open-loop replay of a trace at its recorded times', load: async () => (await import('./replay')).replayCommand },
  sessions: { help: 'closed-loop replay of agentic sessions (turns wait for responses)', load: async () => (await import('./sessions')).sessionsCommand },
  campaign: { help: 'campaigns: a matrix of runs with SLOs, capacity search (campaign run FILE)', load: async () => (await import('./campaign')).campaignCommand },
  calibrate: { help: 'count prompt words with the server\'s tokenizer (the k6 export\'s VOCAB, TEMPLATE_TOKENS)', load: async () => (await import('./calibrate')).calibrateCommand },
  run: { help: 'run your own scenario file (TypeScript on the scripting API)', load: async () => (await import('./run')).runCommand },
  sim: { help: 'the engine simulator: an OpenAI-compatible vLLM-like server', load: async () => (await import('../sim/main')).runSimCli },
  trace: { help: 'inspect, validate, convert and slice traces', load: async () => (await import('./trace/main')).runTraceCli },
  start: { help: 'write the common start of a run over several instances (file or s3://)', load: async () => (await import('./start')).startCommand },
  report: { help: 'result files: table, merge segmented runs, HTML/SVG report, compare runs', load: async () => (await import('./report')).reportCommand },
  dashboards: { help: 'Grafana dashboards: regenerate or check dashboards/*.json', load: async () => (await import('../dashboards/cli')).runDashboardsCli },
};

export const MAIN_USAGE = `usage: llm-replay COMMAND [flags]   (llm-replay COMMAND --help for its flags)

${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.help}`).join('\n')}

  --version   print the version (package.json)

exit codes: 0 passed, 99 a threshold failed, 2 usage error, 1 the run could not start
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(MAIN_USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`llm-replay ${version()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`llm-replay: unknown command "${name}"\n\n${MAIN_USAGE}`);
    return EXIT.usage;
  }
  try {
    return await (await command.load())(rest);
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError || err instanceof OptionError || (err as { usage?: boolean }).usage === true) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`llm-replay ${name}: ${err.message}\n`);
    if (process.env.LLM_REPLAY_DEBUG) process.stderr.write(`${err.stack}\n`);
    return EXIT.startFailed;
  }
}

/** The package's version, read from the package.json beside dist/ (or the checkout's). */
export function version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
