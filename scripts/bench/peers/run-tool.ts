// Runs one tool invocation the same way for every tool: under /usr/bin/time (user+sys of the
// process and every descendant it waited for), with the process tree sampled for summed PSS and
// CPU (TreeSampler: the peers are multi-process), output to a log file, and a time limit after
// which the whole process group is killed (the run then counts as timed out, never as a result).

import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { TreeSampler } from './proctree';

export interface ToolCommand {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface ToolRun {
  code: number | null;
  timedOut: boolean;
  wallS: number;
  /** user + sys seconds: the larger of /usr/bin/time's and the tree sampler's. */
  cpuS: number;
  /** Peak of the process tree's summed PSS, MB. */
  peakMb: number;
  processes: number;
}

export function runTool(cmd: ToolCommand, logPath: string, timeFile: string, limitMs: number): Promise<ToolRun> {
  const argv = ['/usr/bin/time', '-f', '%e %U %S', '-o', timeFile, ...cmd.argv];
  const log = createWriteStream(logPath);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { cwd: cmd.cwd, env: { ...process.env, ...cmd.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const sampler = new TreeSampler(p.pid!);
    p.stdout!.pipe(log, { end: false });
    p.stderr!.pipe(log, { end: false });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-p.pid!, 'SIGKILL'); // the tool's own process group (spawned detached)
      } catch {
        /* already gone */
      }
    }, limitMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      sampler.stop();
      reject(e);
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      const tree = sampler.stop();
      log.end();
      let timeCpu = 0;
      try {
        const [, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        if (Number.isFinite(user + sys)) timeCpu = user + sys;
      } catch {
        /* killed before time wrote its line */
      }
      resolve({ code, timedOut, wallS: (performance.now() - started) / 1000, cpuS: Math.max(timeCpu, tree.cpuS), peakMb: tree.peakMb, processes: tree.maxProcesses });
    });
  });
}
