// One campaign point as a child `llm-replay replay|sessions` process: its own process per point,
// so a crash, a hung server or a leak in one point cannot take the campaign down, every point
// starts from a clean engine state, and Ctrl-C reaches it exactly once (the child is in its
// own process group; the campaign forwards the signal). Its stdout (the table) goes to a file,
// its progress lines feed the campaign's line, its other lines are passed on.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { parsePointProgress } from './progress';
import { cliArgv } from '../runtime/paths';

/** Lines of the child's stderr kept for the error of a failed point. */
const TAIL_LINES = 8;

export interface PointProcessHooks {
  onProgress(pct: number | null, etaMs: number | null): void;
  onLine(line: string): void;
}

export interface PointExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of its stderr (the reason of a failure). */
  tail: string[];
}

export class PointProcess {
  private readonly child: ChildProcess;
  readonly done: Promise<PointExit>;

  constructor(argv: string[], stdoutFile: string, hooks: PointProcessHooks) {
    this.child = spawn(process.execPath, [...cliArgv(), ...argv], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LLM_REPLAY_PROGRESS_MS: '1000' },
    });
    const out = createWriteStream(stdoutFile);
    this.child.stdout!.pipe(out);
    const tail: string[] = [];
    let partial = '';
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const p = parsePointProgress(line);
        if (p) hooks.onProgress(p.pct, p.etaMs);
        else if (line.trim()) {
          hooks.onLine(line);
          tail.push(line);
          if (tail.length > TAIL_LINES) tail.shift();
        }
      }
    });
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        out.end();
        resolve({ code, signal, tail });
      });
      this.child.on('error', (e) => resolve({ code: null, signal: null, tail: [e.message] }));
    });
  }

  /** Passes Ctrl-C on: the point stops sending, lets requests in flight finish, writes its summary. */
  interrupt(): void {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
  }

  /** Last resort when the campaign itself exits. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
