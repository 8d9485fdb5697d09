// CPU and memory of a whole process tree. The peers run several processes (AIPerf starts a
// service per role, GuideLLM worker processes), so /usr/bin/time's %M (the largest single
// process) undercounts them. Every `everyMs` this walks /proc for the root's descendants and
// sums their proportional set size (PSS: shared pages split between the sharers, so forked
// workers are not counted twice); CPU is user+sys ticks, kept per pid at the last value seen
// so processes that exit before the end still count.

import { readdirSync, readFileSync } from 'node:fs';
import { statCpuTicks } from '../procs';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface TreeUsage {
  /** Highest sum of PSS over the tree at one sample, MB. */
  peakMb: number;
  /** user + sys seconds of every process seen in the tree. */
  cpuS: number;
  /** Most processes seen at once. */
  maxProcesses: number;
}

function readStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) in parentheses.
    const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
    return { ppid, ticks: statCpuTicks(s) };
  } catch {
    return undefined; // exited between listing and reading
  }
}

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    /* fall through to RSS */
  }
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4;
  } catch {
    return 0;
  }
}

export class TreeSampler {
  private readonly ticks = new Map<number, number>();
  private peakKb = 0;
  private maxProcesses = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly rootPid: number, everyMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const parent = new Map<number, number>();
    const ticks = new Map<number, number>();
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue;
      const s = readStat(pid);
      if (!s) continue;
      parent.set(pid, s.ppid);
      ticks.set(pid, s.ticks);
    }
    const inTree = (pid: number): boolean => {
      for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) {
        if (p === this.rootPid) return true;
      }
      return false;
    };
    let kb = 0;
    let n = 0;
    for (const [pid, t] of ticks) {
      if (!inTree(pid)) continue;
      n++;
      kb += pssKb(pid);
      this.ticks.set(pid, Math.max(t, this.ticks.get(pid) ?? 0));
    }
    this.peakKb = Math.max(this.peakKb, kb);
    this.maxProcesses = Math.max(this.maxProcesses, n);
  }

  stop(): TreeUsage {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    let t = 0;
    for (const v of this.ticks.values()) t += v;
    return { peakMb: this.peakKb / 1024, cpuS: t / TICKS_PER_S, maxProcesses: this.maxProcesses };
  }
}
