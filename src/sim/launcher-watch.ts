// Exit with the launcher. `npx tsx src/sim/main.ts` runs as npx -> sh -c -> tsx (CLI) ->
// node (this server). Killing npx with SIGTERM kills npx (and sh) but nothing relays the signal
// to tsx, so the server would live on, holding its port. When our parent is the tsx CLI, we
// watch the tsx process's parent: if it changes (sh or npx died), we shut down gracefully as if
// we had received SIGTERM. Linux only (/proc); a no-op elsewhere or when not launched by tsx.

import { readFileSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function isTsxCli(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.slice(0, 3).some((a) => /(^|\/)tsx$|\/tsx\/dist\/cli\.m?js$/.test(a));
  } catch {
    return false;
  }
}

/** Calls `onGone` once if the tsx wrapper that launched us loses its own parent. */
export function watchLauncher(onGone: (why: string) => void, everyMs = 1000): void {
  const tsx = process.ppid;
  if (!isTsxCli(tsx)) return;
  const launcher = parentOf(tsx);
  if (launcher === undefined) return;
  const timer = setInterval(() => {
    const now = parentOf(tsx);
    if (process.ppid !== tsx || now !== launcher) {
      clearInterval(timer);
      onGone(`the process that launched tsx (pid ${launcher}) is gone`);
    }
  }, everyMs);
  timer.unref();
}
