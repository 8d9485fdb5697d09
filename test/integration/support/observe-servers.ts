// Throwaway InfluxDB 1.x and Prometheus (Debian packages, `make deps-observe`) on free loopback
// ports, via scripts/observe/start-*.sh, each bounded in time by the script itself.

import { spawnSync } from 'node:child_process';

export interface ObserveServer {
  url: string;
  dir: string;
}

export function startObserveServer(kind: 'influxdb' | 'prometheus', maxSeconds = 600): ObserveServer {
  const script = `scripts/observe/start-${kind}.sh`;
  const r = spawnSync('bash', [script, '--max-seconds', String(maxSeconds)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${script} failed (run \`make deps-observe\`?):\n${r.stderr}`);
  const [url, dir] = r.stdout.trim().split(' ');
  return { url, dir };
}

export function stopObserveServer(s?: ObserveServer): void {
  if (s) spawnSync('bash', ['scripts/observe/stop.sh', s.dir], { timeout: 30_000 });
}
