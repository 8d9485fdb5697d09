// Several "hosts" on this machine for multi-instance tests: one network namespace per host,
// each with a veth into a bridge that lives in a namespace of its own, addresses in a private
// /24. Nothing is added to the machine's own namespace, and everything is removed by destroy()
// (also at process exit, and stale namespaces of this process's tag before creating).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export interface Host {
  ns: string;
  ip: string;
}

export interface Lan {
  hosts: Record<string, Host>;
  /** Starts `cmd args` inside the host's namespace (ip netns exec replaces itself with cmd, so signals reach it). */
  spawn(host: string, cmd: string, args: string[], env?: Record<string, string>): ChildProcess;
  destroy(): void;
}

const ip = (args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function deleteNamespaces(tag: string): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0];
    if (name.startsWith(`${tag}-`)) {
      try {
        ip(['netns', 'del', name]);
      } catch {
        // already gone
      }
    }
  }
}

/** Hosts named `names`, at SUBNET.2, SUBNET.3, ... on one bridge. */
export function createLan(names: string[], subnet = '10.213.7'): Lan {
  const tag = `k6m${process.pid % 100000}`;
  const lanNs = `${tag}-lan`;
  deleteNamespaces(tag);
  const destroy = () => deleteNamespaces(tag);
  process.once('exit', destroy);
  const hosts: Record<string, Host> = {};
  try {
    ip(['netns', 'add', lanNs]);
    ip(['-n', lanNs, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', lanNs, 'link', 'set', 'br0', 'up']);
    names.forEach((name, i) => {
      const ns = `${tag}-${name}`;
      const host = { ns, ip: `${subnet}.${i + 2}` };
      ip(['netns', 'add', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // Both ends created straight in their namespaces: the machine's own never sees them.
      ip(['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `h${i}`, 'netns', lanNs]);
      ip(['-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', lanNs, 'link', 'set', `h${i}`, 'master', 'br0']);
      ip(['-n', lanNs, 'link', 'set', `h${i}`, 'up']);
      hosts[name] = host;
    });
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    hosts,
    spawn: (host, cmd, args, env = {}) =>
      spawn('ip', ['netns', 'exec', hosts[host].ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }),
    destroy,
  };
}

export interface Proc {
  proc: ChildProcess;
  output: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
  /** Resolves when the output matches `re` (rejects after `limitMs` or when the process ends). */
  waitFor(re: RegExp, limitMs?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A process inside a host, with its output collected and a time limit. */
export function run(lan: Lan, host: string, cmd: string, args: string[], env: Record<string, string> = {}, limitMs = 120_000): Proc {
  const proc = lan.spawn(host, cmd, args, env);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    }),
  );
  const output = () => out + err;
  return {
    proc, output, done,
    waitFor: (re, waitMs = 30_000) =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const check = () => {
          const m = output().match(re);
          if (m) return resolve(m);
          if (proc.exitCode !== null || proc.signalCode !== null) return reject(new Error(`${cmd} ended before ${re}:\n${output()}`));
          if (Date.now() - t0 > waitMs) return reject(new Error(`${cmd}: no ${re} within ${waitMs} ms:\n${output()}`));
          setTimeout(check, 50);
        };
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await done;
    },
  };
}
